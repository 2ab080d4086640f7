"""FastAGI server throughput and command round trip at 500 concurrent sessions.

The server (the real hotline handler) runs on this process's event loop; the Asterisk side
runs in a child process so the two do not share one interpreter (2 cores: one each). Callers
are looked up as in production: ``CoreDirectory`` reads the phone directory (and the caller's
department) from the store — an SQLite file seeded with the sample hospital — on a worker
thread, once per call. Callers are numbers of the seeded directory that walk the main menu
(VIP and department-specific entries skip or change the walk), plus every tenth an unknown
number.
Every session is a full menu walk: environment, VERBOSE, main prompt, an invalid key, the
error prompt and the menu again, a valid key, then the channel variables (10 commands).
Round trip = the client's reply sent → the server's next command received, i.e. how long
Asterisk (and the caller) waits on the IVR per command; the first command's includes the
directory lookup.

Two runs: *paced* (prompts and key presses take 0–``--pace`` s, as on a real line) and *burst*
(no think time: all sessions fire every command at once, the worst case); the JSON line has
both runs' p99.

    .venv/bin/python bench/fastagi.py [--sessions 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing as mp
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.settings import Settings  # noqa: E402
from ivr.fakes import FakeSelfService, FixedHours  # noqa: E402
from ivr.hotline import HotlineIvr  # noqa: E402
from ivr.menu import MenuSource  # noqa: E402
from ivr.server import FastAgiServer  # noqa: E402
from onestop.core import Core, build_core  # noqa: E402
from onestop.wiring import CoreDirectory  # noqa: E402
from ticketing.fakes import PlainComposer  # noqa: E402
from ticketing.model import PhoneEntry  # noqa: E402
from ticketing.seed import seed_hospital  # noqa: E402

QUEUED = re.compile(rb'SET VARIABLE "?IVR_ACTION"? "queue"')  # the walk ended in a queue
ENV = ("agi_network: yes\nagi_network_script: ivr\nagi_request: agi://127.0.0.1:4573/ivr\n"
       "agi_channel: IAX2/127.0.0.1:4569-{n}\nagi_language: en\nagi_type: IAX2\n"
       "agi_uniqueid: 1795487664.{n}\nagi_callerid: {number}\nagi_calleridname: Caller {n}\n"
       "agi_context: from-pstn\nagi_extension: 6001\nagi_priority: 3\n\n")


async def _session(port: int, n: int, number: str, rtts: list[float], pace_s: float) -> bool:
    rng = random.Random(n)
    await asyncio.sleep(rng.uniform(0, pace_s))  # calls arrive spread, not in lock step
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    keys = ["7", str(1 + n % 5)]
    writer.write(ENV.format(n=n, number=number).encode())
    sent = time.perf_counter()
    ok = False
    while line := await reader.readline():
        rtts.append(time.perf_counter() - sent)
        if line.startswith(b"WAIT FOR DIGIT"):
            await asyncio.sleep(rng.uniform(0, pace_s))  # the caller thinks
            reply = f"200 result={ord(keys.pop(0))}\n".encode()
        elif line.startswith(b"STREAM FILE"):
            await asyncio.sleep(rng.uniform(0, pace_s))  # the prompt plays
            reply = b"200 result=0 endpos=8000\n"
        else:
            ok = ok or QUEUED.match(line) is not None
            reply = b"200 result=1\n"
        sent = time.perf_counter()
        writer.write(reply)
    writer.close()
    return ok


def _client(port: int, numbers: list[str], pace_s: float, out: mp.Queue) -> None:  # type: ignore[type-arg]
    async def run() -> tuple[list[float], int, float]:
        rtts: list[float] = []
        t0 = time.perf_counter()
        oks = await asyncio.gather(*(_session(port, n, number, rtts, pace_s)
                                     for n, number in enumerate(numbers)))
        return rtts, sum(oks), time.perf_counter() - t0

    out.put(asyncio.run(run()))


def store_core(data_dir: Path) -> Core:
    """The core on a fresh SQLite file with the sample hospital, as ``onestop demo`` has it."""
    settings = Settings(database_url=f"sqlite:///{data_dir / 'agi.sqlite'}", data_dir=str(data_dir))
    core = build_core(settings, composer=PlainComposer())
    seed_hospital(core.store)
    return core


def menu_callers(core: Core, directory: CoreDirectory, sessions: int) -> list[str]:
    """``sessions`` caller numbers: directory entries that walk the main menu, every tenth an
    unknown number."""
    menu = MenuSource().current()
    with core.store.session() as s:
        numbers = sorted(s.scalars(select(PhoneEntry.number)))
    walkers = []
    for number in numbers:
        c = directory.lookup(number)
        if c is not None and not c.vip and not ({c.department, c.org_code} & (
                set(menu.vip_departments) | set(menu.departments))):
            walkers.append(number)
    if not walkers:
        raise RuntimeError("the seeded directory has no caller who walks the main menu")
    return [f"139{n:08d}" if n % 10 == 9 else walkers[n % len(walkers)] for n in range(sessions)]


async def _bench(numbers: list[str], directory: CoreDirectory, pace_s: float) -> dict[str, float]:
    sessions = len(numbers)
    handler = HotlineIvr(MenuSource(), FixedHours(True), directory, FakeSelfService())
    server = FastAgiServer({"ivr": handler}, "127.0.0.1", 0)
    port = await server.start()
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    proc = ctx.Process(target=_client, args=(port, numbers, pace_s, queue))
    proc.start()
    loop = asyncio.get_running_loop()
    rtts, ok, elapsed = await loop.run_in_executor(None, queue.get)
    await loop.run_in_executor(None, proc.join)
    await server.stop()
    rtts.sort()
    return {"sessions": sessions, "completed": ok, "commands": len(rtts), "elapsed_s": elapsed,
            "sessions_per_s": sessions / elapsed,
            "roundtrip_p50_ms": statistics.median(rtts) * 1000,
            "roundtrip_p99_ms": rtts[int(len(rtts) * 0.99) - 1] * 1000,
            "server_completed": server.stats.completed, "server_errors": server.stats.errors,
            "peak_concurrent": server.stats.peak_active}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=500)
    ap.add_argument("--pace", type=float, default=2.0, help="max seconds per prompt / key press")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    # paced: 500 calls open at once, prompts and key presses take 0–pace s (scaled-down human
    # time), as on a real line; burst: no think time at all, every command in lock step.
    with tempfile.TemporaryDirectory(prefix="onestop-bench-agi-") as tmp:
        core = store_core(Path(tmp))
        directory = CoreDirectory(core)
        numbers = menu_callers(core, directory, args.sessions)
        print(f"{len(set(numbers))} distinct callers, {sum(directory.lookup(n) is not None for n in numbers)}"
              f" of {len(numbers)} known to the store's phone directory")
        try:
            runs = {"paced": asyncio.run(_bench(numbers, directory, args.pace)),
                    "burst": asyncio.run(_bench(numbers, directory, 0.0))}
        finally:
            core.close()
    rows = [("sessions", "sessions", "d"), ("peak concurrent on server", "peak_concurrent", "d"), ("menu walks completed", "completed", "d"),
            ("server errors", "server_errors", "d"), ("commands answered", "commands", "d"),
            ("wall time (s)", "elapsed_s", ".3f"), ("sessions/s", "sessions_per_s", ".1f"),
            ("round trip p50 (ms)", "roundtrip_p50_ms", ".3f"),
            ("round trip p99 (ms)", "roundtrip_p99_ms", ".3f")]
    print(f"{'':<27}{'paced':>12}{'burst':>12}")
    for label, key, fmt in rows:
        print(f"{label:<27}" + "".join(f"{format(r[key], fmt):>12}" for r in runs.values()))
    for name, r in runs.items():
        if r["completed"] != r["sessions"] or r["server_errors"]:
            raise SystemExit(f"{name}: {r['completed']} of {r['sessions']} menu walks completed, "
                             f"{r['server_errors']} server errors")
    r, b = runs["paced"], runs["burst"]
    print(json.dumps({"sessions": r["sessions"], "directory": "store",
                      "sessions_per_s": round(r["sessions_per_s"], 3),
                      "roundtrip_p50_ms": round(r["roundtrip_p50_ms"], 3),
                      "roundtrip_p99_ms": round(r["roundtrip_p99_ms"], 3),
                      "burst_sessions_per_s": round(b["sessions_per_s"], 3),
                      "burst_roundtrip_p50_ms": round(b["roundtrip_p50_ms"], 3),
                      "burst_roundtrip_p99_ms": round(b["roundtrip_p99_ms"], 3)}))


if __name__ == "__main__":
    main()
