"""Every way the search looks a term up gives the same pages, on the suite's engine.

A store of 120 tickets is too small for the walks and windows of a million: the first stretch
of the walk and the index's least probe are made small (module settings), so that each way is
taken — on PostgreSQL a common term filled by the walk, a term found in the first stretch and
looked for in windows of ids, a rare one whose every match the index gives, one past the probe
then in windows, the same three ways for two characters through the index of pairs (migration
0018), one character walked to the oldest piece; on SQLite the trigram index and the scan, with
the pieces in the index and still listed. The expected tickets are computed here from the texts
the test wrote, and every one of them is found by paging."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from ticketing import search, search_plans
from ticketing.search import NumberSearchRefused
from ticketing.service import NewTicket, TicketService
from ticketing.store import Store

from .searching import every_page

N = 120
NAME = "王护士"


def describe(n: int) -> str:
    parts = ["请处理"]
    if n % 2 == 0:
        parts.append("灯管闪烁")  # every second ticket: a page fills in the first stretch
    if n % 9 == 0:
        parts.append("呼叫器失灵")  # ticket 117 is among the newest eight: found by the walk
    if n % 11 == 1:
        parts.append("输液架松动")  # none among the newest eight: past the probe, then windows
    if n in (3, 60):
        parts.append("负压吸引器漏气")  # two: the index gives all
    if n == 5:
        parts.append("冒烟")  # two characters, once, in an old ticket: the index of pairs
    if n in (7, 30):
        parts.append("ICU门禁")  # letters with a case: cu, Cu find it as ICU does
    return "，".join(parts)


def phone(n: int) -> str:
    return f"1390000{n:04d}"


@pytest.fixture
def tickets(store: Store, service: TicketService) -> Iterator[dict[int, str]]:
    """n → the ticket's id; its text (what the test wrote) by id."""
    texts = {}
    for n in range(1, N + 1):
        t = service.accept("li", NewTicket(service_type="repair", description=describe(n),
                                           reporter_name=NAME, reporter_phone=phone(n)))
        texts[t.id] = f"{describe(n)}\n{NAME} {phone(n)}"
    if store.dialect == "postgresql":  # the store's size, which the plans read from its statistics
        with store.engine.begin() as conn:
            conn.execute(text("ANALYZE ticket_search"))
    kept = search_plans.WALK, search_plans.PROBE_MIN, search_plans.BUCKET_COST
    # BUCKET_COST 0: the probe of three characters is PROBE_MIN too, not √(its cost × page)
    search_plans.WALK, search_plans.PROBE_MIN, search_plans.BUCKET_COST = 8, 3, 0
    yield texts
    search_plans.WALK, search_plans.PROBE_MIN, search_plans.BUCKET_COST = kept


def expected(texts: dict[int, str], q: str) -> list[int]:
    terms = [t.lower() for t in q.split()]  # as the engines' LIKE: ASCII letters in either case
    found = sorted((i for i, body in texts.items() if all(t in body.lower() for t in terms)), reverse=True)
    if q.isdigit() and int(q) in texts:  # the ticket whose number was typed comes first
        found = [int(q)] + [i for i in found if i != int(q)]
    return found


def caught_up(store: Store) -> None:
    with store.tx() as tx:
        while search.catch_up(tx, 100) == 100:
            pass


QUERIES = ["灯管", "灯管闪烁", "呼叫器", "呼叫器失灵", "输液架", "输液架松动", "负压吸引器漏",
           "负压吸引器漏气", "冒烟", "失灵", "漏气", "灯管 呼叫器", "输液架 灯管闪烁", "冒烟 请处理",
           "王护士", "13900000060", "0060", "0000", "60", "117", "请处理 负压吸引器", "输液", "吸引",
           "cu", "Cu", "ICU", "门禁", "冒", "烟"]


@pytest.mark.parametrize("indexed", [True, False], ids=["indexed", "listed"])
def test_every_way_finds_every_match_newest_first(store: Store, db_url: str, tickets: dict[int, str],
                                                  indexed: bool) -> None:
    if not indexed and not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's GIN index keeps its own pending list")
    if indexed:
        caught_up(store)
    for q in QUERIES:
        want = expected(tickets, q)
        assert want, q  # each query finds something
        assert every_page(store, q) == want, q
        assert every_page(store, q, size=50) == want, q  # the desk's page


def test_the_counts_behind_the_ways(tickets: dict[int, str]) -> None:
    """The texts take each way on PostgreSQL (with WALK 8 and PROBE_MIN 3, BUCKET_COST 0): checked here on
    the texts themselves, so that a change of them cannot quietly skip a way."""
    newest = sorted(tickets, reverse=True)[:search_plans.WALK]
    in_newest = {q: sum(q in tickets[i] for i in newest) for q in ("灯管", "呼叫器", "输液架", "负压吸引器")}
    assert in_newest["灯管"] >= 4 and in_newest["呼叫器"] == 1 and in_newest["输液架"] == 0
    assert in_newest["负压吸引器"] == 0
    assert len(expected(tickets, "输液架")) > search_plans.PROBE_MIN > len(expected(tickets, "负压吸引器"))
    assert len(expected(tickets, "灯管")) > 50 and len(expected(tickets, "冒烟")) == 1


def test_a_viewer_gets_the_same_pages_of_words(store: Store, tickets: dict[int, str]) -> None:
    caught_up(store)
    for q in ("呼叫器", "冒烟", "输液架 灯管闪烁"):
        assert every_page(store, q, numbers=False) == expected(tickets, q)
    with pytest.raises(NumberSearchRefused):
        every_page(store, "王护士 0060", numbers=False)


def pair_scans(s: object) -> int:
    """PostgreSQL: the scans of the index of pairs this connection has not yet reported (they
    only grow within a transaction)."""
    return int(s.execute(text(f"SELECT pg_stat_get_xact_numscans('{search.PG_PAIRS}'::regclass)")).scalar())  # type: ignore[attr-defined]


def test_a_pair_the_walk_did_not_find_is_looked_up_in_the_index_of_pairs(
        store: Store, db_url: str, tickets: dict[int, str]) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's index")
    with store.session() as s:
        before = pair_scans(s)
        assert search.search(s, "冒烟", 0, 50).ids == expected(tickets, "冒烟")  # not in the newest 8
        assert pair_scans(s) > before
    with store.session() as s:  # a common pair: the walk's first stretch fills the page
        before = pair_scans(s)
        assert search.search(s, "灯管", 0, 3).ids == expected(tickets, "灯管")[:3]
        assert pair_scans(s) == before


PAIRS_OF = ["负压吸引器漏气", "ICU门禁\n王护士 13900000007", "Ab", "a", "", "呼叫器失灵 ", "x\ty z"]


def test_the_pairs_of_a_text_are_every_two_characters_in_a_row(store: Store, db_url: str) -> None:
    """``ticket_search_pairs`` against the pairs computed here: every two characters in a row,
    lower-cased (the longer or shorter keys it also gives are never asked for)."""
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's function")
    with store.session() as s:
        for body in PAIRS_OF:
            got = s.execute(text("SELECT ticket_search_pairs(:b)"), {"b": body}).scalar()
            low = body.lower()
            assert {k for k in got if len(k) == 2} == {low[i:i + 2] for i in range(len(low) - 1)}, body
