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
  out, in alternating blocks of the same run on the same store, pinned to one core with the
  store's maintenance threads (and the same ratio in this process's CPU time, which the
  machine's other work does not move).

PostgreSQL: ``ONESTOP_PG_URL`` or the local server ``.ci/pg-start`` starts (database
onestop_bench; set PGPORT for your own). Its memory is the server's setting, not the bench's:
``.ci/pg-start`` leaves PostgreSQL's default ``shared_buffers`` (128 MB), which does not hold a
million tickets' pieces and indexes (~810 MB); the admin guide asks for a server that does.
The bench prints both sizes. To measure the admin guide's server over the same store, set
``shared_buffers`` (``ALTER SYSTEM SET shared_buffers = '1GB'``), restart the server, and run
the queries again with ``--reuse --prewarm`` (the pieces and indexes read in first). Ends with
one JSON line.

    .venv/bin/python bench/search.py [--tickets 1000000] [--queries 200] [--skip-pg | --skip-sqlite]
    .venv/bin/python bench/search.py --tickets 1000000 --reuse [--prewarm]
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
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import text  # noqa: E402
from ticket_store import composer, fresh_store, one_core, pg_url  # noqa: E402

from ticketing import search, search_plans  # noqa: E402
from ticketing.calendar import BusinessCalendar  # noqa: E402
from ticketing.catalog import Catalog  # noqa: E402
from ticketing.ports import SystemClock  # noqa: E402
from ticketing.seed import seed_hospital  # noqa: E402
from ticketing.seed.history import TICKET_COLUMNS, write_tickets  # noqa: E402
from ticketing.service import NewTicket, ServiceOptions, TicketService, WorkerReply  # noqa: E402
from ticketing.store import Store  # noqa: E402
from web.queries import search as desk_search  # noqa: E402

# --- the desk's words ------------------------------------------------------------------------
PLACES = ("护士站", "卫生间", "走廊", "配餐间", "治疗室", "医生办公室", "病房", "楼梯间", "电梯厅",
          "开水间", "换药室", "处置室", "库房", "值班室", "示教室")
OBJECTS = ("水龙头", "灯管", "空调", "插座", "门锁", "马桶", "下水道", "呼叫器", "窗户", "暖气片",
           "电视", "床头灯", "病床摇把", "输液架", "门禁", "吊顶", "地漏", "热水器", "排风扇", "洗手池",
           "中央空调出风口", "监护仪电源", "氧气终端", "负压吸引器", "治疗车轮子")
PROBLEMS = ("漏水", "不亮", "不制冷", "坏了", "堵塞", "有异响", "松动", "跳闸", "打不开", "关不上",
            "滴水", "闪烁", "没有热水", "一直报警", "失灵", "冒烟", "漏气", "温度太高")
EXTRAS = ("请尽快处理", "病人投诉", "急", "影响治疗", "已多次报修", "今天上午发现", "请带配件",
          "护士长要求今天修好", "夜班发现", "家属意见很大", "下午有检查", "")
MESSES = ("地面有呕吐物", "血迹需要清理", "垃圾桶满了", "医疗废物待收", "出院床单位终末消毒",
          "开水洒了一地", "玻璃碎了", "卫生间很脏")
EXAMS = ("CT", "核磁共振", "B超", "胃镜", "心电图", "拍片", "手术室", "透析室")
MEALS = ("早餐", "午餐", "晚餐")
DIETS = ("糖尿病餐", "流质", "半流质", "低盐低脂", "普食", "软食")
COMPLAINTS = ("维修师傅迟迟不来", "保洁不及时", "饭菜送晚了", "电话没人接", "运送员态度不好",
              "夜里太吵影响休息")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ("护士", "医生", "老师", "阿姨", "师傅", "晓红", "建国", "丽娟", "伟", "芳", "敏", "静",
         "磊", "洋", "勇", "秀英", "桂兰", "志强", "海燕", "春梅")
DONE = ("更换了{o}", "{o}已修好", "紧固{o}", "清理{o}", "{o}配件已更换", "重新接线", "已处理完毕")
COMMENTS = ("满意", "很满意", "师傅态度很好", "来得很及时", "修得不彻底", "等了太久", "")
TYPES = ("repair",) * 38 + ("cleaning",) * 24 + ("transport",) * 16 + ("meals",) * 8 + \
    ("oxygen",) * 6 + ("complaint",) * 3 + ("operator",) * 5


def describe(rng: random.Random, st: str) -> str:
    extra = rng.choice(EXTRAS)
    tail = "，" + extra if extra else ""
    if st == "cleaning":
        return f"{rng.choice(PLACES)}{rng.choice(MESSES)}，需要保洁{tail}"
    if st == "transport":
        return f"{rng.randint(1, 60)}床病人需要送{rng.choice(EXAMS)}{tail}"
    if st == "meals":
        return f"{rng.randint(1, 60)}床病人{rng.choice(MEALS)}要{rng.choice(DIETS)}{tail}"
    if st == "oxygen":
        return f"{rng.choice(PLACES)}{rng.randint(1, 60)}床氧气{rng.choice(('漏气', '压力不足', '终端松动'))}{tail}"
    if st == "complaint":
        return rng.choice(COMPLAINTS) + tail
    return f"{rng.choice(PLACES)}{rng.choice(OBJECTS)}{rng.choice(PROBLEMS)}{tail}"


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


# --- the history, in bulk --------------------------------------------------------------------

def places(store: Store) -> tuple[list[tuple[Any, ...]], dict[str, str]]:
    with store.engine.connect() as conn:
        locs = [tuple(r) for r in conn.execute(text(
            "SELECT code, campus, building, floor, room, name, org_code FROM location"))]
        orgs = dict(conn.execute(text("SELECT code, name FROM org_unit")).all())  # type: ignore[arg-type]
    return locs, orgs


def history(store: Store, n: int, seed: int = 7) -> Iterator[tuple[list[dict[str, Any]], list[tuple[int, int, str]]]]:
    """Chunks of (ticket rows, their pieces of text), oldest first, over five years."""
    rng = random.Random(seed)
    locs, orgs = places(store)
    end = datetime.now(UTC)
    start = end - timedelta(days=5 * 365)
    step = (end - start) / n
    chunk = 20_000
    for lo in range(0, n, chunk):
        rows, docs = [], []
        for i in range(lo, min(n, lo + chunk)):
            tid = i + 1
            st = rng.choice(TYPES)
            code, campus, building, floor, room, lname, org = rng.choice(locs)
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            phone = mobile(rng) if rng.random() < 0.6 else str(rng.randint(6000, 8999))
            desc = describe(rng, st)
            created = start + step * i
            open_ = i >= n - 200
            row = dict.fromkeys(TICKET_COLUMNS)
            row.update(id=tid, service_type=st, priority="urgent" if rng.random() < 0.1 else "normal",
                       status="accepted" if open_ else "done", source="phone", location_code=code,
                       org_code=org, reporter_name=name, reporter_phone=phone, description=desc,
                       details={}, operator="li", assignee="", created_at=created,
                       escalation_level=0, breach_notified=False, reopen_count=0,
                       satisfaction_comment="", assessment="", assessment_grade="", version=1)
            first = tid * search.PIECES
            docs.append((first, tid, search.header(desc, name, phone, code,
                                                   (campus, building, floor, room, lname), orgs.get(org, ""))))
            if not open_:
                row["done_at"] = created + timedelta(hours=2)
                lines = [f"接单 {tid}", rng.choice(DONE).format(o=rng.choice(OBJECTS)), f"完成 {tid}",
                         rng.choice(COMMENTS)]
                docs += [(first + k, tid, line) for k, line in enumerate(filter(None, lines), 1)]
            rows.append(row)
        yield rows, docs


def load(store: Store, n: int) -> dict[str, float]:
    """Write the history: tickets, documents, then the index in one go (as the migration builds
    it over existing tickets). Returns the seconds each part took."""
    pg = store.dialect == "postgresql"
    trigger = ""
    with store.engine.begin() as conn:  # the index is built after the rows, as 0008 does
        if pg:
            conn.execute(text(f"DROP INDEX {search.PG_INDEX}"))
            conn.execute(text(f"DROP INDEX {search.PG_PAIRS}"))
        else:
            trigger = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'ticket_search_ai'")).scalar()
            conn.execute(text("DROP TRIGGER ticket_search_ai"))
    t0 = time.perf_counter()
    for rows, docs in history(store, n):
        write_tickets(store, rows)
        _write_docs(store, docs)
    rows_s = time.perf_counter() - t0
    t0, pairs_s = time.perf_counter(), 0.0
    with store.engine.begin() as conn:
        if pg:
            conn.execute(text("SET maintenance_work_mem = '256MB'"))
            conn.execute(text(f"CREATE INDEX {search.PG_INDEX} ON ticket_search"
                              f" USING gin ((id >> {search_plans.BUCKET}), body gin_trgm_ops)"))
            pairs_t0 = time.perf_counter()
            conn.execute(text(f"CREATE INDEX {search.PG_PAIRS} ON ticket_search"
                              " USING gin (ticket_search_pairs(body))"))
            pairs_s = time.perf_counter() - pairs_t0
        else:
            conn.execute(text(f"INSERT INTO {search.FTS_TABLE} ({search.FTS_TABLE}) VALUES ('rebuild')"))
            conn.execute(text(f"INSERT INTO {search.FTS_TABLE} ({search.FTS_TABLE}) VALUES ('optimize')"))
            conn.execute(text(trigger))
    index_s = time.perf_counter() - t0
    if pg:
        with store.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    else:
        with store.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return {"rows_s": rows_s, "index_s": index_s, "pairs_index_s": pairs_s}


def samples(store: Store, n: int) -> list[tuple[int, str, str, str]]:
    """Where the queries are drawn from: 40 tickets of each 20,000 written (``history``'s
    chunks), read back — the same for a store written now or by an earlier run."""
    ids = [i + 1 for lo in range(0, n, 20_000) for i in range(lo, min(n, lo + 20_000),
                                                                 max(1, (min(n, lo + 20_000) - lo) // 40))]
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, description, reporter_phone, location_code FROM ticket"
                                 " WHERE id = ANY(:ids) ORDER BY id") if store.dialect == "postgresql" else
                            text(f"SELECT id, description, reporter_phone, location_code FROM ticket"
                                 f" WHERE id IN ({', '.join(map(str, ids))}) ORDER BY id"),
                            {"ids": ids} if store.dialect == "postgresql" else {})
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _write_docs(store: Store, docs: list[tuple[int, int, str]]) -> None:
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        if store.dialect == "postgresql":
            with cur.copy("COPY ticket_search (id, ticket_id, body) FROM STDIN") as copy:
                for doc in docs:
                    copy.write_row(doc)
            raw.commit()
        else:
            cur.execute("BEGIN IMMEDIATE")
            cur.executemany("INSERT INTO ticket_search (id, ticket_id, body) VALUES (?, ?, ?)", docs)
            cur.execute("COMMIT")
    finally:
        raw.close()


def sizes(store: Store) -> dict[str, float]:
    mb = 1024 * 1024
    with store.engine.connect() as conn:
        if store.dialect == "postgresql":
            index = conn.scalar(text(f"SELECT pg_relation_size('{search.PG_INDEX}')"))
            pairs = conn.scalar(text(f"SELECT pg_relation_size('{search.PG_PAIRS}')"))
            docs = conn.scalar(text("SELECT pg_total_relation_size('ticket_search')")) - index - pairs
        else:
            index = conn.scalar(text(f"SELECT sum(pgsize) FROM dbstat WHERE name LIKE '{search.FTS_TABLE}%'"))
            docs = conn.scalar(text("SELECT sum(pgsize) FROM dbstat WHERE name = 'ticket_search'"))
            pairs = 0
    return {"index_mb": index / mb, "pairs_index_mb": pairs / mb, "documents_mb": docs / mb}


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


def time_queries(store: Store, qs: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    out = {}
    for kind, texts in qs.items():
        ms, found = [], 0
        for q in texts:
            t0 = time.perf_counter()
            with store.session() as s:
                rows, _more = desk_search(s, q, 50)
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
        if args.reuse:
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
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--block", type=int, default=50, help="lifecycles per block")
    ap.add_argument("--skip-pg", action="store_true")
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--reuse", action="store_true",
                    help="PostgreSQL: the queries again over the tickets an earlier run of the same --tickets "
                         "left in onestop_bench (no writing, no lifecycles; the text of the tickets its "
                         "lifecycles wrote is taken out of the search first)")
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
    if args.reuse:
        print(json.dumps({"tickets": args.tickets, "pg_search_p99_ms": round(max(
            q["p99_ms"] for q in results["pg"]["queries"].values()), 1), "reused": True,
            "pg_shared_buffers_mb": round(results["pg"]["server"]["shared_buffers_mb"]),
            "prewarmed": args.prewarm,
            "p99_ms_by_kind": {"pg": {k: round(v["p99_ms"], 1) for k, v in results["pg"]["queries"].items()}},
            "load_average": round(load_avg, 1)}))
        return
    line("write rows + documents s", lambda r: r["load"]["rows_s"], "{:.0f}")
    line("build the indexes s", lambda r: r["load"]["index_s"], "{:.0f}")
    line("  of which the pairs index s", lambda r: r["load"]["pairs_index_s"], "{:.0f}")
    for key, label in (("lifecycle", "accept → dispatch → done"), ("loop", "+ reply, note, comment")):
        line(f"{label}: lifecycles/s with", lambda r, k=key: r[k]["with_per_s"], "{:,.0f}")
        line("  without the index", lambda r, k=key: r[k]["without_per_s"], "{:,.0f}")
        line("  ratio (wall / CPU)", lambda r, k=key: f"{r[k]['ratio']:.3f} / {r[k]['cpu_ratio']:.3f}", "{}")

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
