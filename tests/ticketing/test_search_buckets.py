"""Terms of three characters or more through the windows of buckets (PostgreSQL, migration
0019): the trigram index's first column is a piece's bucket (``id >> 22``: 4,096 tickets), and
the search asks for a window's buckets one by one, newest first.

The tickets here are written in groups, each in a bucket of its own (on PostgreSQL the
tickets' numbers jump 4,096 between groups), with the walk, the probe and a statement's
buckets made small (module settings), so that a term not among the newest tickets goes to
the buckets, a window at a time. The expected tickets are computed here from the texts the
test wrote, and every one is found by paging; on SQLite (no buckets, the numbers follow on)
the same pages hold."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from ticketing import search, search_plans
from ticketing.service import NewTicket, TicketService
from ticketing.store import Store

from .searching import every_page

GROUPS = 6  # buckets; the newest holds none of the terms below
PER_GROUP = 10
BIG = 1  # this group has 70 tickets: more matches in a bucket than a statement returns at once
STEP = 1 << (search_plans.BUCKET - 10)  # tickets in a bucket (a ticket's pieces: ticket × 1024 …)


def describe(group: int, n: int) -> str:
    parts = ["请处理"]
    if group < GROUPS - 1 and n % 2 == 0:
        parts.append("输液架松动")  # half of each older group's tickets
    if group in (0, 2) and n == 3:
        parts.append("负压吸引器漏气")  # two, in the oldest buckets
    if group == BIG:
        parts.append("床头灯不亮")  # one group's every ticket
    if group == GROUPS - 1 and n >= PER_GROUP - 4 or group == 0 and n == 5:
        parts.append("呼叫器失灵")  # the newest four tickets, and one of the oldest
    if group == GROUPS - 1 and n == PER_GROUP - 1 or group in (GROUPS - 2, GROUPS - 3):
        parts.append("监护仪报警")  # the newest ticket, and every one of the next two groups
    return "，".join(parts)


@pytest.fixture
def tickets(store: Store, service: TicketService, db_url: str) -> Iterator[dict[int, str]]:
    """Each ticket's text (what the test wrote) by its number."""
    pg = not db_url.startswith("sqlite")
    texts = {}
    for group in range(GROUPS):
        if pg and group:  # the group's first ticket opens a bucket
            with store.engine.begin() as conn:
                conn.execute(text("SELECT setval(pg_get_serial_sequence('ticket', 'id'), :n)"),
                             {"n": group * STEP})
        for n in range(70 if group == BIG else PER_GROUP):
            phone = f"1390{group}00{n:04d}"
            t = service.accept("li", NewTicket(service_type="repair", description=describe(group, n),
                                               reporter_name="王护士", reporter_phone=phone))
            texts[t.id] = f"{describe(group, n)}\n王护士 {phone}"
    if pg:
        with store.engine.begin() as conn:
            conn.execute(text("ANALYZE ticket_search"))
    else:
        with store.tx() as tx:
            while search.catch_up(tx, 100) == 100:
                pass
    names = ("WALK", "PROBE_MIN", "BUCKET_COST", "BRANCHES")
    kept = {n: getattr(search_plans, n) for n in names}
    search_plans.WALK, search_plans.PROBE_MIN, search_plans.BUCKET_COST, search_plans.BRANCHES = 4, 3, 0, 2
    yield texts
    for n, v in kept.items():
        setattr(search_plans, n, v)


def expected(texts: dict[int, str], q: str) -> list[int]:
    found = sorted((i for i, body in texts.items() if all(t in body for t in q.split())), reverse=True)
    if q.isdigit() and int(q) in texts:  # the ticket whose number was typed comes first
        found = [int(q)] + [i for i in found if i != int(q)]
    return found


QUERIES = ["输液架", "输液架松动", "架松动", "负压吸引器漏气", "床头灯不亮", "输液架 床头灯", "呼叫器失灵",
           "请处理", "王护士", "13900", "0002", "1390100", "监护仪报警"]


def test_every_match_is_found_by_paging_newest_first(store: Store, tickets: dict[int, str]) -> None:
    for q in QUERIES:
        want = expected(tickets, q)
        assert want, q
        assert every_page(store, q, size=3) == want, q
        assert every_page(store, q, size=50) == want, q


def test_the_groups_are_in_buckets_of_their_own(db_url: str, tickets: dict[int, str]) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's buckets")
    buckets = {(i * search.PIECES) >> search_plans.BUCKET for i in tickets}
    assert len(buckets) == GROUPS
    newest = sorted(tickets, reverse=True)[:PER_GROUP]
    assert not any("输液架" in tickets[i] or "床头灯" in tickets[i] for i in newest)  # the walk meets none
    assert len(expected(tickets, "床头灯不亮")) > 64  # a statement's rows (at least 64)


def fetched(s: object) -> int:
    """PostgreSQL: the pieces this transaction's scans have read from the table so far."""
    return int(s.execute(text(  # type: ignore[attr-defined]
        "SELECT pg_stat_get_xact_tuples_fetched('ticket_search'::regclass)")).scalar())


def test_a_window_reads_the_matches_of_its_buckets_only(store: Store, db_url: str,
                                                        tickets: dict[int, str]) -> None:
    """The first page of a term in five buckets, past the probe: the index gives the newest
    window's buckets' matches alone, and only they are read and checked — not every match in
    the store (as when the planner left a window's range of ids a filter)."""
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's buckets")
    want = expected(tickets, "输液架松动")
    assert len(want) == 4 * PER_GROUP // 2 + 35
    with store.session() as s:
        before = fetched(s)
        assert search.search(s, "输液架松动", 0, 2).ids == want[:2]
        read = fetched(s) - before
    # the walk's 4 pieces (and its edge's 4), the probe's 3, the newest window's 2 buckets' 5
    # matches: fewer than the term's 55 in the store
    assert read <= 4 + 4 + 3 + 2 * PER_GROUP // 2 < len(want)


def scans(s: object) -> int:
    """PostgreSQL: the scans of the trigram index this transaction has run so far."""
    return int(s.execute(text(  # type: ignore[attr-defined]
        f"SELECT pg_stat_get_xact_numscans('{search.PG_INDEX}'::regclass)")).scalar())


def test_a_term_the_newest_pieces_hold_but_few_older_ones_is_probed_after_one_window(
        store: Store, db_url: str, tickets: dict[int, str]) -> None:
    """呼叫器失灵: in every piece the walk read, so the probe is skipped for the windows; the
    first window gives nothing, and the probe of what is left finds its one older ticket —
    where the windows would have asked for each of the five older buckets."""
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's buckets")
    want = expected(tickets, "呼叫器失灵")
    assert len(want) == 5 and sorted(tickets, reverse=True)[:4] == want[:4]
    with store.session() as s:
        before = scans(s)
        assert search.search(s, "呼叫器失灵", 0, 7).ids == want
        assert scans(s) - before <= 2  # the window's one bucket, then the probe


def test_a_term_the_walk_met_once_asks_for_buckets_before_a_probe(
        store: Store, db_url: str, tickets: dict[int, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """监护仪报警: once in the pieces the walk read, so it may be rare (a probe of 15 here); but
    the first window's buckets (``FIRST``, here as many as a statement asks for) give the page,
    and the probe — which would have read 15 of its 20 older matches, the oldest first, only to
    learn that it is not rare — is not made."""
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's buckets")
    monkeypatch.setattr(search_plans, "PROBE_MIN", 15)
    want = expected(tickets, "监护仪报警")
    newest = sorted(tickets, reverse=True)[:search_plans.WALK]
    assert sum("监护仪报警" in tickets[i] for i in newest) == 1
    assert len(want) == 1 + 2 * PER_GROUP > search_plans.PROBE_MIN
    with store.session() as s:
        before = fetched(s)
        assert search.search(s, "监护仪报警", 0, 7).ids == want[:7]
        read = fetched(s) - before
    # the walk's pieces and the matches of the window's buckets, no more
    assert read <= search_plans.WALK + 2 * PER_GROUP
