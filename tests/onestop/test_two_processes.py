"""Two real ``onestop serve`` processes on one PostgreSQL, behind one (emulated) Asterisk.

One process holds the AMI advisory lock and runs the listener, the other stands by; a call
is logged once; a pop for an operator reaches a desk connected to the *other* process
(``LISTEN/NOTIFY``); when the leader dies the standby takes over and the next call is logged.
Skipped without PostgreSQL (``ONESTOP_TEST_DATABASE_URL``; ``bash .ci/pg-start`` gives one).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bench.flood_world import free_ports
from onestop.demo import DEMO_OPERATORS, DEMO_PASSWORD, DEMO_SECRET
from onestop.pbx import CallResult, CallScript, EmulatedPbx, Operator
from tests.conftest import PG_URL, ROOT
from ticketing.model import CallRecord
from ticketing.store import Store

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs ONESTOP_TEST_DATABASE_URL (PostgreSQL)")


def _env(db_url: str, ami_port: int, data_dir: Path) -> dict[str, str]:
    operators = [{"interface": i, "name": n, "login": lg} for i, n, lg in DEMO_OPERATORS]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_")}
    env.update({
        "ONESTOP_DATABASE_URL": db_url, "ONESTOP_DATA_DIR": str(data_dir),
        "ONESTOP_AMI_HOST": "127.0.0.1", "ONESTOP_AMI_PORT": str(ami_port),
        "ONESTOP_AMI_SECRET": DEMO_SECRET, "ONESTOP_AMI_OPERATORS": json.dumps(operators),
        "ONESTOP_AMI_RECONNECT_MIN_S": "0.2", "ONESTOP_AGI_HOST": "127.0.0.1", "ONESTOP_AGI_HOURS": "always",
        "ONESTOP_WEB_SECRET_KEY": "two-processes-test-secret-key",  # both desks sign alike
        "PYTHONUNBUFFERED": "1",
    })
    return env


class Serve:
    """One ``python -m onestop serve`` child process."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.http, self.agi = free_ports(2)
        self.url = f"http://127.0.0.1:{self.http}"
        self.log = log_dir / f"{name}.log"
        env = {**env, "ONESTOP_AGI_PORT": str(self.agi)}
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "onestop", "serve", "--http", f"127.0.0.1:{self.http}",
                 "--no-modem", "--no-printer", "--no-sweeper"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)

    async def health(self) -> dict[str, str]:
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as http:
            r = await http.get("/api/health")
            return dict(r.json()["parts"])

    async def ami(self) -> str:
        try:
            return (await self.health()).get("ami", "")
        except httpx.HTTPError:
            return ""

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)  # a crash: no goodbye to PostgreSQL or Asterisk
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture
def seeded(db_url: str, tmp_path: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_")}
    env.update({"ONESTOP_DATABASE_URL": db_url, "ONESTOP_DATA_DIR": str(tmp_path)})
    done = subprocess.run([sys.executable, "-m", "onestop", "seed", "--demo"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return db_url


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[list[Serve]]:
    started: list[Serve] = []
    yield started
    for p in started:
        p.stop()


async def _until(cond: Any, timeout: float, what: str, servers: list[Serve]) -> Any:
    try:
        async with asyncio.timeout(timeout):
            while True:
                got = await cond()
                if got:
                    return got
                await asyncio.sleep(0.1)
    except TimeoutError:
        logs = "\n".join(f"--- {s.name} ---\n{s.output()}" for s in servers)
        raise AssertionError(f"timed out waiting for {what}\n{logs}") from None


async def _log_in(http: httpx.AsyncClient, username: str) -> None:
    page = await http.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None, "no CSRF field on the log-in page"
    r = await http.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                        "csrf_token": token.group(1)})
    assert r.status_code < 400, r.text
    (await http.get("/api/me")).raise_for_status()


async def _pops(url: str, login: str, into: list[dict[str, Any]], ready: asyncio.Event) -> None:
    """An operator's desk: log in and collect the screen pops from the SSE stream."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        await _log_in(http, login)
        async with http.stream("GET", "/api/events", timeout=None) as stream:
            event = ""
            async for line in stream.aiter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event == "hello":
                    ready.set()  # sent once the desk's hub has this client subscribed
                elif line.startswith("data:") and event == "pop":
                    into.append(json.loads(line[5:]))


def _logged(db_url: str) -> dict[str, int]:
    store = Store(db_url)
    try:
        with store.session() as s:
            rows = s.execute(select(CallRecord.uniqueid, func.count())
                             .group_by(CallRecord.uniqueid)).all()
        return {uid: n for uid, n in rows}
    finally:
        store.dispose()


@pytest.mark.timeout(180)
def test_one_ami_listener_pops_everywhere_and_a_standby_takes_over(
        seeded: str, tmp_path: Path, processes: list[Serve]) -> None:
    db_url = seeded

    async def run() -> None:
        pbx = EmulatedPbx(operators=[Operator(i, n) for i, n, _ in DEMO_OPERATORS],
                          secret=DEMO_SECRET, time_scale=0.05)
        ami_port = await pbx.start()
        desk: asyncio.Task[None] | None = None
        try:
            env = _env(db_url, ami_port, tmp_path)
            processes.extend(Serve(n, env, tmp_path) for n in ("a", "b"))

            async def roles() -> dict[str, Serve] | None:
                states = {s.name: await s.ami() for s in processes}
                up = [s for s in processes if states[s.name] == "up"]
                standby = [s for s in processes if states[s.name] == "standby"]
                if len(up) == 1 and len(standby) == 1:
                    return {"leader": up[0], "standby": standby[0]}
                return None

            who = await _until(roles, 60, "one leader and one standby", processes)
            leader, standby = who["leader"], who["standby"]
            await asyncio.sleep(1.0)  # a second listener would have logged in by now
            assert await leader.ami() == "up" and await standby.ami() == "standby"
            assert len(pbx._clients) == 1, "more than one AMI listener is connected"

            # Li's desk is on the standby; only Li takes calls. Her pop must cross processes.
            pops: list[dict[str, Any]] = []
            ready = asyncio.Event()
            desk = asyncio.create_task(_pops(standby.url, "li", pops, ready))
            await asyncio.wait_for(ready.wait(), 20)
            for op in pbx.operators:
                op.paused = op.name != "Operator Li"
            pbx.agi_port = leader.agi
            first: CallResult = await pbx.place_call(CallScript("6123", "Nurse Zhang", ["1"]))
            assert first.outcome == "answered" and first.agent == "Operator Li"

            async def popped() -> bool:
                return any(p.get("uniqueid") == first.uniqueid and p.get("stage") == "connected"
                           for p in pops)

            await _until(popped, 15, "Li's pop on the other process's desk", processes)

            async def logged_first() -> bool:
                return first.uniqueid in _logged(db_url)

            await _until(logged_first, 15, "the first call in the call log", processes)

            # The leader dies; the standby takes the lock and the AMI link.
            leader.kill()

            async def took_over() -> bool:
                return await standby.ami() == "up"

            await _until(took_over, 30, "the standby to take over", [standby])
            pbx.agi_port = standby.agi
            second = await pbx.place_call(CallScript("6240", "Ward 3B", ["3"]))
            assert second.outcome == "answered"

            async def logged_second() -> bool:
                return second.uniqueid in _logged(db_url)

            await _until(logged_second, 15, "the second call in the call log", [standby])
            await asyncio.sleep(1.0)  # a duplicate would be stored by now
            assert _logged(db_url) == {first.uniqueid: 1, second.uniqueid: 1}
        finally:
            if desk is not None:
                desk.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await desk
            await pbx.stop()

    asyncio.run(asyncio.wait_for(run(), 150))
