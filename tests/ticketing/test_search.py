"""Full-text search (ticketing.search) on the suite's engine: Chinese substrings of every
length, numbers, notes and SMS replies, every year, ranking and paging, kept in step by the
commands, filled by the migration, and numbers refused to a search that may not see them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from ticketing import search, search_plans
from ticketing.fakes import FixedClock
from ticketing.lifecycle import IllegalTransition
from ticketing.search import NumberSearchRefused
from ticketing.service import NewTicket, TicketError, TicketService, WorkerReply
from ticketing.store import Store, alembic_config
from ticketing.store_upkeep import SearchIndexer

from .factories import small_hospital
from .searching import vm_steps

LEAK = "3号楼西侧卫生间水管漏水，地面积水严重"
COLD = "空调不制冷，病人投诉室温太高"
GAS = "氧气终端漏气，请尽快处理"


CAUGHT_UP = {"on": True}


@pytest.fixture(autouse=True, params=["indexed", "listed"])
def catching_up(request: pytest.FixtureRequest, db_url: str) -> Iterator[None]:
    """Every test twice on SQLite: the pieces moved into the index before each search, and
    left listed (the maintenance thread not yet run). PostgreSQL has one way."""
    if request.param == "listed" and not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's GIN index keeps its own pending list")
    CAUGHT_UP["on"] = request.param == "indexed"
    yield
    CAUGHT_UP["on"] = True


def catch_up(store: Store) -> None:
    with store.tx() as tx:
        while search.catch_up(tx, 100) == 100:
            pass


def find(store: Store, q: str, offset: int = 0, limit: int = 50, numbers: bool = True) -> list[int]:
    if CAUGHT_UP["on"]:
        catch_up(store)
    with store.session() as s:
        return search.search(s, q, offset, limit, numbers).ids


@pytest.fixture
def three(store: Store, service: TicketService) -> dict[str, int]:
    small_hospital(store)
    ids = {}
    for key, desc, loc, phone in (("leak", LEAK, "10305", "13912345678"), ("cold", COLD, "20101", "6123"),
                                  ("gas", GAS, "10306", "13700001111")):
        ids[key] = service.accept("li", NewTicket(service_type="repair", description=desc, location_code=loc,
                                                  reporter_name="张护士", reporter_phone=phone)).id
    return ids


@pytest.mark.parametrize(("q", "keys"), [
    ("漏水", ["leak"]), ("漏", ["gas", "leak"]), ("漏气", ["gas"]),  # one and two characters
    ("不制冷", ["cold"]), ("卫生间水管漏", ["leak"]), ("氧气终端漏气", ["gas"]),  # three and six
    ("水管漏气", []), ("空调 太高", ["cold"]), ("空调 漏水", []),  # every term must be there
    ("护士站", ["leak"]), ("心内科", ["gas", "leak"]), ("ICU", ["cold"]), ("icu", ["cold"]),  # places
    ("张护士", ["gas", "cold", "leak"]),
])
def test_chinese_substrings_of_every_length(store: Store, three: dict[str, int], q: str,
                                            keys: list[str]) -> None:
    assert find(store, q) == [three[k] for k in keys]


def test_numbers_whole_in_part_and_as_written(store: Store, three: dict[str, int]) -> None:
    leak = three["leak"]
    assert find(store, "13912345678") == [leak]
    assert find(store, "5678") == [leak]  # the last digits of a caller's number
    assert find(store, "139-1234-5678") == find(store, "+86 139 1234 5678") == [leak]
    assert find(store, "6123") == [three["cold"]]  # an extension
    assert find(store, "10306") == [three["gas"]]  # a location code
    assert find(store, f"#{leak}") == [leak]


def test_the_department_searched_is_the_ticket_s(store: Store, service: TicketService) -> None:
    """A ticket's department is the one the desk gave, else its location's: its name is found,
    the location's other department's is not."""
    small_hospital(store)
    own = service.accept("li", NewTicket(service_type="repair", description="门锁坏了", location_code="10305")).id
    given = service.accept("li", NewTicket(service_type="repair", description="门锁坏了", location_code="10305",
                                           org_code="D02")).id
    none = service.accept("li", NewTicket(service_type="repair", description="门锁坏了", org_code="T01")).id
    assert find(store, "门锁 心内科") == [own]  # 10305's department
    assert find(store, "门锁 ICU") == [given]
    assert find(store, "门锁 维修班") == [none]
    with pytest.raises(TicketError, match="location"):
        service.accept("li", NewTicket(service_type="repair", description="门锁坏了", location_code="99999"))
    with pytest.raises(TicketError, match="department"):
        service.accept("li", NewTicket(service_type="repair", description="门锁坏了", location_code="20101",
                                       org_code="D99"))


def test_one_character_reads_the_newest_tickets_and_says_where_it_stopped(
        store: Store, service: TicketService, monkeypatch: pytest.MonkeyPatch) -> None:
    """A term no index serves (one character) is looked for in the newest ``SCAN_TICKETS``
    tickets only, and the page names the oldest of them when there are older ones; a page it
    fills, a store no bigger than that, or two characters: every year, nothing named."""
    small_hospital(store)
    monkeypatch.setattr(search_plans, "SCAN_TICKETS", 3)
    ids = [service.accept("li", NewTicket(service_type="repair", description=d, location_code="10305")).id
           for d in ("鑫达送货", "灯不亮", "鑫达送水", "灯不亮", "灯不亮", "窗坏了")]
    newest = ids[-3:]

    def page(q: str, limit: int = 50) -> search.Page:
        if CAUGHT_UP["on"]:
            catch_up(store)
        with store.session() as s:
            return search.search(s, q, 0, limit, True)

    assert page("鑫") == search.Page([], False, newest[0])  # 鑫 is in tickets 1 and 3 only
    assert page("灯") == search.Page([ids[4], ids[3]], False, newest[0])
    assert page("灯", limit=1) == search.Page([ids[4]], True, None)  # the next page may say it
    assert page("鑫达") == search.Page([ids[2], ids[0]], False, None)
    assert page("鑫 送") == search.Page([], False, newest[0])  # every term one character
    assert page("鑫达 送") == search.Page([ids[2], ids[0]], False, None)  # the longest drives
    monkeypatch.setattr(search_plans, "SCAN_TICKETS", len(ids))
    assert page("鑫") == search.Page([ids[2], ids[0]], False, None)


def test_a_ticket_number_comes_first_then_the_newest(store: Store, service: TicketService) -> None:
    small_hospital(store)
    ids = [service.accept("li", NewTicket(service_type="repair", description=f"第{n}次 报修 2号楼",
                                          location_code="10305")).id for n in range(1, 6)]
    # "2": ticket 2 itself, then every ticket whose text holds a 2, newest first
    assert find(store, "2") == [2, *sorted((i for i in ids if i != 2), reverse=True)]
    assert find(store, "#2") == [2]
    assert find(store, "#99") == [] and find(store, "99") == []


def test_notes_sms_replies_and_comments_are_found(store: Store, service: TicketService,
                                                  clock: FixedClock, three: dict[str, int]) -> None:
    leak, cold, gas = three["leak"], three["cold"], three["gas"]
    service.dispatch("li", leak, ["W001"])
    service.handle_inbound_sms("m1", "13800000001", f"不能 {leak} 缺少三通配件", WorkerReply("cannot", leak, reason="缺少三通配件"),
                               clock.now())
    service.cancel("li", gas, "病人已出院，无需处理")
    service.dispatch("li", cold, ["W002"])
    service.complete("li", cold, [], "更换了压缩机电容")
    service.record_callback("li", cold, 5, "师傅态度很好")
    service.assess("manager", cold, "按时完成，合格")
    assert find(store, "三通配件") == [leak]  # the worker's SMS (and the release's reason)
    assert find(store, "已出院") == [gas]  # a cancel's reason
    assert find(store, "压缩机电容") == [cold]  # what was done
    assert find(store, "态度很好") == [cold]  # the reporter's comment at the call-back
    assert find(store, "合格") == [cold]  # the assessment
    # terms in different pieces of one ticket: its description and a worker's SMS
    assert find(store, "漏水 三通配件") == find(store, "三通 卫生间") == [leak]
    assert find(store, "三通配件 空调") == []


def test_a_ticket_with_more_notes_than_pieces(store: Store, service: TicketService,
                                              three: dict[str, int]) -> None:
    leak = three["leak"]
    with store.tx() as tx:
        for n in range(search.PIECES + 5):
            search.append(tx, leak, f"第{n}条备注")
    with store.engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM ticket_search WHERE ticket_id = :t"), {"t": leak})]
    assert len(ids) == search.PIECES and max(ids) == leak * search.PIECES + search.PIECES - 1
    assert find(store, f"第{search.PIECES + 4}条备注") == find(store, "第0条备注") == [leak]
    assert find(store, "备注 漏水") == [leak]


def test_a_strangers_sms_is_not_searchable(store: Store, service: TicketService, clock: FixedClock,
                                           three: dict[str, int]) -> None:
    leak = three["leak"]
    service.handle_inbound_sms("m1", "13911112222", f"完成 {leak} 广告推销", WorkerReply("done", leak), clock.now())
    assert find(store, "广告推销") == []
    # a worker's reply naming no ticket there is: stored, found by no ticket
    out = service.handle_inbound_sms("m1", "13800000001", "接单 999 马上到", WorkerReply("accept", 999), clock.now())
    assert out.outcome == "rejected" and find(store, "马上到") == []


def test_the_systems_own_notes_are_not_searchable(store: Store, service: TicketService,
                                                  three: dict[str, int]) -> None:
    leak = three["leak"]  # a mobile number: the requester is told of the dispatch and the end
    service.dispatch("li", leak, ["W001"])
    service.complete("li", leak, [], "更换角阀")
    notes = [e.note for e in service.get(leak).timeline if e.action in search.QUIET_NOTES]
    assert any(n.startswith("SMS to the requester") for n in notes)  # written down, not searched
    assert find(store, "requester") == find(store, "SMS") == find(store, "W001") == []
    assert find(store, "角阀") == [leak]


def test_an_edit_replaces_the_text_and_a_refused_command_leaves_none(
        store: Store, service: TicketService, three: dict[str, int]) -> None:
    leak = three["leak"]
    service.edit("li", leak, description="洗手池下水道堵塞", location_code="20101")
    assert find(store, "漏水") == [] and find(store, "下水道堵") == [leak]
    assert find(store, "ICU") == [three["cold"], leak]  # its new place
    with pytest.raises(TicketError):
        service.edit("li", leak, description="电梯困人", location_code="99999")
    assert find(store, "电梯困人") == []
    service.cancel("li", leak, "重复报修")
    with pytest.raises(IllegalTransition):
        service.cancel("li", leak, "第二次取消的理由")
    assert find(store, "第二次取消") == [] and find(store, "重复报修") == [leak]


def test_every_year_is_searched(store: Store, service: TicketService, clock: FixedClock) -> None:
    small_hospital(store)
    now = clock.now()
    clock.set(now - timedelta(days=3 * 365))
    old = service.accept("li", NewTicket(service_type="repair", description="配电箱跳闸", location_code="10305")).id
    clock.set(now)
    new = service.accept("li", NewTicket(service_type="repair", description="配电箱异响", location_code="10305")).id
    assert find(store, "配电箱") == [new, old]
    assert find(store, "跳闸") == [old]


def test_pages(store: Store, service: TicketService) -> None:
    small_hospital(store)
    ids = [service.accept("li", NewTicket(service_type="repair", description=f"灯管闪烁 {n}")).id
           for n in range(7)]
    newest = sorted(ids, reverse=True)
    find(store, "灯管")
    with store.session() as s:
        pages = [search.search(s, "灯管", off, 3) for off in (0, 3, 6)]
    assert [p.ids for p in pages] == [newest[:3], newest[3:6], newest[6:]]
    assert [p.has_more for p in pages] == [True, True, False]
    # the ticket whose number was typed stays on the first page only
    with store.session() as s:
        typed = [search.search(s, str(ids[0]), off, 2) for off in (0, 2)]
    holding = sorted((i for i in ids if str(ids[0]) in f"灯管闪烁 {i - ids[0]}"), reverse=True)
    assert typed[0].ids[0] == ids[0] and ids[0] not in typed[0].ids[1:] + typed[1].ids
    assert set(typed[0].ids[1:] + typed[1].ids) <= set(holding)


def test_wildcards_are_plain_characters(store: Store, service: TicketService) -> None:
    small_hospital(store)
    pct = service.accept("li", NewTicket(service_type="repair", description="湿度100%报警")).id
    service.accept("li", NewTicket(service_type="repair", description="湿度过高"))
    assert find(store, "100%") == [pct] and find(store, "%") == [pct]
    assert find(store, "_") == [] and find(store, '"湿度') == []


def test_a_search_that_may_not_see_numbers(store: Store, three: dict[str, int]) -> None:
    leak = three["leak"]
    assert find(store, "5678", numbers=False) == []  # digits: a ticket or location code only
    assert find(store, "10305", numbers=False) == [leak]  # the location's tickets
    assert find(store, f"#{leak}", numbers=False) == find(store, str(leak), numbers=False) == [leak]
    for q in ("电话5678", "139 1234", "305室"):
        with pytest.raises(NumberSearchRefused):
            find(store, q, numbers=False)
    assert find(store, "3号楼 漏水", numbers=False) == [leak]  # a digit or two is a place


def test_the_migration_fills_what_the_commands_wrote(store: Store, service: TicketService,
                                                     clock: FixedClock, three: dict[str, int]) -> None:
    leak, cold = three["leak"], three["cold"]
    service.dispatch("li", leak, ["W001"])
    service.handle_inbound_sms("m1", "13800000001", f"到达 {leak} 正在抢修", WorkerReply("arrived", leak), clock.now())
    service.complete("li", leak, [], "更换角阀")
    service.record_callback("li", leak, 4, "还算及时")
    service.cancel("li", cold, "误报")
    queries = ["漏水", "正在抢修", "角阀", "及时", "误报", "5678", "心内科", "ICU"]
    before = {q: find(store, q) for q in queries}
    kept = _documents(store)
    store.downgrade(_before_search(store))
    store.upgrade()
    assert {q: find(store, q) for q in queries} == before
    filled = _documents(store)
    assert filled == kept  # the same pieces (ids aside: the order of a ticket's notes may differ)
    assert {f"到达 {leak} 正在抢修", "更换角阀", "还算及时"} <= set(filled[leak])


def test_the_sqlite_index_agrees_with_the_text(store: Store, service: TicketService,
                                               three: dict[str, int]) -> None:
    if store.dialect != "sqlite":
        pytest.skip("FTS5 is SQLite's")
    service.edit("li", three["leak"], description="改过的描述")
    service.cancel("li", three["gas"], "取消")
    find(store, "改过")  # (moves what is listed into the index, when the test says so)
    with store.tx() as tx:
        listed = tx.one(f"SELECT count(*) FROM {search.PENDING}")[0]
    if listed:
        catch_up(store)
    with store.engine.begin() as conn:  # raises if the index and ticket_search disagree
        conn.exec_driver_sql(f"INSERT INTO {search.FTS_TABLE} ({search.FTS_TABLE}, rank) VALUES ('integrity-check', 1)")
        assert conn.scalar(text("SELECT count(DISTINCT ticket_id) FROM ticket_search")) == 3


def _documents(store: Store) -> dict[int, list[str]]:
    """Each ticket's pieces of text, sorted."""
    out: dict[int, list[str]] = {}
    with store.engine.connect() as conn:
        for tid, body in conn.execute(text("SELECT ticket_id, body FROM ticket_search ORDER BY body")):
            out.setdefault(int(tid), []).append(body)
    return out


def _before_search(store: Store) -> str:
    """The revision before the one that made the search tables (whatever its number)."""
    script = ScriptDirectory.from_config(alembic_config(store.engine))
    made = next(r for r in script.walk_revisions() if r.path.endswith("_ticket_search.py"))
    return str(made.down_revision)


def test_the_store_keeps_the_index_caught_up(store: Store, service: TicketService,
                                             three: dict[str, int]) -> None:
    if store.dialect != "sqlite":
        pytest.skip("SQLite's list of pieces not yet indexed")
    service.cancel("li", three["gas"], "已转急诊处理")
    with store.tx() as tx:
        assert tx.one(f"SELECT count(*) FROM {search.PENDING}")[0] >= 1 or CAUGHT_UP["on"]
    store.start_checkpointer(interval=0.01)
    deadline = time.monotonic() + 20
    while True:
        with store.tx() as tx:
            if tx.one(f"SELECT count(*) FROM {search.PENDING}")[0] == 0:
                break
        assert time.monotonic() < deadline, "the maintenance thread did not catch up"
        time.sleep(0.01)
    store.dispose()  # stops the thread
    assert find(store, "转急诊") == [three["gas"]]


def test_a_backlog_is_caught_up_in_short_transactions_that_let_commands_in(
        store: Store, service: TicketService, monkeypatch: pytest.MonkeyPatch) -> None:
    if store.dialect != "sqlite" or not CAUGHT_UP["on"]:
        pytest.skip("SQLite's maintenance thread, once")
    small_hospital(store)
    for i in range(80):  # a backlog: each ticket lists its pieces, nobody indexes them yet
        service.accept("li", NewTicket(service_type="repair", description=f"{i}号床头灯不亮",
                                       location_code="10305", reporter_name="张护士", reporter_phone="6123"))
    with store.tx() as tx:
        backlog = tx.one(f"SELECT count(*) FROM {search.PENDING}")[0]
    assert backlog >= 80
    events: list[tuple[str, int]] = []  # (who, pieces), in the order their transactions ended
    real = search.catch_up

    def recorded(tx: object, batch: int = 500) -> int:
        n = real(tx, batch)  # type: ignore[arg-type]
        events.append(("indexer", n))
        return n

    monkeypatch.setattr(search, "catch_up", recorded)
    # a budget no batch can keep: every transaction is the smallest; a long pause between two
    indexer = SearchIndexer(store, interval=0.01, budget_s=1e-9, pause_s=0.3)
    try:
        deadline = time.monotonic() + 20
        while not events:
            assert time.monotonic() < deadline, "the maintenance thread did not start"
            time.sleep(0.005)
        service.accept("li", NewTicket(service_type="repair", description="走廊灯不亮",
                                       location_code="10305", reporter_name="李护士", reporter_phone="6240"))
        events.append(("command", 0))
        while sum(n for who, n in events if who == "indexer") < backlog + 1:
            assert time.monotonic() < deadline, f"the backlog was not caught up: {events}"
            time.sleep(0.01)
    finally:
        indexer.stop()
    moved = [n for who, n in events if who == "indexer"]
    assert moved[0] == 50  # the first batch is small; then the budget brings it to the least
    assert all(n <= 10 for n in moved[1:])
    # the command did not wait for the whole backlog: it got the lock between two batches
    before = sum(n for who, n in events[:events.index(("command", 0))] if who == "indexer")
    assert 50 <= before < backlog
    assert find(store, "走廊灯") != []


def test_catching_up_reads_the_listed_pieces_not_every_piece(store: Store, service: TicketService) -> None:
    """The catch-up runs every tenth of a second: its work must follow the listed pieces, not
    the store's size (the planner, left to itself, scanned every piece for the few listed)."""
    if store.dialect != "sqlite" or not CAUGHT_UP["on"]:
        pytest.skip("SQLite's list of pieces, once")
    small_hospital(store)

    def steps_to_catch_up() -> int:
        with store.tx() as tx:
            steps = [0]

            def count() -> int:
                steps[0] += 1
                return 0

            tx.cur.connection.set_progress_handler(count, 1)  # every VM instruction
            search.catch_up(tx, 500)
            tx.cur.connection.set_progress_handler(None, 1)
        return steps[0]

    def one_piece_listed() -> int:
        service.accept("li", NewTicket(service_type="repair", description="床头灯不亮", location_code="10305",
                                       reporter_name="张护士", reporter_phone="6123"))
        return steps_to_catch_up()

    catch_up(store)
    small = one_piece_listed()
    with store.tx() as tx:  # 20,000 more pieces, indexed already
        tx.cur.executemany("INSERT INTO ticket_search (id, ticket_id, body) VALUES (?, ?, ?)",
                           [(10**9 + i, 1, f"{i}号病房呼叫器坏了") for i in range(20_000)])
    catch_up(store)
    with store.engine.begin() as conn:  # statistics of a caught-up store, as ANALYZE takes them
        conn.exec_driver_sql("ANALYZE")
    large = one_piece_listed()
    assert large < small * 2, (small, large)  # not 20,000 rows' worth more


def test_a_search_reads_the_listed_pieces_not_every_piece(store: Store, service: TicketService) -> None:
    """A search reads the pieces not yet in the index beside the index: by the list, not by
    reading every piece of text in the store."""
    if store.dialect != "sqlite" or not CAUGHT_UP["on"]:
        pytest.skip("SQLite's list of pieces, once")
    small_hospital(store)

    def steps_to_search() -> int:
        steps, found = vm_steps(store, "不亮了")
        assert found, "the listed ticket is found"
        return steps

    service.accept("li", NewTicket(service_type="repair", description="床头灯不亮了", location_code="10305",
                                   reporter_name="张护士", reporter_phone="6123"))
    small = steps_to_search()
    with store.tx() as tx:  # 20,000 more pieces, indexed, none of them a match
        tx.cur.executemany("INSERT INTO ticket_search (id, ticket_id, body) VALUES (?, ?, ?)",
                           [(10**9 + i, 1, f"{i}号病房呼叫器坏了") for i in range(20_000)])
    catch_up(store)
    with store.engine.begin() as conn:  # statistics of a caught-up store, as ANALYZE takes them
        conn.exec_driver_sql("ANALYZE")
    service.accept("li", NewTicket(service_type="repair", description="走廊灯不亮了", location_code="10305",
                                   reporter_name="张护士", reporter_phone="6123"))
    assert steps_to_search() < small * 3
