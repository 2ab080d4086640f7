"""Full-text search over a million tickets, on SQLite and PostgreSQL side by side.

Per engine: the sample hospital, then ``--tickets`` tickets over five years with realistic
Chinese text (a description in the words of the desk, the reporter's name and number, the
place and department, and for finished tickets what was done, the worker's SMS replies and
the reporter's comment), written in bulk — rows and search documents, as the commands would
have written them — and indexed. Then:

- the desk's search (``web.queries.search``: the ids of a page of 50 and their ticket rows)
  for queries of 2, 3 and 6 Chinese characters and for numbers (a whole mobile number, its
  last four digits, a ticket number, a location code), drawn from the tickets' own text so
  that each finds something; p50/p99 per kind after a warm-up pass;
- the index's size (SQLite: the FTS5 table's pages; PostgreSQL: the GIN index), next to the
  documents' own;
- what the index costs a lifecycle: that of ``bench/ticket_store.py`` (accept → dispatch →
  done), and a full loop (accept → dispatch → the worker's SMS 接单 → done with a note →
  call-back with a comment: five commands, four of which write a piece of text):
  lifecycles/s with the text and its index kept ÷ lifecycles/s with the text's writes left
  out, in alternating blocks of the same run on the same store (five lifecycles a block, so that
  the machine's other work falls on both sides alike), pinned to one core with the store's
  maintenance threads (and the same ratio in this process's CPU time, which the machine's other
  work does not move).

PostgreSQL: ``ONESTOP_PG_URL`` or the local server ``.ci/pg-start`` starts (database
onestop_bench; set PGPORT for your own). Its memory is the server's setting, not the bench's:
``.ci/pg-start`` leaves PostgreSQL's default ``shared_buffers`` (128 MB), which does not hold a
million tickets' pieces and indexes (~810 MB); the admin guide asks for a server that does.
The bench prints both sizes. To measure the admin guide's server over the same store, set
``shared_buffers`` (``ALTER SYSTEM SET shared_buffers = '1GB'``), restart the server, and run
the queries again with ``--reuse --prewarm`` (the pieces and indexes read in first). Ends with
one JSON line.

    .venv/bin/python bench/search.py [--tickets 1000000] [--queries 200] [--skip-pg | --skip-sqlite]
    .venv/bin/python bench/search.py --tickets 1000000 --reuse [--prewarm] [--lifecycles]

The tickets, their pieces of text and the index are written by ``bench/search_history.py``;
this script draws and times the queries and the lifecycles, and reports.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
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

from search_history import (  # noqa: E402
    COMMENTS,
    DONE,
    GIVEN,
    OBJECTS,
    PLACES,
    PROBLEMS,
    SURNAMES,
    describe,
    load,
    mobile,
    samples,
    sizes,
)
from sqlalchemy import text  # noqa: E402
from ticket_store import composer, fresh_store, one_core, pg_url  # noqa: E402

from ticketing import search  # noqa: E402
from ticketing.calendar import BusinessCalendar  # noqa: E402
from ticketing.catalog import Catalog  # noqa: E402
from ticketing.ports import SystemClock  # noqa: E402
from ticketing.seed import seed_hospital  # noqa: E402
from ticketing.service import NewTicket, ServiceOptions, TicketService, WorkerReply  # noqa: E402
from ticketing.store import Store  # noqa: E402
from web.queries import search as desk_search  # noqa: E402

# --- the queries ---------------------------------------------------------------------------

_RUNS = re.compile("[\u4e00-\u9fff]+")  # runs of Chinese characters


def queries(samples: list[tuple[int, str, str, str]], k: int, seed: int) -> dict[str, list[str]]:
    """``k`` queries of each kind, drawn from the tickets' own text."""
    rng = random.Random(seed)

    def part(length: int) -> str:
        while True:
            runs = [r for r in _RUNS.findall(rng.choice(samples)[1]) if len(r) >= length]
            if runs:
                words = rng.choice(runs)
                at = rng.randrange(len(words) - length + 1)
                return words[at:at + length]

    common = [w for w in (*PROBLEMS, *OBJECTS, *PLACES) if len(w) == 2]
    numbers = []
    for i in range(k):
        tid, _d, phone, code = rng.choice(samples)
        numbers.append((phone, phone[-4:], str(tid), code)[i % 4])
    return {"2": [rng.choice(common) if i % 2 else part(2) for i in range(k)],
            "3": [part(3) for _ in range(k)], "6": [part(6) for _ in range(k)], "numbers": numbers}


def time_queries(store: Store, qs: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    out = {}
    for kind, texts in qs.items():
        ms, found = [], 0
        for q in texts:
            t0 = time.perf_counter()
            with store.session() as s:
                rows, _more, _from = desk_search(s, q, 50)
            ms.append((time.perf_counter() - t0) * 1000)
            found += bool(rows)
        q99 = statistics.quantiles(ms, n=100)[98]
        slowest = sorted(zip(ms, texts, strict=True), reverse=True)[:4]
        out[kind] = {"p50_ms": statistics.median(ms), "p99_ms": q99, "max_ms": max(ms),
                     "found": found / len(texts), "slowest": [[q, round(t, 1)] for t, q in slowest]}
    return out


# --- what the index costs a lifecycle --------------------------------------------------------

class Unindexed:
    """The commands' document writes left out (the store and everything else as it is)."""

    NAMES = ("index_new", "append", "reindex")

    def __enter__(self) -> None:
        self.kept = {n: getattr(search, n) for n in self.NAMES}
        for n in self.NAMES:
            setattr(search, n, lambda *a, **k: None)

    def __exit__(self, *exc: object) -> None:
        for n, f in self.kept.items():
            setattr(search, n, f)


def lifecycle_cost(store: Store, rounds: int, block: int, full: bool) -> dict[str, float]:
    """``full``: the loop with a reply, a note and a comment; else the lifecycle of
    ``bench/ticket_store.py`` (accept → dispatch → done)."""
    catalog = Catalog.load(ROOT / "config" / "service_catalog.toml")
    calendar = BusinessCalendar.load(ROOT / "config" / "calendar.toml")
    comp, _name = composer()
    service = TicketService(store, SystemClock(), catalog, calendar, comp, ServiceOptions())
    with store.engine.connect() as conn:
        workers = [tuple(r) for r in conn.execute(text(
            "SELECT code, phone FROM staff WHERE role = 'worker' AND active AND phone <> ''"
            " AND skills LIKE '%repair%' ORDER BY code"))]
        rooms = [r[0] for r in conn.execute(text("SELECT code FROM location ORDER BY code"))]
    rng = random.Random(3)

    def one(i: int) -> None:
        code, phone = workers[i % len(workers)]
        t = service.accept("li", NewTicket(service_type="repair", location_code=rooms[i % len(rooms)],
                                           reporter_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                                           reporter_phone=mobile(rng), description=describe(rng, "repair")))
        service.dispatch("li", t.id, [code])
        if not full:
            service.complete(f"sms:{code}", t.id)
            return
        service.handle_inbound_sms("m1", phone, f"接单 {t.id}", WorkerReply("accept", t.id),
                                   datetime.now(UTC))
        service.complete(f"sms:{code}", t.id, [], rng.choice(DONE).format(o=rng.choice(OBJECTS)))
        service.record_callback("li", t.id, 5, rng.choice(COMMENTS))

    for i in range(30):  # warm-up
        one(i)
    spent = {"with": 0.0, "without": 0.0}
    cpu = {"with": 0.0, "without": 0.0}  # this process's CPU: the machine's other work left out
    n = 0
    with one_core():
        store.start_checkpointer()
        for r in range(rounds):
            for side in (("with", "without") if r % 2 == 0 else ("without", "with")):
                t0, c0 = time.perf_counter(), time.process_time()
                if side == "with":
                    for _ in range(block):
                        one(n)
                        n += 1
                else:
                    with Unindexed():
                        for _ in range(block):
                            one(n)
                            n += 1
                spent[side] += time.perf_counter() - t0
                cpu[side] += time.process_time() - c0
    done = rounds * block
    with_, without = done / spent["with"], done / spent["without"]
    return {"with_per_s": with_, "without_per_s": without, "ratio": with_ / without,
            "cpu_ratio": cpu["without"] / cpu["with"]}


# --- one engine, both ----------------------------------------------------------------------

def pg_server(store: Store, prewarm: bool) -> dict[str, Any]:
    """PostgreSQL: the server's ``shared_buffers`` beside the search's tables (the pieces and
    their indexes), and, with ``prewarm``, those read into it first (``pg_prewarm``) — the
    setting the admin guide asks for is the server's own, not the bench's."""
    mb = 1024 * 1024
    rels = ("ticket_search", "pk_ticket_search", search.PG_INDEX, search.PG_PAIRS)
    with store.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        buffers = conn.scalar(text("SELECT setting::bigint * 8192 FROM pg_settings WHERE name = 'shared_buffers'"))
        tables = conn.scalar(text("SELECT sum(pg_relation_size(r::regclass)) FROM unnest(CAST(:r AS text[])) r"),
                             {"r": list(rels)})
        if prewarm:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
            for rel in rels:
                conn.execute(text("SELECT pg_prewarm(:r)"), {"r": rel})
    return {"shared_buffers_mb": int(buffers) / mb, "search_tables_mb": float(tables) / mb, "prewarmed": prewarm}


def run_engine(name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if args.reuse:
        store = Store(url)
        with store.engine.connect() as conn:  # the queries meet the newest pieces the first run's did:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")  # not its lifecycles' tickets
            conn.execute(text("DELETE FROM ticket_search WHERE ticket_id > :n"), {"n": args.tickets})
            conn.execute(text("VACUUM ANALYZE ticket_search"))
    else:
        print(f"[{name}] seeding the sample hospital…", file=sys.stderr, flush=True)
        store = fresh_store(url)
    try:
        if not args.reuse:
            seed_hospital(store, at=datetime(2026, 1, 1, tzinfo=UTC), menu_start=date(2026, 11, 23))
            print(f"[{name}] writing {args.tickets:,} tickets and their documents…", file=sys.stderr, flush=True)
            out["load"] = load(store, args.tickets)
        out["size"] = sizes(store)
        if store.dialect == "postgresql":
            out["server"] = pg_server(store, args.prewarm)
        drawn = samples(store, args.tickets)
        print(f"[{name}] queries…", file=sys.stderr, flush=True)
        time_queries(store, queries(drawn, args.queries, seed=1))  # warm-up: other queries
        out["queries"] = time_queries(store, queries(drawn, args.queries, seed=2))
        if args.reuse and not args.lifecycles:
            print(f"[{name}] {json.dumps(out, ensure_ascii=False)}", file=sys.stderr, flush=True)
            return out
        print(f"[{name}] lifecycles with and without the index…", file=sys.stderr, flush=True)
        out["lifecycle"] = lifecycle_cost(store, args.rounds, args.block, full=False)
        out["loop"] = lifecycle_cost(store, args.rounds, args.block, full=True)
        print(f"[{name}] {json.dumps(out, ensure_ascii=False)}", file=sys.stderr, flush=True)  # kept if a later engine fails
        return out
    finally:
        store.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200, help="of each kind")
    ap.add_argument("--rounds", type=int, default=80)
    ap.add_argument("--block", type=int, default=5, help="lifecycles per block")
    ap.add_argument("--skip-pg", action="store_true")
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--reuse", action="store_true",
                    help="PostgreSQL: the queries again over the tickets an earlier run of the same --tickets "
                         "left in onestop_bench (no writing, no lifecycles; the text of the tickets its "
                         "lifecycles wrote is taken out of the search first)")
    ap.add_argument("--lifecycles", action="store_true",
                    help="with --reuse: the lifecycles too, over the tickets already there (they add theirs)")
    ap.add_argument("--prewarm", action="store_true",
                    help="PostgreSQL: read the pieces and their indexes into shared_buffers before the queries")
    args = ap.parse_args()
    if args.reuse:
        args.skip_sqlite = True  # SQLite's store is a temporary file
    results: dict[str, dict[str, Any]] = {}
    load_avg = os.getloadavg()[0]
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            results["sqlite"] = run_engine("sqlite", f"sqlite:///{tmp}/bench.sqlite", args)
    if not args.skip_pg:
        results["pg"] = run_engine("postgresql", pg_url(), args)
    engines = [e for e in ("sqlite", "pg") if e in results]
    print(f"\nsearch over {args.tickets:,} tickets — {args.queries} queries of each kind, the desk's "
          f"page of 50; aims: p99 ≤ 50 ms, lifecycle cost ratio ≥ 0.9; load average at start {load_avg:.1f}")
    print(f"{'':40}" + "".join(f"{'SQLite' if e == 'sqlite' else 'PostgreSQL':>14}" for e in engines))

    def line(label: str, get: Any, fmt: str) -> None:
        print(f"{label:40}" + "".join(f"{fmt.format(get(results[e])):>14}" for e in engines))

    for kind, label in (("2", "2 characters"), ("3", "3 characters"), ("6", "6 characters"),
                        ("numbers", "numbers")):
        line(f"{label} p50 / p99 ms", lambda r, k=kind: f"{r['queries'][k]['p50_ms']:.1f} / "
             f"{r['queries'][k]['p99_ms']:.1f}", "{}")
        line(f"{label} found", lambda r, k=kind: r["queries"][k]["found"], "{:.0%}")
    line("index MB (pg_trgm / FTS5)", lambda r: r["size"]["index_mb"], "{:,.0f}")
    line("  pairs index MB (PostgreSQL)", lambda r: r["size"]["pairs_index_mb"], "{:,.0f}")
    line("documents MB", lambda r: r["size"]["documents_mb"], "{:,.0f}")
    if "pg" in results:
        server = results["pg"]["server"]
        print(f"PostgreSQL shared_buffers {server['shared_buffers_mb']:,.0f} MB, the pieces and their indexes "
              f"{server['search_tables_mb']:,.0f} MB{', read in first' if server['prewarmed'] else ''}")
    for e in engines:
        for kind, q in results[e]["queries"].items():
            print(f"slowest {kind:8} {e:7}" + "  ".join(f"{t} {ms:.0f} ms" for t, ms in q["slowest"]))

    def lifecycle_lines() -> None:
        for key, label in (("lifecycle", "accept → dispatch → done"), ("loop", "+ reply, note, comment")):
            line(f"{label}: lifecycles/s with", lambda r, k=key: r[k]["with_per_s"], "{:,.0f}")
            line("  without the index", lambda r, k=key: r[k]["without_per_s"], "{:,.0f}")
            line("  ratio (wall / CPU)", lambda r, k=key: f"{r[k]['ratio']:.3f} / {r[k]['cpu_ratio']:.3f}", "{}")

    if args.reuse:
        pg = results["pg"]
        if args.lifecycles:
            lifecycle_lines()
        print(json.dumps({"tickets": args.tickets, "pg_search_p99_ms": round(max(
            q["p99_ms"] for q in pg["queries"].values()), 1), "reused": True,
            "pg_shared_buffers_mb": round(pg["server"]["shared_buffers_mb"]),
            "prewarmed": args.prewarm,
            "p99_ms_by_kind": {"pg": {k: round(v["p99_ms"], 1) for k, v in pg["queries"].items()}},
            **({"pg_lifecycle_cost_ratio": round(pg["lifecycle"]["ratio"], 3),
                "pg_loop_cost_ratio": round(pg["loop"]["ratio"], 3)} if args.lifecycles else {}),
            "load_average": round(load_avg, 1)}))
        return
    line("write rows + documents s", lambda r: r["load"]["rows_s"], "{:.0f}")
    line("build the indexes s", lambda r: r["load"]["index_s"], "{:.0f}")
    line("  of which the pairs index s", lambda r: r["load"]["pairs_index_s"], "{:.0f}")
    lifecycle_lines()

    def worst(e: str) -> float | None:
        return round(max(q["p99_ms"] for q in results[e]["queries"].values()), 1) if e in results else None

    print(json.dumps({
        "tickets": args.tickets,
        "sqlite_search_p99_ms": worst("sqlite"), "pg_search_p99_ms": worst("pg"),
        "lifecycle_cost_ratio": round(min(results[e]["lifecycle"]["ratio"] for e in engines), 3),
        "sqlite_lifecycle_cost_ratio": round(results["sqlite"]["lifecycle"]["ratio"], 3) if "sqlite" in results else None,
        "pg_lifecycle_cost_ratio": round(results["pg"]["lifecycle"]["ratio"], 3) if "pg" in results else None,
        "sqlite_lifecycle_cpu_ratio": round(results["sqlite"]["lifecycle"]["cpu_ratio"], 3) if "sqlite" in results else None,
        "loop_cost_ratio": {e: round(results[e]["loop"]["ratio"], 3) for e in engines},
        "loop_cpu_ratio_sqlite": round(results["sqlite"]["loop"]["cpu_ratio"], 3) if "sqlite" in results else None,
        "sqlite_index_mb": round(results["sqlite"]["size"]["index_mb"]) if "sqlite" in results else None,
        "pg_index_mb": round(results["pg"]["size"]["index_mb"]) if "pg" in results else None,
        "pg_pairs_index_mb": round(results["pg"]["size"]["pairs_index_mb"]) if "pg" in results else None,
        "pg_shared_buffers_mb": round(results["pg"]["server"]["shared_buffers_mb"]) if "pg" in results else None,
        "p99_ms_by_kind": {e: {k: round(v["p99_ms"], 1) for k, v in results[e]["queries"].items()}
                           for e in engines},
        "load_average": round(load_avg, 1),
    }))

if __name__ == "__main__":
    main()
