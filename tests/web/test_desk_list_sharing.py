"""The desk's list is rendered once per change for every desk showing the same page
(``web/listcache.py``), and a desk whose list has not changed gets 304."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.fakes import PlainComposer
from ticketing.model import AuditLog, Ticket
from ticketing.service import NewTicket, TicketService
from ticketing.store import Store
from web import sessions
from web.listcache import SharedPages, change_mark, next_deadline

from .conftest import Web


def ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-id="(\d+)"', html)]


def shared(web: Web) -> SharedPages:
    return web.client.app.state.web.lists  # type: ignore[attr-defined, no-any-return]


def test_desks_on_the_same_page_share_one_rendering_until_the_store_changes(web: Web) -> None:
    svc = web.deps.service
    first = svc.accept("operator", NewTicket(service_type="repair", location_code="10305")).id
    op, disp = web.login("operator"), web.new_client()
    web.login("dispatcher", client=disp)
    before = shared(web).renders

    a, b = op.get("/desk/list"), disp.get("/desk/list")
    assert a.status_code == b.status_code == 200 and ids(a.text) == ids(b.text) == [first]
    assert a.headers["etag"] == b.headers["etag"] and a.text == b.text
    assert a.headers["cache-control"] == "no-store"  # callers' numbers: never kept by the browser
    assert shared(web).renders == before + 1  # two desks, one rendering

    # nothing changed: the ETag sent back gets 304 and no body
    again = disp.get("/desk/list", headers={"If-None-Match": a.headers["etag"]})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == a.headers["etag"]
    assert shared(web).renders == before + 1
    # transactions that change no ticket (a poll of the outbox, the search index's catch-up)
    # write no audit row, and leave the page as it was made
    with web.deps.store.tx() as tx:
        tx.one("SELECT count(*) FROM ticket")
    with web.deps.store.session() as s:  # a session's last use
        sessions.touch(s, 1, web.deps.clock.now())
    assert disp.get("/desk/list", headers={"If-None-Match": a.headers["etag"]}).status_code == 304
    assert shared(web).renders == before + 1

    second = svc.accept("operator", NewTicket(service_type="cleaning", location_code="10305")).id
    c = op.get("/desk/list", headers={"If-None-Match": a.headers["etag"]})
    assert c.status_code == 200 and ids(c.text) == [second, first] and c.headers["etag"] != a.headers["etag"]
    d = disp.get("/desk/list", headers={"If-None-Match": a.headers["etag"]})
    assert d.status_code == 200 and d.text == c.text
    assert shared(web).renders == before + 2


def test_each_language_view_and_operator_has_its_own_page(web: Web) -> None:
    svc = web.deps.service
    mine = svc.accept("operator", NewTicket(service_type="repair", location_code="10305")).id
    theirs = svc.accept("dispatcher", NewTicket(service_type="repair", location_code="10305")).id
    op, disp, manager = web.login("operator"), web.new_client(), web.new_client()
    web.login("dispatcher", client=disp)
    web.login("manager", client=manager)  # English (conftest)

    zh, en = op.get("/desk/list").text, manager.get("/desk/list").text
    assert ids(zh) == ids(en) == [theirs, mine]
    assert "维修" in zh and "维修" not in en and "Repair" in en
    assert ids(op.get("/desk/list?view=mine").text) == [mine]
    assert ids(disp.get("/desk/list?view=mine").text) == [theirs]
    assert ids(op.get("/desk/list?service=cleaning").text) == []


def test_a_ticket_turns_overdue_on_the_shared_page_when_its_time_limit_passes(web: Web) -> None:
    svc = web.deps.service
    t = svc.accept("operator", NewTicket(service_type="repair", location_code="10305"))
    assert t.response_due is not None and t.response_due > web.deps.clock.now()
    op = web.login("operator")
    row = re.compile(rf'<tr data-id="{t.id}" tabindex="0" class="([^"]*)"')
    assert "overdue" not in row.search(op.get("/desk/list").text).group(1)  # type: ignore[union-attr]
    web.deps.clock.advance(seconds=(t.response_due - web.deps.clock.now()).total_seconds() + 1)  # type: ignore[attr-defined]
    # no command ran, the store is as it was: the page's own deadline made it stale
    assert "overdue" in row.search(op.get("/desk/list").text).group(1)  # type: ignore[union-attr]


def test_the_mark_moves_when_a_transaction_commits_an_audit_row_below_the_largest_id(store: Store) -> None:
    """PostgreSQL hands out ids when rows are inserted, not when they commit: a slower
    transaction's row can land below the largest id already seen."""
    with store.read_connection() as c:
        top, recent = change_mark(c)
    row = {"at": datetime.now(UTC), "actor": "test", "entity": "ticket", "entity_key": "1",
           "action": "note", "before": None, "after": None}
    with store.session() as s:
        s.execute(insert(AuditLog).values(id=top + 10, **row))
    with store.read_connection() as c:
        assert change_mark(c) == (top + 10, recent + 1)
    with store.session() as s:  # the late one, below the largest
        s.execute(insert(AuditLog).values(id=top + 5, **row))
    with store.read_connection() as c:
        assert change_mark(c) == (top + 10, recent + 2)


def test_the_next_deadline_is_the_first_time_limit_still_ahead() -> None:
    now = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)

    def ticket(status: str, response: int | None, completion: int | None, accepted: bool) -> Ticket:
        return Ticket(status=status, response_due=now + timedelta(minutes=response) if response is not None else None,
                      completion_due=now + timedelta(minutes=completion) if completion is not None else None,
                      worker_accepted_at=now if accepted else None)

    assert next_deadline([], now) is None
    # not accepted: the response limit counts; accepted: only the completion limit
    assert next_deadline([ticket("dispatched", 15, 120, False)], now) == now + timedelta(minutes=15)
    assert next_deadline([ticket("in_progress", 15, 120, True)], now) == now + timedelta(minutes=120)
    # limits already past no longer change the page; finished tickets are never overdue
    assert next_deadline([ticket("dispatched", -5, 60, False)], now) == now + timedelta(minutes=60)
    assert next_deadline([ticket("done", 5, 10, False)], now) is None
    assert next_deadline([ticket("accepted", 30, 240, False), ticket("dispatched", 20, 90, False)],
                         now) == now + timedelta(minutes=20)


def test_desks_asking_at_once_wait_for_the_one_rendering() -> None:
    pages = SharedPages()
    now = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    release, renders = threading.Event(), []

    def render() -> tuple[bytes, datetime | None]:
        renders.append(1)
        assert release.wait(10)
        return b"<table>1</table>", None

    got: list[bytes] = []
    threads = [threading.Thread(target=lambda: got.append(pages.get("k", (7, 3), now, render).body))
               for _ in range(20)]
    for th in threads:
        th.start()
    deadline = time.monotonic() + 10
    while pages.served < 20 and time.monotonic() < deadline:  # every desk has asked
        time.sleep(0.001)
    release.set()
    for th in threads:
        th.join(10)
    assert len(renders) == 1 and got == [b"<table>1</table>"] * 20
    # a later change, or the page's age, renders again; an older mark takes the newer page
    assert pages.get("k", (8, 4), now, lambda: (b"2", None)).body == b"2"
    assert pages.get("k", (7, 3), now, lambda: (b"3", None)).body == b"2"
    assert pages.get("k", (8, 4), now + timedelta(seconds=61), lambda: (b"4", None)).body == b"4"
    # a page with a ticket's time limit ahead is kept until that instant, no longer
    soon = now + timedelta(seconds=10)
    assert pages.get("d", (8, 4), now, lambda: (b"x", soon)).body == b"x"
    assert pages.get("d", (8, 4), soon - timedelta(seconds=1), lambda: (b"y", None)).body == b"x"
    assert pages.get("d", (8, 4), soon, lambda: (b"y", None)).body == b"y"


def test_the_pages_kept_are_bounded() -> None:
    pages = SharedPages(entries=3)
    now = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    for k in range(10):
        pages.get(k, (1, 1), now, lambda k=k: (str(k).encode(), None))  # type: ignore[misc]
    assert pages.stats()["kept"] == 3
    assert pages.get(9, (1, 1), now, lambda: (b"new", None)).body == b"9"  # kept: the newest
    assert pages.get(0, (1, 1), now, lambda: (b"new", None)).body == b"new"  # dropped: the oldest


def test_a_change_made_by_another_process_shows_once_the_feed_has_read_it(
        web: Web, catalog: Catalog, calendar: BusinessCalendar) -> None:
    """The page's mark is this process's commits and where the change feed last read the
    audit log: a command of another process (its own store on the same database) changes
    neither until the feed reads its audit rows — then the next load has the ticket."""
    store = web.deps.store
    if store.engine.url.database in (None, "", ":memory:"):
        pytest.skip("another process needs a database file or server")
    feed = web.client.app.state.web.feed  # type: ignore[attr-defined]
    op = web.login("operator")
    feed.poll_once()
    before = op.get("/desk/list")
    other = Store(store.engine.url.render_as_string(hide_password=False))
    try:
        elsewhere = TicketService(other, web.deps.clock, catalog, calendar, PlainComposer()).accept(
            "dispatcher", NewTicket(service_type="repair", location_code="10305")).id
    finally:
        other.dispose()
    assert elsewhere not in ids(op.get("/desk/list").text)  # the feed has not read it yet
    assert feed.poll_once() == 1  # the feed publishes it to the desks, which reload:
    after = op.get("/desk/list", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and elsewhere in ids(after.text)
