"""A command's latency while SQLite's search index catches up a backlog.

The commands list each piece of ticket text they write in ``ticket_fts_pending``; the store's
maintenance thread (``ticketing.store_upkeep.SearchIndexer``) moves them into the FTS5 index a
transaction at a time. A big backlog (an import, a restore, a store upgraded to the index)
keeps that thread writing back to back, and each of its transactions holds the store's write
lock: a command that comes meanwhile waits for it.

Per indexer setting: a store with ``--backlog`` tickets' pieces listed and not indexed (as the
bulk writer of ``bench/search.py`` leaves them), then the desk's command (accept → dispatch)
due every ``--gap-ms`` while the indexer catches up; the commands' p50/p99/max from when each was due to when it was done, the pieces moved per
second and the time to catch up. Baseline: the same commands with no backlog.

    .venv/bin/python bench/search_catchup.py [--backlog 20000] [--gap-ms 20]

Ends with one JSON line: per setting, the command's p50/p99/max ms and the catch-up rate.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_history import describe, history, mobile, write_docs  # noqa: E402
from sqlalchemy import text  # noqa: E402
from ticket_store import composer, fresh_store  # noqa: E402

from ticketing import search  # noqa: E402
from ticketing.calendar import BusinessCalendar  # noqa: E402
from ticketing.catalog import Catalog  # noqa: E402
from ticketing.ports import SystemClock  # noqa: E402
from ticketing.seed import seed_hospital  # noqa: E402
from ticketing.seed.history import write_tickets  # noqa: E402
from ticketing.service import NewTicket, ServiceOptions, TicketService  # noqa: E402
from ticketing.store import Store  # noqa: E402
from ticketing.store_upkeep import SearchIndexer  # noqa: E402


def backlog(store: Store, n: int) -> int:
    """``n`` tickets whose pieces are written and listed, not indexed; how many pieces."""
    for rows, docs in history(store, n, seed=9):
        write_tickets(store, rows)
        write_docs(store, docs)  # the trigger lists each piece in ticket_fts_pending
    with store.engine.connect() as conn:
        return int(conn.scalar(text(f"SELECT count(*) FROM {search.PENDING}")) or 0)


def commands_while(store: Store, service: TicketService, gap_s: float, until: Any,
                   limit: int) -> list[float]:
    """The desk's command (accept → dispatch) due every ``gap_s`` until ``until()`` (or
    ``limit`` of them); each one's ms from when it was due to when it was done (a command
    held up by the indexer, or by the lock or by the interpreter, delays the next as well)."""
    with store.engine.connect() as conn:
        rooms = [r[0] for r in conn.execute(text("SELECT code FROM location ORDER BY code LIMIT 400"))]
        workers = [r[0] for r in conn.execute(text(
            "SELECT code FROM staff WHERE role = 'worker' AND skills LIKE '%repair%' ORDER BY code"))]
    rng = random.Random(4)
    ms: list[float] = []
    start = time.perf_counter()
    while len(ms) < limit and not until():
        due = start + len(ms) * gap_s
        time.sleep(max(0.0, due - time.perf_counter()))
        t = service.accept("li", NewTicket(service_type="repair", location_code=rng.choice(rooms),
                                           reporter_name="王护士", reporter_phone=mobile(rng),
                                           description=describe(rng, "repair")))
        service.dispatch("li", t.id, [rng.choice(workers)])
        ms.append((time.perf_counter() - due) * 1000)
    return ms


def pct(values: list[float], p: float) -> float:
    """The nearest-rank percentile (of few values: one that was measured)."""
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round((len(ordered) - 1) * p / 100)))], 2)


def run(setting: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        store = fresh_store(f"sqlite:///{tmp}/catchup.sqlite")
        try:
            seed_hospital(store, at=datetime(2026, 1, 1, tzinfo=UTC), menu_start=date(2026, 11, 23))
            pieces = backlog(store, args.backlog) if setting != "baseline" else 0
            catalog = Catalog.load(ROOT / "config" / "service_catalog.toml")
            calendar = BusinessCalendar.load(ROOT / "config" / "calendar.toml")
            service = TicketService(store, SystemClock(), catalog, calendar, composer()[0], ServiceOptions())
            for _ in range(10):  # warm-up, with the index caught up by nobody yet
                commands_while(store, service, 0, lambda: False, 1)
            kwargs = {} if setting in ("baseline", "default") else json.loads(setting)
            t0 = time.perf_counter()
            indexer = SearchIndexer(store, **kwargs)
            try:
                if setting == "baseline":
                    ms = commands_while(store, service, args.gap_ms / 1000, lambda: False, args.baseline)
                else:
                    ms = commands_while(store, service, args.gap_ms / 1000,
                                        lambda: indexer.moved >= pieces, 1_000_000)
                took = time.perf_counter() - t0
            finally:
                indexer.stop()
            return {"setting": setting, "pieces": pieces, "commands": len(ms),
                    "p50_ms": round(statistics.median(ms), 2), "p99_ms": pct(ms, 99),
                    "max_ms": round(max(ms), 2), "catch_up_s": round(took, 2) if pieces else None,
                    "pieces_per_s": round(pieces / took) if pieces else None}
        finally:
            store.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--backlog", type=int, default=20_000, help="tickets whose pieces wait")
    ap.add_argument("--gap-ms", type=float, default=20.0, help="between the desk's commands")
    ap.add_argument("--baseline", type=int, default=300, help="commands without a backlog")
    ap.add_argument("--settings", default='baseline;{"budget_s": null, "pause_s": 0};default',
                    help="';'-separated: baseline, default, or SearchIndexer's keywords as JSON")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    settings = args.settings.split(";")
    results = [run(s, args) for s in settings]
    print(f"\na command (accept → dispatch) every {args.gap_ms:.0f} ms while the index catches up "
          f"{args.backlog:,} tickets' pieces; load average at start {load:.1f}")
    print(f"{'indexer':34}{'commands':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'catch-up s':>12}{'pieces/s':>10}")
    for r in results:
        print(f"{r['setting']:34}{r['commands']:>9}{r['p50_ms']:>9}{r['p99_ms']!s:>9}{r['max_ms']:>9}"
              f"{r['catch_up_s']!s:>12}{r['pieces_per_s']!s:>10}")
    print(json.dumps({"backlog_tickets": args.backlog, "load_average": round(load, 1), "runs": results}))


if __name__ == "__main__":
    main()
