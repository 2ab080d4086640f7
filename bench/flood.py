"""The center under a morning call flood: pops, the desk's API and nothing lost.

The center runs as in production: ``onestop serve`` child processes (one on SQLite; two on
PostgreSQL, where one holds the AMI advisory lock and pops cross by ``LISTEN/NOTIFY``) with
every part switched on — AMI listener, FastAGI IVR, modem, printer, sweeper, maintenance,
desk. The world around it runs in this process as ``onestop demo`` has it: the emulated
Asterisk (``onestop/pbx.py``), a GSM modem on a pseudo-terminal, a receipt printer on
loopback, field workers who answer their work orders by SMS, and ``--operators`` operators at
the desk who are robots (``onestop.actors.DeskRobot``: each connected pop → a ticket through
the JSON API → dispatched to the suggested worker).

The morning peak: ``--calls`` calls in ``--window`` seconds, the first ``--burst`` of them at
the same instant (the eight o'clock rounds: that many in the IVR at once), the rest at random
times in the window; callers choose repair, cleaning, transport, oxygen, complaints or the
operator as a hospital's hotline sees them, and wait in the queue for an operator.

Meanwhile ``--desks`` desks (spread over ``--desk-processes`` child processes, so that their
reading slows neither the emulated Asterisk nor, through one event loop, each other's clocks)
hold their event streams, the operators' among them, and do what the desk's page does: reload
its list (``GET /desk/list``, the page's first 25 open tickets) when ticket events arrive —
250–1,000 ms after the first (at random, as the page spreads the desks out), at most once a
second while they keep coming, with the list's ETag (304 when unchanged); a pop carries what
the desk shows of the caller, and asks for nothing.

Measured:
- **pop latency** from the AMI bytes to the event at the desk: the emulated Asterisk notes the
  wall-clock time just before it writes ``AgentCalled`` (the ringing pop) and
  ``AgentConnect`` (the connected pop); the operator's desk notes the time it reads the pop
  from its stream. Every expected pop is counted by (call, stage): ``pops_lost``;
- the **desk's** latency over every request the desks made (``api_p99_ms``);
- **nothing lost**: every call the PBX placed must be in the call log once (``calls_lost``,
  ``calls_doubled``), every answered call must have exactly one ticket linked to it
  (``tickets_lost``, ``tickets_doubled``), counted in the store.

    .venv/bin/python bench/flood.py [--calls 60 --window 60 --burst 20 --operators 10 --desks 50]
                                    [--engines sqlite,pg] [--time-scale 1.0]

PostgreSQL: ``ONESTOP_PG_URL`` or the local server ``.ci/pg-start`` starts (set PGPORT). Ends
with one JSON line: pop_p50_ms, pop_p99_ms, api_p99_ms, calls_lost, tickets_lost, … and the
two-process PostgreSQL figures under ``pg2_…``. Exits 1 when something was lost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

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
        sys.path.insert(0, str(ROOT / "bench"))
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


# --- the center: ``onestop serve`` processes ---------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Serve:
    """One ``python -m onestop serve`` child process."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path, devices: bool) -> None:
        self.name = name
        self.http, self.agi = _free_port(), _free_port()
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
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

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


# --- the desks (a child process) ------------------------------------------------------------

async def log_in(http: httpx.AsyncClient, login: str) -> None:
    page = await http.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if token is None:
        raise RuntimeError("the log-in page has no CSRF field")
    r = await http.post("/login", data={"username": login, "password": PASSWORD,
                                        "csrf_token": token.group(1)})
    if r.status_code >= 400:
        raise RuntimeError(f"log-in as {login} refused: {r.status_code}")


async def run_desks(bases: list[str], logins: list[str]) -> dict[str, Any]:
    """Hold a desk per login (round-robin over ``bases``) until ``stop`` on stdin."""
    out: dict[str, Any] = {"pops": [], "api_ms": [], "api_errors": 0, "dropped": 0, "not_modified": 0}
    readies = [asyncio.Event() for _ in logins]
    jobs: set[asyncio.Task[None]] = set()
    # one log-in at a time: the desks share one address here, and the center counts each
    # attempt in flight against the address until it succeeds ([web] address_attempts)
    one_at_a_time = asyncio.Semaphore(1)

    def spawn(coro: Any) -> asyncio.Task[None]:
        task = asyncio.create_task(coro)
        jobs.add(task)
        task.add_done_callback(jobs.discard)
        return task

    class Lister:
        """What the desk's page does with its list (``coalesce`` and ``refresh`` in
        ``web/static/app.js``, ``reloadSoon`` in ``desk.js``): a ticket event asks for
        ``GET /desk/list`` 250–1,000 ms later (at random: the desks spread out), at most one load
        at a time and one a second, once more after the last event; the list's ETag goes back
        in ``If-None-Match`` (304: unchanged)."""

        PAUSE, GAP, SPREAD = 0.25, 1.0, 0.75

        def __init__(self, http: httpx.AsyncClient) -> None:
            self.http, self.etag = http, ""
            self.timer: asyncio.Task[None] | None = None
            self.running = self.again = False
            self.last = -1e9

        def ask(self) -> None:
            if self.running:
                self.again = True
            elif self.timer is None:
                wait = max(self.PAUSE + random.random() * self.SPREAD, self.last + self.GAP - time.monotonic())
                self.timer = spawn(self.run(wait))

        async def run(self, wait: float) -> None:
            await asyncio.sleep(wait)
            self.timer, self.running, self.last = None, True, time.monotonic()
            try:
                await self.load()
            finally:
                self.running = False
            if self.again:
                self.again = False
                self.ask()

        async def load(self) -> None:
            t0 = time.perf_counter()
            try:
                r = await self.http.get("/desk/list", headers={"If-None-Match": self.etag} if self.etag else {})
                ok = r.status_code < 400
                if r.status_code == 200:
                    self.etag = r.headers.get("etag", "")
                out["not_modified"] += r.status_code == 304
            except httpx.HTTPError:
                ok = False
            out["api_ms"].append((time.perf_counter() - t0) * 1000)
            out["api_errors"] += not ok

    async def desk(base: str, login: str, ready: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            async with one_at_a_time:
                await log_in(http, login)
            lister = Lister(http)
            async with http.stream("GET", "/api/events?kinds=pop,ticket", timeout=None) as stream:
                event = ""
                async for line in stream.aiter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif not line.startswith("data:"):
                        continue
                    elif event == "pop":
                        now = time.time()
                        pop = json.loads(line[5:])
                        if pop.get("update"):
                            continue  # the caller's context arriving later: not a new pop
                        out["pops"].append((pop["uniqueid"], pop["stage"], login, now))
                    elif event == "ticket":
                        lister.ask()
                    elif event == "dropped":
                        out["dropped"] += json.loads(line[5:]).get("missed", 0)
                    elif event == "hello":
                        ready.set()

    tasks = [asyncio.create_task(desk(bases[i % len(bases)], login, readies[i]))
             for i, login in enumerate(logins)]
    waiting: asyncio.Future[Any] = asyncio.ensure_future(asyncio.gather(*(r.wait() for r in readies)))
    done, _ = await asyncio.wait([waiting, *tasks], timeout=120, return_when=asyncio.FIRST_COMPLETED)
    for t in tasks:
        if t in done and t.exception() is not None:
            raise RuntimeError(f"a desk could not start: {t.exception()}")
    print("READY", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for t in [*tasks, *jobs]:
        t.cancel()
    await asyncio.gather(*tasks, *jobs, return_exceptions=True)
    out["cpu_s"] = time.process_time()
    return out


class Desks:
    """The desks, spread over ``processes`` child processes (each its own event loop, as each
    desk is its own browser on its own computer: one loop reading fifty desks' answers delayed
    its own clocks by the others' turns)."""

    def __init__(self, bases: list[str], logins: list[str], processes: int) -> None:
        groups = [logins[i::processes] for i in range(min(processes, len(logins)))]
        self.children = [subprocess.Popen([sys.executable, __file__, "--desks-child", json.dumps([bases, g])],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                         for g in groups]
        self.cpu0 = 0.0

    def ready(self) -> None:
        for child in self.children:
            line = child.stdout.readline()  # type: ignore[union-attr]
            if line.strip() != "READY":
                raise RuntimeError(f"the desks did not start: {line!r}")

    def mark_cpu(self) -> None:
        self.cpu0 = sum(_cpu_of(c.pid) for c in self.children)

    def stop(self) -> dict[str, Any]:
        """Every desk's figures together; ``cpu_s``: the children's CPU since ``mark_cpu``."""
        merged: dict[str, Any] = {"pops": [], "api_ms": [], "api_errors": 0, "dropped": 0,
                                  "not_modified": 0, "cpu_s": -self.cpu0}
        for child in self.children:
            out, _ = child.communicate("stop\n", timeout=60)
            for key, value in json.loads(out.strip().splitlines()[-1]).items():
                merged[key] += value
        return merged

    def kill(self) -> None:
        for child in self.children:
            child.kill()
            child.wait(10)


# --- one run --------------------------------------------------------------------------------

@dataclass
class Flood:
    placed: list[Any] = field(default_factory=list)  # CallResult of every call
    sent: dict[tuple[str, str], float] = field(default_factory=dict)
    desks: dict[str, Any] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    tickets: Counter[str] = field(default_factory=Counter)
    sms: int = 0
    slips: int = 0
    robot_errors: int = 0
    seconds: float = 0.0
    cpu_s: dict[str, float] = field(default_factory=dict)  # center processes, desks, the world


async def flood(url: str, plan: Plan, processes: int, data_dir: Path, fresh: bool = True) -> Flood:
    """Run the flood against ``processes`` serve processes on ``url``."""
    from modem.emulator import ModemEmulator
    from modem.emulator import Settings as ModemSettings
    from onestop.actors import DeskRobot, FieldWorkers
    from onestop.demo import hotline_callers
    from receipts.capture import CapturePrinter

    prepare_store(url, plan, fresh)
    pbx = timed_pbx(plan)
    ami_port = await pbx.start()
    emulator = ModemEmulator(settings=ModemSettings(latency_s=0.5 * plan.time_scale)).start()
    printer = CapturePrinter(directory=data_dir / "slips").start()
    env = serve_env(url, data_dir, ami_port, emulator.path, printer.port, plan)
    servers = [Serve(chr(ord("a") + i), env, data_dir, devices=i == 0) for i in range(processes)]
    tasks: list[asyncio.Task[Any]] = []
    desks = None
    result = Flood()
    try:
        async def leader() -> Serve | None:
            states = {s.name: (await s.parts()).get("ami", "") for s in servers}
            up = [s for s in servers if states[s.name] == "up"]
            ready = all(states[s.name] in ("up", "standby") for s in servers)
            return up[0] if ready and len(up) == 1 else None

        lead = await until(leader, 90, "the AMI listener up in one process", servers)
        pbx.agi_port = lead.agi
        bases = [s.url for s in servers]
        desks = Desks(bases, plan.logins()[:plan.desks], plan.desk_processes)
        robots = [DeskRobot(bases[i % len(bases)], f"desk{i + 1:02d}", PASSWORD,
                            delay_s=plan.robot_delay_s * plan.time_scale) for i in range(plan.operators)]
        tasks += [asyncio.create_task(r.run()) for r in robots]
        workers = FieldWorkers(emulator.delivered_texts, emulator.receive, scale=plan.time_scale, page_every=0)
        tasks.append(asyncio.create_task(workers.run()))
        await asyncio.wait_for(asyncio.to_thread(desks.ready), 150)
        await asyncio.wait_for(asyncio.gather(*(r.ready.wait() for r in robots)), 60)

        rng = random.Random(5)
        people = _callers(url, hotline_callers)
        cpu0 = {s.name: s.cpu_s() for s in servers}
        desks.mark_cpu()
        world_cpu0 = time.process_time()
        start = time.monotonic()

        async def one(at: float) -> None:
            await asyncio.sleep(max(0.0, start + at - time.monotonic()))
            result.placed.append(await pbx.place_call(caller_script(rng, people, plan)))

        await asyncio.gather(*(one(at) for at in call_times(plan, rng)))
        answered = {r.uniqueid for r in result.placed if r.outcome == "answered"}

        async def settled() -> bool:
            calls, tickets = await asyncio.to_thread(count_in_store, url)
            result.calls, result.tickets = calls, tickets
            return len(calls) >= len(result.placed) and answered <= set(tickets)

        with contextlib.suppress(RuntimeError):  # what is missing then is counted as lost
            await until(settled, plan.settle_s, "every call and ticket in the store", servers)
        result.seconds = time.monotonic() - start
        await asyncio.sleep(1.0)  # a doubled row would be in by now
        result.calls, result.tickets = await asyncio.to_thread(count_in_store, url)
        result.sent = dict(pbx.sent)
        result.cpu_s = {f"center_{s.name}": s.cpu_s() - cpu0[s.name] for s in servers}
        result.desks = await asyncio.to_thread(desks.stop)
        result.cpu_s["desks"] = result.desks["cpu_s"]
        result.cpu_s["world"] = time.process_time() - world_cpu0
        desks = None
        result.sms = sum(len(t) for t in emulator.delivered_texts().values())
        result.slips = len(printer.jobs)
        result.robot_errors = sum(r.errors for r in robots)
        return result
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if desks is not None:
            desks.kill()
        for s in servers:
            await asyncio.to_thread(s.stop)
        await pbx.stop()
        emulator.stop()
        printer.stop()


def _cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _callers(url: str, hotline_callers: Any) -> list[Any]:
    from types import SimpleNamespace

    from ticketing.store import Store

    store = Store(url)
    try:
        return list(hotline_callers(SimpleNamespace(store=store)))
    finally:
        store.dispose()


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(round((len(values) - 1) * p / 100)))], 1)


def figures(run: Flood) -> dict[str, Any]:
    """The run's figures: latencies, and what was lost or doubled, counted independently of the
    center (the PBX's own call ids and the events it sent)."""
    got: dict[tuple[str, str], list[float]] = {}
    for uid, stage, _login, at in run.desks["pops"]:
        got.setdefault((uid, stage), []).append(at)
    latencies = [(got[key][0] - sent) * 1000 for key, sent in run.sent.items() if key in got]
    placed = [r.uniqueid for r in run.placed]
    answered = [r.uniqueid for r in run.placed if r.outcome == "answered"]
    return {
        "calls": len(placed), "answered": len(answered),
        "outcomes": dict(Counter(r.outcome for r in run.placed)),
        "pops": len(run.sent), "pop_p50_ms": pct(latencies, 50), "pop_p99_ms": pct(latencies, 99),
        "pop_max_ms": pct(latencies, 100),
        "pops_lost": sum(1 for key in run.sent if key not in got),
        "pops_doubled": sum(1 for key, v in got.items() if key in run.sent and len(v) > 1),
        "api_requests": len(run.desks["api_ms"]), "api_not_modified": run.desks["not_modified"], "api_p50_ms": pct(run.desks["api_ms"], 50),
        "api_p99_ms": pct(run.desks["api_ms"], 99), "api_errors": run.desks["api_errors"],
        "events_dropped": run.desks["dropped"],
        "calls_lost": sum(1 for u in placed if run.calls[u] == 0),
        "calls_doubled": sum(1 for u in placed if run.calls[u] > 1),
        "tickets_lost": sum(1 for u in answered if run.tickets[u] == 0),
        "tickets_doubled": sum(1 for u in answered if run.tickets[u] > 1),
        "robot_errors": run.robot_errors, "sms_delivered": run.sms, "slips_printed": run.slips,
        "seconds": round(run.seconds, 1), "cpu_s": {k: round(v, 1) for k, v in run.cpu_s.items()},
    }


def lost(f: dict[str, Any]) -> int:
    return int(f["pops_lost"] + f["pops_doubled"] + f["calls_lost"] + f["calls_doubled"]
               + f["tickets_lost"] + f["tickets_doubled"])


def run_engine(url: str, plan: Plan, processes: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="onestop-flood-") as tmp:
        if url.startswith("sqlite"):
            url = f"sqlite:///{tmp}/flood.sqlite"
        return figures(asyncio.run(flood(url, plan, processes, Path(tmp))))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, default=60)
    ap.add_argument("--window", type=float, default=60.0, help="seconds the calls come in over")
    ap.add_argument("--burst", type=int, default=20, help="calls at the same instant, at the start")
    ap.add_argument("--operators", type=int, default=10)
    ap.add_argument("--desks", type=int, default=50)
    ap.add_argument("--desk-processes", type=int, default=5, help="child processes the desks are spread over")
    ap.add_argument("--time-scale", type=float, default=1.0)
    ap.add_argument("--engines", default="sqlite,pg", help="sqlite, pg (two serve processes) or both")
    ap.add_argument("--desks-child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.desks_child:
        bases, logins = json.loads(args.desks_child)
        print(json.dumps(asyncio.run(run_desks(bases, logins))), flush=True)
        return 0
    plan = Plan(args.calls, args.window, args.burst, args.operators, args.desks,
                desk_processes=args.desk_processes, time_scale=args.time_scale)
    load = os.getloadavg()[0]
    results: dict[str, dict[str, Any]] = {}
    engines = args.engines.split(",")
    if "sqlite" in engines:
        results["sqlite"] = run_engine("sqlite", plan, 1)
    if "pg" in engines:
        sys.path.insert(0, str(ROOT / "bench"))
        from ticket_store import pg_url

        results["pg2"] = run_engine(pg_url(), plan, 2)
    print(f"\nmorning flood: {plan.calls} calls in {plan.window_s:.0f} s ({plan.burst} at once), "
          f"{plan.operators} robot operators, {plan.desks} desks; load average at start {load:.1f}")
    keys = list(next(iter(results.values())))
    print(f"{'':22}" + "".join(f"{name:>22}" for name in results))
    for k in keys:
        print(f"{k:22}" + "".join(f"{json.dumps(r[k]):>22}" for r in results.values()))
    line: dict[str, Any] = {"calls": plan.calls, "desks": plan.desks, "load_average": round(load, 1)}
    if "sqlite" in results:
        line.update(results["sqlite"])
    if "pg2" in results:
        line.update({f"pg2_{k}": v for k, v in results["pg2"].items()})
    print(json.dumps(line))
    return 1 if any(lost(r) for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
