"""A web app over a fresh store with a small hospital and one user per role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from config.settings import Settings, WebSettings
from ticketing.fakes import FixedClock
from ticketing.model import User
from ticketing.outbox import PrintQueue, SmsOutbox, SurveyQueue
from ticketing.service import TicketService
from ticketing.store import Store
from web.app import create_app
from web.deps import WebDeps
from web.live import LiveHub
from web.security import ROLES, hash_password
from web.server import ThreadedServer

from ..ticketing.factories import small_hospital
from .assessment_screenshots import ARGS, CHROMIUM

PASSWORD = "correct horse 42"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def web_settings(tmp_path: Path, **web: object) -> Settings:
    return Settings(data_dir=str(tmp_path), web=WebSettings(secret_key="test-secret-" + "x" * 20,
                                                            lockout_attempts=3, lockout_minutes=15, **web))


def add_users(store: Store) -> None:
    hashed = hash_password(PASSWORD)  # one hash for all: scrypt is slow on purpose
    with store.session() as s:
        for role in ROLES:
            s.add(User(username=role, display_name=f"{role.title()} Li", role=role,
                       password_hash=hashed, language="en" if role == "manager" else "zh-CN",
                       failed_attempts=0, active=True))


def make_deps(store: Store, service: TicketService, clock: FixedClock, settings: Settings,
              **extra: object) -> WebDeps:
    return WebDeps(settings=settings, store=store, service=service, clock=clock,
                   sms_outbox=SmsOutbox(store, clock), print_queue=PrintQueue(store, clock),
                   survey_queue=SurveyQueue(store, clock), hub=LiveHub(), **extra)  # type: ignore[arg-type]


@dataclass
class Web:
    deps: WebDeps
    client: TestClient

    def login(self, username: str, password: str = PASSWORD, client: TestClient | None = None) -> TestClient:
        c = client or self.client
        page = c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        resp = c.post("/login", data={"username": username, "password": password, "csrf_token": token},
                      follow_redirects=False)
        c.last_login = resp  # type: ignore[attr-defined]
        if resp.status_code == 303:
            c.headers["X-CSRF-Token"] = c.get("/api/me").json()["csrf_token"]
        return c

    def new_client(self) -> TestClient:
        return TestClient(self.client.app, base_url="http://testserver")


@pytest.fixture
def hospital(store: Store) -> Store:
    small_hospital(store)
    add_users(store)
    return store


@pytest.fixture
def web(hospital: Store, service: TicketService, clock: FixedClock, tmp_path: Path) -> Iterator[Web]:
    deps = make_deps(hospital, service, clock, web_settings(tmp_path))
    deps.feed_interval_s = 3600  # tests drive the change feed by hand (poll_once)
    with TestClient(create_app(deps), base_url="http://testserver") as client:
        yield Web(deps, client)


@pytest.fixture
def web_served(web: Web) -> Iterator[ThreadedServer]:
    """``web``'s app on a loopback port too: event streams and requests sent at once."""
    server = ThreadedServer(web.client.app).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    """A headless Chromium of the test's own (the mobile pages' module shares one of its own)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def live_intervals() -> dict[str, float]:
    """How often ``served``'s change feed and wallboard push (``WebDeps`` fields): fast, so a
    browser test sees a change well within its waits. A test module overrides this fixture
    for other values (``{}``: the app's own)."""
    return {"feed_interval_s": 0.1, "wallboard_interval_s": 0.5}


@pytest.fixture
def served(hospital: Store, service: TicketService, clock: FixedClock, tmp_path: Path,
           live_intervals: dict[str, float]) -> Iterator[tuple[WebDeps, ThreadedServer]]:
    """``(deps, server)``: the app over the small hospital on a loopback port, for a browser."""
    deps = make_deps(hospital, service, clock, web_settings(tmp_path))
    for name, seconds in live_intervals.items():
        setattr(deps, name, seconds)
    server = ThreadedServer(create_app(deps)).start()
    try:
        yield deps, server
    finally:
        server.stop()
