"""kill -9 during create and dispatch: nothing acknowledged is lost or doubled.

A real ``onestop serve`` (desk API and printer, on the suite's engine) takes ticket creates
and dispatches from two HTTP clients at once and is SIGKILLed four times, each at a random
moment just after some of them were answered, so that others are in flight; it is started
again after each kill. Then the senders run (``serve`` with the emulated GSM modem and the
loopback capture printer) until the outboxes are empty. Afterwards:

- every create answered 2xx is one ticket; a create that got no answer is one or none;
- every dispatch answered 2xx left exactly one work-order SMS and one print job, and no
  ticket has more than one of either (a dispatch is one transaction, whether answered or not);
- each SMS reached the worker's phone once, each slip is on paper once — a second copy only
  marked 补打 (printed again after an unconfirmed attempt, see test_printer_crash.py).

The kill moments are random; the seed is in every failure message (ONESTOP_TEST_KILL_SEED
replays one). A handful of requests per life keeps the run in well under a minute.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.flood_world import free_ports
from modem.emulator import ModemEmulator
from modem.emulator import Settings as ModemSettings
from receipts.capture import CapturePrinter
from tests.conftest import ROOT
from tests.receipts.escpos_decoder import decode
from tests.ticketing.factories import small_hospital
from ticketing.model import PrintJob, SmsOut, Ticket, User
from ticketing.store import Store
from web.security import hash_password

KILLS = 4
PASSWORD = "kill-nine-test"
SEED = int(os.environ.get("ONESTOP_TEST_KILL_SEED") or random.SystemRandom().randrange(1 << 30))
ORDER = re.compile(r"接单/到达/完成(?:/无法)?\s*(\d+)(?:\s+https?://\S+/w/[A-Za-z0-9_-]+)?\s*$")  # then its page's link
WORKERS = {"W001": "13800000001", "W002": "13800000002"}  # small_hospital's repair workers


class Serve:
    """One ``python -m onestop serve`` child with the parts named."""

    def __init__(self, db_url: str, data_dir: Path, log: Path, parts: tuple[str, ...],
                 env: dict[str, str]) -> None:
        (self.http,) = free_ports(1)
        self.url = f"http://127.0.0.1:{self.http}"
        off = [f"--no-{p}" for p in ("web", "ami", "agi", "modem", "printer", "sweeper")
               if p not in parts]
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_")}
        child_env.update({"ONESTOP_DATABASE_URL": db_url, "ONESTOP_DATA_DIR": str(data_dir),
                          "ONESTOP_WEB_SECRET_KEY": "kill-nine-test-secret-key-0123456789",
                          "PYTHONUNBUFFERED": "1", **env})
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "onestop", "serve", "--http", f"127.0.0.1:{self.http}", *off],
                cwd=ROOT, env=child_env, stdout=out, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Ledger:
    """What the clients were told: answered creates and dispatches, and the unanswered."""

    created: dict[str, int] = field(default_factory=dict)  # description → ticket id (2xx)
    unanswered: set[str] = field(default_factory=set)  # creates sent, no answer
    dispatched: set[int] = field(default_factory=set)  # ticket ids (2xx)
    undispatched: list[int] = field(default_factory=list)  # created, dispatch not yet answered
    answers: int = 0


async def _until(cond: Any, timeout: float, what: str, poll: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not await cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what} (seed {SEED})"
        await asyncio.sleep(poll)


async def _ready(serve: Serve, http: httpx.AsyncClient) -> bool:
    assert serve.proc.poll() is None, f"serve exited with {serve.proc.returncode} (seed {SEED})"
    try:
        return (await http.get(f"{serve.url}/api/health", timeout=2)).status_code == 200
    except httpx.HTTPError:
        return False


async def _log_in(http: httpx.AsyncClient) -> dict[str, str]:
    page = await http.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = await http.post("/login", data={"username": "li", "password": PASSWORD,
                                        "csrf_token": token.group(1)})
    assert r.status_code < 400, r.text
    return {"X-CSRF-Token": (await http.get("/api/me")).json()["csrf_token"]}


async def _client(http: httpx.AsyncClient, headers: dict[str, str], life: int, n: int,
                  ledger: Ledger, rnd: random.Random) -> None:
    """Create, then dispatch what was created, until the server is gone."""
    i = 0
    while True:
        if ledger.undispatched and rnd.random() < 0.6:
            ticket = ledger.undispatched.pop(0)
            staff = rnd.choice(sorted(WORKERS))
            try:
                r = await http.post(f"/api/tickets/{ticket}/dispatch", headers=headers,
                                    json={"staff_codes": [staff]})
            except httpx.HTTPError:
                return  # killed with the dispatch in flight: answered or not, never retried
            assert r.status_code == 200, (r.status_code, r.text, SEED)
            ledger.dispatched.add(ticket)
        else:
            token = f"kill9 life {life} client {n} create {i}"
            i += 1
            ledger.unanswered.add(token)
            try:
                r = await http.post("/api/tickets", headers=headers, json={
                    "service_type": "repair", "description": token, "location_code": "10305",
                    "reporter_phone": "6123"})
            except httpx.HTTPError:
                return
            assert r.status_code == 201, (r.status_code, r.text, SEED)
            ledger.unanswered.discard(token)
            ledger.created[token] = r.json()["id"]
            ledger.undispatched.append(r.json()["id"])
        ledger.answers += 1


async def _life(serve: Serve, life: int, ledger: Ledger, rnd: random.Random) -> None:
    """Drive one life of the server until it is killed, a few answers in."""
    async with httpx.AsyncClient(base_url=serve.url, timeout=30) as http:
        await _until(lambda: _ready(serve, http), 60, "the desk API")
        headers = await _log_in(http)
        kill_at = ledger.answers + rnd.randint(2, 7)
        clients = [asyncio.create_task(_client(http, headers, life, n, ledger, rnd)) for n in (1, 2)]

        async def answered() -> bool:
            assert not any(c.done() and c.exception() for c in clients), SEED
            return ledger.answers >= kill_at

        await _until(answered, 60, f"{kill_at} answers")
        await asyncio.sleep(rnd.uniform(0, 0.04))  # lands in a request, a commit or between
        serve.kill()
        await asyncio.gather(*clients)


@pytest.fixture
def seeded(db_url: str) -> Iterator[Store]:
    store = Store(db_url)
    small_hospital(store)
    with store.session() as s:
        s.add(User(username="li", display_name="Operator Li", role="operator", language="zh-CN",
                   password_hash=hash_password(PASSWORD), failed_attempts=0, active=True))
    yield store
    store.dispose()


def test_kill_9_during_create_and_dispatch_loses_or_doubles_nothing(
        db_url: str, seeded: Store, tmp_path: Path) -> None:
    rnd = random.Random(SEED)
    log = tmp_path / "serve.log"
    printer = CapturePrinter().start()
    modem = ModemEmulator(tmp_path / "modem", settings=ModemSettings(latency_s=0.01)).start()
    env = {"ONESTOP_PRINTER_PRINTERS": json.dumps(
               [{"name": "desk", "transport": "tcp", "target": f"127.0.0.1:{printer.port}"}]),
           "ONESTOP_PRINTER_RETRY_BASE_S": "0.2",
           "ONESTOP_MODEM_MODEMS": json.dumps([{"name": "modem1", "port": modem.path,
                                                "max_per_minute": 6000}]),
           "ONESTOP_MODEM_RETRY_BASE_S": "0.2"}
    ledger = Ledger()
    serves: list[Serve] = []

    async def run() -> None:
        for life in range(1, KILLS + 1):
            serves.append(Serve(db_url, tmp_path, log, ("web", "printer"), env))
            await _life(serves[-1], life, ledger, rnd)
        # The senders, undisturbed, until both outboxes are empty.
        serves.append(Serve(db_url, tmp_path, log, ("modem", "printer"), env))

        async def drained() -> bool:
            assert serves[-1].proc.poll() is None, log.read_text()[-3000:]
            with seeded.session() as s:
                sms = [m.status for m in s.query(SmsOut)]
                jobs = [j.status for j in s.query(PrintJob)]
            return all(st in ("sent", "delivered") for st in sms) and all(st == "printed" for st in jobs)

        await _until(drained, 180, "every SMS sent and every slip printed", poll=0.2)
        serves[-1].stop()

    try:
        asyncio.run(asyncio.wait_for(run(), 300))  # a loaded machine; met conditions end the waits at once
    finally:
        for serve in serves:
            serve.stop()
        printer.stop()
        texts = modem.delivered_texts()
        modem.stop()
    where = f"seed {SEED}, {len(ledger.created)} creates and {len(ledger.dispatched)} dispatches answered"
    assert all(s.proc.returncode == -signal.SIGKILL for s in serves[:KILLS]), where
    assert len(ledger.created) >= KILLS and ledger.dispatched, where

    with seeded.session() as s:
        tickets = {t.id: (t.description, t.status) for t in s.query(Ticket)}
        orders = Counter(m.ticket_id for m in s.query(SmsOut) if m.kind == "work_order")
        jobs = {j.ticket_id: j for j in s.query(PrintJob)}
        job_count = Counter(j.ticket_id for j in s.query(PrintJob))
    by_description = Counter(d for d, _ in tickets.values())
    # Creates: every answered one exactly once, under the id it was answered with.
    for token, ticket in ledger.created.items():
        assert by_description[token] == 1 and tickets[ticket][0] == token, (token, where)
    for token in ledger.unanswered:
        assert by_description[token] <= 1, (token, where)
    assert set(by_description) <= set(ledger.created) | ledger.unanswered, where
    # Dispatches: one transaction each; answered ones all there.
    dispatched = {t for t, (_, status) in tickets.items() if status == "dispatched"}
    assert ledger.dispatched <= dispatched, where
    assert orders == Counter(dispatched) and job_count == Counter(dispatched), where
    # The senders: each work order on a phone once, each slip on paper once (or marked 补打).
    assert set(texts) <= {"+86" + n for n in WORKERS.values()}, (texts, where)
    on_phones = Counter(int(m.group(1)) for sent in texts.values() for text in sent
                        if (m := ORDER.search(text)))
    assert on_phones == Counter(dispatched), where
    copies: dict[int, list[tuple[bool, bool]]] = {}  # ticket → (complete, marked) per copy
    for job in printer.jobs:
        slip = decode(job.data)
        number = re.search(r"No\.(\d+)", slip.text)
        assert number is not None, (slip.text[:200], where)
        copies.setdefault(int(number.group(1)), []).append(
            (slip.cuts == 1 and bool(slip.qr_payloads), "** 补打 **" in slip.text))
    assert set(copies) == dispatched, where
    for ticket, seen in copies.items():
        complete = [marked for done, marked in seen if done]
        assert complete and complete.count(False) <= 1, (ticket, seen, where)
        if len(seen) > 1 or any(marked for _, marked in seen):
            assert jobs[ticket].reprint, (ticket, seen, where)  # a second copy only as 补打
