"""The search bench's store: five years of tickets in the desk's words, written in bulk.

``history`` makes the tickets of ``bench/search.py`` — a description in the words of the desk,
the reporter's name and number, the place and department, and for finished tickets what was
done, the worker's SMS replies and the reporter's comment — with their pieces of text as the
commands would have written them; ``load`` writes them and then builds the index in one go (as
the migration does over existing tickets); ``samples`` reads back the tickets the queries are
drawn from; ``sizes`` is what the index and the pieces take. ``bench/search_catchup.py`` writes
its backlog with the same pieces.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from ticketing import search, search_plans
from ticketing.seed.history import TICKET_COLUMNS, write_tickets
from ticketing.store import Store

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
        orgs = {code: name for code, name in conn.execute(text("SELECT code, name FROM org_unit"))}
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
            trigger = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'ticket_search_ai'")).scalar_one()
            conn.execute(text("DROP TRIGGER ticket_search_ai"))
    t0 = time.perf_counter()
    for rows, docs in history(store, n):
        write_tickets(store, rows)
        write_docs(store, docs)
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


def write_docs(store: Store, docs: list[tuple[int, int, str]]) -> None:
    """Pieces of text (id, ticket id, body) in bulk: COPY on PostgreSQL, one transaction on SQLite."""
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
