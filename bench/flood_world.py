"""The flood's world: the plan, the store, the ``onestop serve`` processes, the timed PBX.

What ``bench/flood.py`` runs its flood in and against: the sample hospital with a desk log-in
per desk (``prepare_store``) and what the store holds afterwards (``count_in_store``); the
center as ``onestop serve`` child processes with every part switched on (``Serve``,
``serve_env``); the emulated Asterisk that notes the wall-clock time just before it writes each
pop's event (``timed_pbx``), and the morning's calls (``call_times``, ``caller_script``).

The center's and the demo's modules are imported where they are used: the desks' child
processes (``bench/flood_desks.py``, started as ``bench/flood.py --desks-child``) load this
module and need none of them.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent

PASSWORD = "flood-password-1"
SECRET = "flood-ami-secret"
# a hospital morning: repair, cleaning, transport, oxygen, complaints, the operator
MENU = (("1", 0.40), ("3", 0.22), ("5", 0.18), ("4", 0.08), ("9", 0.04), ("0", 0.08))


@dataclass
class Plan:
    calls: int = 60
    window_s: float = 60.0
    burst: int = 20
    operators: int = 10
    desks: int = 50
    desk_processes: int = 5
    time_scale: float = 1.0  # talk, ring and typing times (0.1: ten times faster)
    robot_delay_s: float = 3.0
    settle_s: float = 60.0  # after the last call, how long the store may take to show it all

    def logins(self) -> list[str]:
        return [f"desk{i:02d}" for i in range(1, max(self.desks, self.operators) + 1)]


# --- the store --------------------------------------------------------------------------------

def prepare_store(url: str, plan: Plan, fresh: bool = True) -> None:
    """The sample hospital, and a desk log-in per desk (the first ``operators`` of them take
    calls); ``fresh``: in a new schema (else the store is migrated and empty)."""
    from ticketing.model import User
    from ticketing.seed import seed_hospital
    from ticketing.store import Store
    from web.security import hash_password

    if fresh:
        from ticket_store import fresh_store

        store = fresh_store(url)
    else:
        store = Store(url)
    try:
        seed_hospital(store, demo_users=True)
        hashed = hash_password(PASSWORD)
        with store.session() as s:
            s.add_all([User(username=login, display_name=f"话务员{login[4:]}", role="operator",
                            password_hash=hashed, failed_attempts=0, active=True)
                       for login in plan.logins()])
    finally:
        store.dispose()


def count_in_store(url: str) -> tuple[Counter[str], Counter[str]]:
    """(call log rows per call id, tickets linked per call id)."""
    from sqlalchemy import text

    from ticketing.store import Store

    store = Store(url)
    try:
        with store.engine.connect() as conn:
            calls = Counter({u: n for u, n in conn.execute(text(
                "SELECT uniqueid, count(*) FROM call_record GROUP BY uniqueid"))})
            tickets = Counter({u: n for u, n in conn.execute(text(
                "SELECT uniqueid, count(DISTINCT ticket_id) FROM ticket_call GROUP BY uniqueid"))})
        return calls, tickets
    finally:
        store.dispose()


def callers(url: str) -> list[Any]:
    """The demo's hotline callers (the people of the sample hospital) in the store at ``url``."""
    from types import SimpleNamespace

    from onestop.demo import hotline_callers
    from ticketing.store import Store

    store = Store(url)
    try:
        # the callers are read from the core's store alone: a namespace holding it will do
        return list(hotline_callers(SimpleNamespace(store=store)))  # type: ignore[arg-type]
    finally:
        store.dispose()


# --- the center: ``onestop serve`` processes ---------------------------------------------------

_HANDED: set[int] = set()  # the ports free_ports gave this process


def free_ports(n: int) -> list[int]:
    """``n`` ports free now, for child processes to listen on: distinct from each other and
    from those handed out before in this process. The kernel may give the same port to two
    binds one after the other, so the sockets stay bound until all ``n`` are drawn; a port
    handed to one child that has not started listening yet is not handed to the next."""
    socks: list[socket.socket] = []
    ports: list[int] = []
    try:
        while len(ports) < n:
            s = socket.socket()
            socks.append(s)
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
            if port not in _HANDED:
                ports.append(port)
                _HANDED.add(port)
    finally:
        for s in socks:
            s.close()
    return ports


def cpu_of(pid: int) -> float:
    """CPU seconds process ``pid`` has used (user + system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Serve:
    """One ``python -m onestop serve`` child process."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path, devices: bool) -> None:
        self.name = name
        self.http, self.agi = free_ports(2)
        self.url = f"http://127.0.0.1:{self.http}"
        self.log = log_dir / f"serve-{name}.log"
        off = [] if devices else ["--no-modem", "--no-printer"]  # one process drives the devices
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "onestop", "serve", "--http", f"127.0.0.1:{self.http}", *off],
                cwd=ROOT, env={**env, "ONESTOP_AGI_PORT": str(self.agi)},
                stdout=out, stderr=subprocess.STDOUT)

    async def parts(self) -> dict[str, str]:
        try:
            async with httpx.AsyncClient(base_url=self.url, timeout=2) as http:
                return dict((await http.get("/api/health")).json()["parts"])
        except (httpx.HTTPError, ValueError, KeyError):
            return {}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def cpu_s(self) -> float:
        """CPU seconds the process has used (user + system)."""
        try:
            return cpu_of(self.proc.pid)
        except OSError:
            return 0.0

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def serve_env(url: str, data_dir: Path, ami_port: int, modem: str, printer_port: int,
              plan: Plan) -> dict[str, str]:
    operators = [{"interface": f"Local/{200 + i}@agents/n", "name": f"Operator {i:02d}",
                  "login": f"desk{i:02d}"} for i in range(1, plan.operators + 1)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_")}
    env.update({
        "ONESTOP_DATABASE_URL": url, "ONESTOP_DATA_DIR": str(data_dir),
        "ONESTOP_AMI_HOST": "127.0.0.1", "ONESTOP_AMI_PORT": str(ami_port), "ONESTOP_AMI_SECRET": SECRET,
        "ONESTOP_AMI_OPERATORS": json.dumps(operators), "ONESTOP_AMI_RECONNECT_MIN_S": "0.2",
        "ONESTOP_AGI_HOST": "127.0.0.1", "ONESTOP_AGI_HOURS": "always",
        "ONESTOP_MODEM_MODEMS": json.dumps([{"name": "modem1", "port": modem, "max_per_minute": 120}]),
        "ONESTOP_PRINTER_PRINTERS": json.dumps([{"name": "desk", "transport": "tcp",
                                                 "target": f"127.0.0.1:{printer_port}"}]),
        "ONESTOP_RECORDINGS_DIR": str(data_dir / "recordings"),
        "ONESTOP_WEB_SECRET_KEY": "flood-bench-secret-key-" + "x" * 16,  # every process signs alike
        "PYTHONUNBUFFERED": "1",
    })
    return env


async def until(cond: Any, timeout: float, what: str, servers: list[Serve]) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = await cond()
        if got:
            return got
        await asyncio.sleep(0.2)
    logs = "\n".join(f"--- {s.name} ---\n{s.tail()}" for s in servers)
    raise RuntimeError(f"timed out waiting for {what}\n{logs}")


# --- the emulated Asterisk, with the time each pop's event left it ----------------------------

def timed_pbx(plan: Plan) -> Any:
    from onestop.pbx import EmulatedPbx, Operator

    class TimedPbx(EmulatedPbx):
        sent: dict[tuple[str, str], float]

        def _emit(self, event: str, *pairs: tuple[str, str], privilege: str = "call,all") -> None:
            stage = {"AgentCalled": "ringing", "AgentConnect": "connected"}.get(event)
            if stage is not None and self._clients:
                self.sent[(dict(pairs)["Uniqueid"], stage)] = time.time()
            super()._emit(event, *pairs, privilege=privilege)

    pbx = TimedPbx(operators=[Operator(f"Local/{200 + i}@agents/n", f"Operator {i:02d}")
                              for i in range(1, plan.operators + 1)],
                   secret=SECRET, time_scale=plan.time_scale)
    pbx.sent = {}
    return pbx


def call_times(plan: Plan, rng: random.Random) -> list[float]:
    """When each call comes in (seconds from the start): a burst, then the rest of the window."""
    burst = [0.0] * min(plan.burst, plan.calls)
    rest = sorted(rng.uniform(0, plan.window_s) for _ in range(plan.calls - len(burst)))
    return burst + rest


def caller_script(rng: random.Random, people: list[Any], plan: Plan) -> Any:
    from onestop.pbx import CallScript

    who = rng.choice(people)
    digit = rng.choices([k for k, _ in MENU], [w for _, w in MENU])[0]
    # patient callers: a morning's queue is long, and each answered call must yield a ticket
    return CallScript(who.number, who.name, [digit], patience_s=600.0, talk_s=rng.uniform(4, 10))

