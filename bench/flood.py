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

The world the flood runs in — the plan, the store, the serve processes, the timed PBX — is
``bench/flood_world.py``; the desks and their child processes are ``bench/flood_desks.py``;
this script runs the flood, counts and reports.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
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
if str(ROOT / "bench") not in sys.path:  # imported as bench.flood (the tests): its parts, last
    sys.path.append(str(ROOT / "bench"))

from flood_desks import Desks, run_desks  # noqa: E402
from flood_world import (  # noqa: E402
    PASSWORD,
    Plan,
    Serve,
    call_times,
    caller_script,
    callers,
    count_in_store,
    prepare_store,
    serve_env,
    timed_pbx,
    until,
)

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
        people = callers(url)
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
