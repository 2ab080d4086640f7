"""The desk's list, rendered once per change for every desk that shows the same page.

Every open desk reloads its list when a ticket changes anywhere (``web/static/desk.js``): on a
busy morning fifty desks ask for the same first page of open tickets within the same second,
and each rendering costs ~20 ms of the one process's CPU — the screen pops waited behind them
(``bench/flood.py``). A page of the list is the same for every desk that asks for it with the
same language, masking and (for "mine") log-in, until the store changes or a ticket on it
passes a time limit; so it is rendered once and the others get the same bytes.

**When the store changed.** A page is made at a mark: how many transactions with audit rows
this process has committed (``Store.audited_commits``), then where the audit log stands. Every command
writes its audit rows in its transaction, and the audit log's ids increase (``web/feed.py``
relies on the same): ``change_mark`` is the largest id and how many rows lie in the last
``WINDOW`` ids — on PostgreSQL a transaction that took its id before another's may commit
after it, which leaves the largest id as it was but adds a row to the window. The change feed
reads the same two figures on each poll, so a desk's request takes them from the feed, with no
statement and no thread: a command of this process moves the mark at once (its commit), one
of another process when the feed reads its audit rows — the moment the feed tells the desks,
which is when they reload. Before the feed's first poll the statement is read. The views
cached are those whose rows change only by commands (open tickets, mine); a page is kept no
longer than until the first time limit of a ticket on it runs out (its "overdue" mark) and at
most ``MAX_AGE_S``.

**Only one rendering at a time per page.** The desks ask together; the first renders while the
others wait for it (a lock per page) and then take its bytes, instead of fifty renderings
running side by side.

**Unchanged for this desk.** Each answer carries an ``ETag`` (a hash of the bytes); a desk that
sends it back in ``If-None-Match`` gets ``304`` and keeps its table — selection, focus and
scroll untouched. The bytes are never stored by the browser (``Cache-Control: no-store``, as
every page here: they hold callers' numbers).
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from ticketing.model import Ticket
from web.feed import LATE_WINDOW as WINDOW  # audit ids a late commit may lie behind the largest
from web.queries import time_limits

MAX_AGE_S = 60.0  # a page is rendered again at least this often, whatever happened
ENTRIES = 256  # pages kept (languages × masking × views × services × page numbers × "mine" log-ins)

Mark = tuple[int, ...]  # what the page was made at: ``Store.audited_commits``, then ``change_mark``'s


_MARK = (f"SELECT t.top, (SELECT count(*) FROM audit_log WHERE id > t.top - {WINDOW}) "
         "FROM (SELECT coalesce(max(id), 0) AS top FROM audit_log) AS t")


def change_mark(c: Connection) -> tuple[int, int]:
    """Where the store's changes stand: the largest audit id and the rows in the last ``WINDOW``
    ids (one statement, two reads of the primary key's index)."""
    top, recent = c.exec_driver_sql(_MARK).one()
    return int(top), int(recent)


def next_deadline(tickets: Iterable[Ticket], now: datetime) -> datetime | None:
    """The first instant from ``now`` on at which one of ``tickets`` becomes overdue
    (``web.queries.time_limits``), or None."""
    return min((limit for t in tickets for limit in time_limits(t) if limit >= now), default=None)


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str
    mark: Mark
    until: datetime
    frames: dict[str, bytes] = field(default_factory=dict, compare=False)  # its SSE frames, made once

    @staticmethod
    def of(body: bytes, mark: Mark, until: datetime) -> Rendered:
        return Rendered(body, '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"', mark, until)


class SharedPages:
    """Rendered pages by key, each good for one change mark until its ``until``."""

    def __init__(self, entries: int = ENTRIES) -> None:
        self.entries = entries
        self._pages: OrderedDict[Hashable, Rendered] = OrderedDict()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()
        self._flights: dict[tuple[Hashable, Mark], asyncio.Future[Rendered]] = {}  # on the event loop
        self.renders = 0  # how many renderings were made (the rest were shared)
        self.served = 0

    def _fresh(self, key: Hashable, mark: Mark, now: datetime) -> Rendered | None:
        with self._guard:
            page = self._pages.get(key)
            if page is None or now >= page.until:
                return None
            # a rendering made at this mark, or at a later one in every part (a desk that read
            # the mark a moment before another's change may have the newer page)
            if all(p >= m for p, m in zip(page.mark, mark, strict=True)):
                self._pages.move_to_end(key)
                return page
            return None

    def peek(self, key: Hashable, mark: Mark, now: datetime) -> Rendered | None:
        """The page for ``key`` if one was made at ``mark`` (or later), else None."""
        page = self._fresh(key, mark, now)
        if page is not None:
            self.served += 1
        return page

    def get(self, key: Hashable, mark: Mark, now: datetime,
            render: Callable[[], tuple[bytes, datetime | None]]) -> Rendered:
        """The page for ``key`` at ``mark``; ``render`` makes it (bytes, and the first instant a
        time limit changes it) when no desk has yet."""
        self.served += 1
        page = self._fresh(key, mark, now)
        if page is not None:
            return page
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            page = self._fresh(key, mark, now)  # made while this desk waited
            if page is not None:
                return page
            body, deadline = render()
            until = now + timedelta(seconds=MAX_AGE_S)
            page = Rendered.of(body, mark, min(until, deadline) if deadline else until)
            with self._guard:
                self.renders += 1
                self._pages[key] = page
                self._pages.move_to_end(key)
                while len(self._pages) > self.entries:
                    old, _ = self._pages.popitem(last=False)
                    self._locks.pop(old, None)
            return page

    async def shared(self, key: Hashable, mark: Mark, now: datetime,
                     render: Callable[[], tuple[bytes, datetime | None]]) -> Rendered:
        """:meth:`get` from the event loop: a page already made is answered at once; requests
        and streams that miss it together wait for one rendering in one worker thread (fifty
        desks' streams ask in the same instant: each waiting in a thread of its own on the
        page's lock held the pool's threads from every other request)."""
        page = self.peek(key, mark, now)
        if page is not None:
            return page
        flight = self._flights.get((key, mark))
        if flight is None:
            flight = asyncio.ensure_future(run_in_threadpool(self.get, key, mark, now, render))
            self._flights[(key, mark)] = flight
            flight.add_done_callback(lambda _: self._flights.pop((key, mark), None))
        else:
            self.served += 1
        return await asyncio.shield(flight)

    def stats(self) -> dict[str, Any]:
        return {"served": self.served, "rendered": self.renders, "kept": len(self._pages)}
