"""Log-ins are rows in the store: a log-out holds in every process sharing the store and after
a restart, sessions expire (idle and absolute), a user can end all of their sessions and an
administrator all of someone's, and an open event stream of an ended session stops."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ticketing.fakes import FixedClock
from ticketing.model import AuditLog, User, WebSession
from ticketing.service import TicketService
from ticketing.store import Store
from web.app import create_app
from web.server import ThreadedServer

from .conftest import Web, make_deps, web_settings

TICKET = {"service_type": "repair", "location_code": "10305", "description": "灯不亮"}


@pytest.fixture
def other(web: Web, db_url: str, service: TicketService, clock: FixedClock,
          tmp_path: Path) -> Iterator[Web]:
    """A second app — as another ``serve`` process behind the load balancer — with its own
    engine on the same store and the same settings (the same secret)."""
    store = Store(db_url)
    deps = make_deps(store, service, clock, web_settings(tmp_path))
    deps.feed_interval_s = 3600
    with TestClient(create_app(deps), base_url="http://testserver") as client:
        yield Web(deps, client)
    store.dispose()


def _replay(app: Web, cookie: str, csrf: str) -> TestClient:
    c = app.new_client()
    c.cookies.set("onestop_session", cookie)
    c.headers["X-CSRF-Token"] = csrf
    return c


def _logout(c: TestClient, **form: str) -> None:
    resp = c.post("/logout", data={"csrf_token": c.headers["X-CSRF-Token"], **form},
                  follow_redirects=False)
    assert resp.status_code == 303


def _audit(web: Web, action: str) -> list[AuditLog]:
    with web.deps.store.session() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def test_a_logged_out_cookie_is_refused_by_another_app_sharing_the_store(web: Web, other: Web) -> None:
    op = web.login("operator", client=web.new_client())
    cookie, csrf = op.cookies["onestop_session"], op.headers["X-CSRF-Token"]
    there = _replay(other, cookie, csrf)
    assert there.post("/api/tickets", json=TICKET).status_code == 201  # one log-in, both apps
    _logout(op)
    assert there.post("/api/tickets", json=TICKET).status_code == 401
    assert there.get("/api/me").status_code == 401
    assert _replay(web, cookie, csrf).get("/api/me").status_code == 401


def test_a_logged_out_cookie_is_refused_after_a_restart(web: Web, service: TicketService,
                                                        clock: FixedClock, tmp_path: Path) -> None:
    op = web.login("operator", client=web.new_client())
    cookie, csrf = op.cookies["onestop_session"], op.headers["X-CSRF-Token"]
    _logout(op)
    deps = make_deps(web.deps.store, service, clock, web_settings(tmp_path))
    with TestClient(create_app(deps), base_url="http://testserver") as restarted:
        replay = restarted
        replay.cookies.set("onestop_session", cookie)
        assert replay.post("/api/tickets", json=TICKET,
                           headers={"X-CSRF-Token": csrf}).status_code == 401


def test_an_idle_session_expires_and_use_keeps_it_alive(web: Web) -> None:
    clock: FixedClock = web.deps.clock  # type: ignore[assignment]
    idle = web.deps.settings.web.session_idle_minutes
    c = web.login("operator", client=web.new_client())
    for _ in range(4):  # used within the idle time, again and again: still logged in
        clock.advance(minutes=idle - 2)
        assert c.get("/api/me").status_code == 200
    clock.advance(minutes=idle + 1)
    assert c.get("/api/me").status_code == 401
    assert c.get("/desk", follow_redirects=False).headers["location"].startswith("/login")


def test_a_session_ends_at_its_absolute_expiry_however_busy(web: Web) -> None:
    clock: FixedClock = web.deps.clock  # type: ignore[assignment]
    hours = web.deps.settings.web.session_hours
    c = web.login("operator", client=web.new_client())
    assert f"Max-Age={int(hours * 3600)}" in c.last_login.headers["set-cookie"]  # type: ignore[attr-defined]
    used = timedelta()
    while used < timedelta(hours=hours) - timedelta(minutes=20):
        clock.advance(minutes=15)
        used += timedelta(minutes=15)
        assert c.get("/api/me").status_code == 200, used
    clock.advance(minutes=30)
    assert c.get("/api/me").status_code == 401


def test_log_out_everywhere_ends_every_session_of_the_user(web: Web, other: Web) -> None:
    desk = web.login("operator", client=web.new_client())
    phone = other.login("operator", client=other.new_client())
    lead = web.login("lead", client=web.new_client())
    mine = desk.get("/api/me/sessions").json()
    assert len(mine) == 2 and [s["current"] for s in mine].count(True) == 1
    resp = phone.post("/api/me/sessions/end")
    assert resp.status_code == 200 and resp.json() == {"ended": 2}
    assert desk.get("/api/me").status_code == 401 and phone.get("/api/me").status_code == 401
    assert lead.get("/api/me").status_code == 200, "another user's session is not touched"
    [row] = _audit(web, "logout_everywhere")
    assert (row.actor, row.entity_key, row.after) == ("operator", "operator", {"sessions": 2})


def test_log_out_everywhere_from_the_page_form(web: Web, other: Web) -> None:
    a = web.login("dispatcher", client=web.new_client())
    b = other.login("dispatcher", client=other.new_client())
    _logout(a, everywhere="1")
    assert b.get("/api/me").status_code == 401


def test_an_admin_ends_all_sessions_of_a_user(web: Web, other: Web) -> None:
    victim = [web.login("operator", client=web.new_client()),
              other.login("operator", client=other.new_client())]
    admin = web.login("admin", client=web.new_client())
    lead = web.login("lead", client=web.new_client())
    assert lead.post("/api/admin/users/operator/sessions/end").status_code == 403
    listed = admin.get("/api/admin/users/operator/sessions").json()
    assert len(listed) == 2 and all(s["open"] for s in listed)
    resp = admin.post("/api/admin/users/operator/sessions/end")
    assert resp.status_code == 200 and resp.json() == {"ended": 2}
    assert [c.get("/api/me").status_code for c in victim] == [401, 401]
    assert not any(s["open"] for s in admin.get("/api/admin/users/operator/sessions").json())
    [row] = _audit(web, "sessions_ended")
    assert (row.actor, row.entity, row.entity_key, row.after) == ("admin", "app_user", "operator",
                                                                  {"sessions": 2})
    assert admin.post("/api/admin/users/nobody/sessions/end").status_code == 404


def test_a_disabled_user_is_logged_out_and_cannot_log_in(web: Web, other: Web) -> None:
    op = other.login("operator", client=other.new_client())
    admin = web.login("admin", client=web.new_client())
    assert admin.patch("/api/admin/users/operator", json={"changes": {"active": False}}).status_code == 200
    assert op.get("/api/me").status_code == 401
    with web.deps.store.session() as s:
        rows = s.scalars(select(WebSession).join(User, User.id == WebSession.user_id)
                         .where(User.username == "operator")).all()
        assert rows and all(r.ended_at is not None and r.end_reason == "disabled" for r in rows)
    again = web.login("operator", client=web.new_client())
    assert again.last_login.status_code == 401  # type: ignore[attr-defined]


def test_the_store_keeps_a_hash_of_the_token_never_the_cookie(web: Web) -> None:
    c = web.login("viewer", client=web.new_client())
    cookie = c.cookies["onestop_session"]
    with web.deps.store.session() as s:
        row = s.scalar(select(WebSession))
    assert row is not None and len(row.token_hash) == 64
    assert row.token_hash not in cookie and cookie.split(".")[0] not in row.token_hash


def test_ended_and_expired_sessions_are_swept_after_their_retention(web: Web) -> None:
    from web.housekeeping import sweep

    clock: FixedClock = web.deps.clock  # type: ignore[assignment]
    a = web.login("operator", client=web.new_client())
    _logout(a)
    web.login("lead", client=web.new_client())
    assert sweep(web.deps.store, clock.now(), web.deps.settings.web)["sessions"] == 0
    clock.advance(days=8)  # the lead's session expired a week ago, the operator's ended 8 days ago
    assert sweep(web.deps.store, clock.now(), web.deps.settings.web)["sessions"] == 2
    with web.deps.store.session() as s:
        assert s.scalar(select(WebSession.id)) is None


# --- event streams ---------------------------------------------------------------------------

@pytest.fixture
def served_other(other: Web) -> Iterator[tuple[Web, ThreadedServer]]:
    other.deps.session_check_s = 0.2
    server = ThreadedServer(other.client.app).start()
    try:
        yield other, server
    finally:
        server.stop()


def _events(server: ThreadedServer, cookie: str, path: str, deadline_s: float,
            on_hello: Callable[[], None]) -> list[str]:
    """The event names of a stream, read until it ends (or the deadline passes); ``on_hello``
    runs once the stream is open."""
    names: list[str] = []
    end = time.monotonic() + deadline_s
    with httpx.Client(base_url=server.url, cookies={"onestop_session": cookie},
                      timeout=httpx.Timeout(deadline_s)) as h, h.stream("GET", path) as resp:
        assert resp.status_code == 200
        for line in resp.iter_lines():
            if line.startswith("event:"):
                names.append(line.split(":", 1)[1].strip())
                if names[-1] == "hello":
                    on_hello()
            if time.monotonic() > end:
                break
    return names


@pytest.mark.parametrize("path", ["/api/events", "/api/wallboard/events"])
def test_the_stream_of_a_session_ended_in_another_process_stops(web: Web, served_other: Any,
                                                                path: str) -> None:
    _other, server = served_other
    op = web.login("operator", client=web.new_client())
    names = _events(server, op.cookies["onestop_session"], path, 20, lambda: _logout(op))
    assert names[0] == "hello" and names[-1] == "logout", names


def test_a_stream_cannot_be_opened_with_an_ended_session(web: Web, served_other: Any) -> None:
    _other, server = served_other
    op = web.login("operator", client=web.new_client())
    cookie = op.cookies["onestop_session"]
    _logout(op)
    with httpx.Client(base_url=server.url, cookies={"onestop_session": cookie}, timeout=5) as h:
        assert h.get("/api/events").status_code == 401


def test_a_pop_does_not_wait_for_the_session_s_check(web: Web, served_other: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The check of a stream's session against the store runs beside the stream: a pop that
    comes while a check is due (here a check that takes 3 s) goes out at once."""
    other, server = served_other
    monkeypatch.setattr("web.api.events._open", lambda _web, _sid: time.sleep(3) or True)
    op = web.login("operator", client=web.new_client())
    took: list[float] = []
    with httpx.Client(base_url=server.url, cookies={"onestop_session": op.cookies["onestop_session"]},
                      timeout=httpx.Timeout(20)) as h, h.stream("GET", "/api/events?kinds=pop") as resp:
        sent = 0.0
        for line in resp.iter_lines():
            if line.startswith("event: hello") or line.startswith("event:hello"):
                time.sleep(0.5)  # past session_check_s (0.2): a check is due, or under way
                sent = time.monotonic()
                other.deps.hub.publish_pop("operator", {"uniqueid": "1733.1", "stage": "ringing"})
            elif line.startswith("event:") and "pop" in line:
                took.append(time.monotonic() - sent)
                break
    assert took and took[0] < 1.5, took
