"""Soak: the demo's PBX places calls as fast as the center takes them; memory must stay flat.

The center runs as ``onestop demo`` runs it (``running_demo``: the real AMI listener, FastAGI
IVR, call log, pops and wallboard, the desk), with the emulated PBX in the same process. A
window of ``--concurrency`` calls is kept in flight: every call walks the real IVR over
FastAGI and the queue (mostly answered, some abandons, a few hang up in the IVR). The
process's resident memory (``VmRSS``) is sampled every ``sample_every`` calls after a garbage
collection; at the end every call must be in the call log exactly once.

    .venv/bin/python bench/soak.py [--calls 10000] [--concurrency 24]   (ONESTOP_SOAK_CALLS too)

Prints a table of the samples and ends with one JSON line: calls, seconds, calls_per_s,
rss_start_mb, rss_warm_mb, rss_end_mb, rss_growth_after_warmup_mb, logged, missing,
duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
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

from sqlalchemy import func, select  # noqa: E402

from config.settings import load_settings  # noqa: E402
from onestop.actors import Caller  # noqa: E402
from onestop.demo import Demo, hotline_callers, running_demo  # noqa: E402
from onestop.pbx import CallScript  # noqa: E402
from ticketing.model import CallRecord  # noqa: E402

SOAK_PARTS = ("ami", "agi", "web")  # no modem, printer or robots: calls, not tickets, are soaked
MENU = "1234559"  # repair, meals, cleaning, oxygen, transport ×2, complaints


def rss_mb() -> float:
    """This process's resident set size in MiB (Linux ``/proc/self/status``)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


@dataclass
class SoakReport:
    calls: int
    seconds: float
    samples: list[tuple[int, float]]  # (calls finished, RSS MiB)
    outcomes: Counter[str]
    logged: int = 0
    missing: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    warm_index: int = 0

    @property
    def rss_warm(self) -> float:
        return self.samples[self.warm_index][1]

    @property
    def rss_end(self) -> float:
        return self.samples[-1][1]

    @property
    def growth_after_warmup(self) -> float:
        return self.rss_end - self.rss_warm

    def figures(self) -> dict[str, Any]:
        return {"calls": self.calls, "seconds": round(self.seconds, 1),
                "calls_per_s": round(self.calls / self.seconds, 1),
                "rss_start_mb": round(self.samples[0][1], 1), "rss_warm_mb": round(self.rss_warm, 1),
                "rss_end_mb": round(self.rss_end, 1),
                "rss_growth_after_warmup_mb": round(self.growth_after_warmup, 1),
                "logged": self.logged, "missing": len(self.missing), "duplicates": len(self.duplicates)}

    def table(self) -> str:
        rows = [f"{'calls done':>10} {'RSS MiB':>8}"]
        rows += [f"{n:>10} {mb:>8.1f}" + ("  ← warm" if i == self.warm_index else "")
                 for i, (n, mb) in enumerate(self.samples)]
        rows.append(f"outcomes: {dict(self.outcomes)}")
        return "\n".join(rows)


def script(rng: random.Random, people: list[Caller]) -> CallScript:
    """A ward from the phone directory calls: mostly answered, some give up in the queue, a
    few hang up in the IVR."""
    who = rng.choice(people)
    if rng.random() < 0.03:
        return CallScript(who.number, who.name, [], hangup_in_ivr=True)
    return CallScript(who.number, who.name, [rng.choice(MENU)], patience_s=rng.choice((0.5, 60.0)),
                      talk_s=rng.uniform(0.5, 2.0))


def default_warmup(calls: int) -> int:
    """The calls it takes the bounded caches to fill (the pop context cache holds each ward's
    context for 30 s, SQLite's page caches grow with the call log): about 1,000."""
    return min(1000, calls // 2)


async def soak(demo: Demo, calls: int, concurrency: int = 24, samples: int = 20,
               warmup: int | None = None) -> SoakReport:
    """Place ``calls`` calls, ``concurrency`` at a time; sample RSS ``samples`` times; growth
    is judged from the first sample after ``warmup`` calls."""
    warmup = default_warmup(calls) if warmup is None else warmup
    rng = random.Random(1)
    people = hotline_callers(demo.core)
    every = max(1, calls // samples)
    uids: list[str] = []
    outcomes: Counter[str] = Counter()
    report = SoakReport(calls, 0.0, [(0, _sampled_rss())], outcomes)
    slots = asyncio.Semaphore(concurrency)

    async def one() -> None:
        try:
            result = await demo.pbx.place_call(script(rng, people))
            uids.append(result.uniqueid)
            outcomes[result.outcome] += 1
        finally:
            slots.release()

    start = time.monotonic()
    tasks: set[asyncio.Task[None]] = set()
    for n in range(calls):
        await slots.acquire()
        task = asyncio.create_task(one())
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        if (n + 1) % every == 0:
            report.samples.append((len(uids), _sampled_rss()))
    await asyncio.gather(*tasks)
    listener = demo.wiring.part("ami").listener
    await _wait_logged(demo, listener, len(uids))
    report.seconds = time.monotonic() - start
    report.samples.append((len(uids), _sampled_rss()))
    report.warm_index = next(i for i, (done, _) in enumerate(report.samples) if done >= warmup)
    _check_log(demo, uids, report)
    return report


def _sampled_rss() -> float:
    gc.collect()  # cyclic garbage is not a leak; what survives a collection may be
    return rss_mb()


async def _wait_logged(demo: Demo, listener: Any, count: int, timeout: float = 60) -> None:
    """The listener stores calls in a worker thread: wait until the last ones are in."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await listener.flush()
        with demo.core.store.session() as s:
            if (s.scalar(select(func.count()).select_from(CallRecord)) or 0) >= count:
                return
        await asyncio.sleep(0.2)


def _check_log(demo: Demo, uids: list[str], report: SoakReport) -> None:
    with demo.core.store.session() as s:
        logged = Counter(s.scalars(select(CallRecord.uniqueid)).all())
    report.logged = sum(logged.values())
    report.missing = [u for u in uids if u not in logged]
    report.duplicates = [u for u, k in logged.items() if k > 1]


def soak_settings(db_url: str) -> Any:
    return load_settings(environ={"ONESTOP_DATABASE_URL": db_url, "ONESTOP_WEB_PORT": "0"})


async def run_soak(db_url: str, data_dir: Path, calls: int, concurrency: int = 24,
                   time_scale: float = 0.01) -> SoakReport:
    async with running_demo(soak_settings(db_url), data_dir, SOAK_PARTS, time_scale=time_scale,
                            robots=()) as demo:
        return await soak(demo, calls, concurrency)


def _empty_pg(url: str) -> None:
    """The soak counts every row of the call log: start from an empty schema."""
    from sqlalchemy import text

    from ticketing.store import Store

    store = Store(url)
    with store.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    store.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, default=int(os.environ.get("ONESTOP_SOAK_CALLS", "10000")))
    ap.add_argument("--concurrency", type=int, default=24)
    ap.add_argument("--database-url", default=os.environ.get("ONESTOP_PG_URL", ""),
                    help="default: a fresh SQLite file")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    data_dir = Path(tempfile.mkdtemp(prefix="onestop-soak-"))
    url = args.database_url or f"sqlite:///{data_dir / 'soak.sqlite'}"
    if url.startswith("postgresql"):
        _empty_pg(url)
    report = asyncio.run(run_soak(url, data_dir, args.calls, args.concurrency))
    print(f"soak: {report.calls} calls in {report.seconds:.1f} s on {url.split(':')[0]}")
    print(report.table())
    print(json.dumps(report.figures()))


if __name__ == "__main__":
    main()
