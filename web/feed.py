"""The change feed: ticket changes made anywhere (web, worker SMS, IVR, time-limit sweeps)
reach the live pages, and the wallboard figures are refreshed.

The audit log is append-only with an increasing id, so "what changed since id N" is one
primary-key range read; this works whichever process made the change. Every step of a ticket
has its audit row (the timeline is read from them), so the audit log alone names every ticket
that moved.

PostgreSQL hands out the ids when rows are inserted, not when they commit: a transaction that
took id 100 may commit after another's 101 was read. So each poll reads back the last
``LATE_WINDOW`` ids too and publishes any it had not seen.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any

from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from ticketing.model import AuditLog, Ticket
from ticketing.stats import wallboard
from web.deps import WebDeps
from web.live import LiveHub
from web.queries import open_by_building, ticket_row
from web.wallboard import queue_panel, today_by_hour

log = logging.getLogger(__name__)
LATE_WINDOW = 256  # audit ids a late commit may lie behind the largest one read


class ChangeFeed:
    def __init__(self, deps: WebDeps, tz: Any) -> None:
        self.deps, self.tz = deps, tz
        self.hub: LiveHub = deps.hub
        self._last_audit: int | None = None  # None: not marked yet (the store was away)
        self._recent: set[int] = set()  # the ids read within LATE_WINDOW of the last
        self._sent: OrderedDict[int, int] = OrderedDict()  # ticket id → version already published

    def start_marks(self) -> None:
        with self.deps.store.reading() as s:
            last = s.scalar(select(func.max(AuditLog.id))) or 0
            self._recent = set(s.scalars(select(AuditLog.id).where(AuditLog.id > last - LATE_WINDOW)))
            self._last_audit = last

    def mark(self) -> tuple[int, int] | None:
        """Where the audit log stood at the last poll — its largest id and the ids read within
        ``LATE_WINDOW`` of it (as ``web.listcache.change_mark`` reads them) — or None before
        the first."""
        last, recent = self._last_audit, self._recent
        return None if last is None else (last, len(recent))

    def publish(self, ticket: dict[str, Any]) -> None:
        """Publish a ticket unless this version was already sent."""
        tid, version = ticket["id"], ticket.get("version", 0)
        if self._sent.get(tid) == version:
            return
        self._sent[tid] = version
        self._sent.move_to_end(tid)
        while len(self._sent) > 5000:
            self._sent.popitem(last=False)
        self.hub.publish_ticket(ticket)

    def poll_once(self) -> int:
        """Publish every ticket changed since the last poll; returns how many."""
        if self._last_audit is None:
            self.start_marks()
            return 0
        with self.deps.store.reading() as s:
            last = self._last_audit
            read = s.execute(select(AuditLog.id, AuditLog.entity, AuditLog.entity_key).where(
                AuditLog.id > last - LATE_WINDOW).order_by(AuditLog.id).limit(LATE_WINDOW + 2000)).all()
            fresh = [(i, e, k) for i, e, k in read if i > last or i not in self._recent]
            if read:
                last = max(last, read[-1][0])
                self._last_audit = last
                self._recent = {i for i, _e, _k in read if i > last - LATE_WINDOW}
            ids = {int(k) for _i, e, k in fresh if e == "ticket" and k.isdigit()}
            if not ids:
                return 0
            now = self.deps.clock.now()
            rows = [ticket_row(t, self.deps.settings.language, False, now)
                    for t in s.scalars(select(Ticket).where(Ticket.id.in_(ids)))]
        for row in rows:
            self.publish(row)
        return len(rows)

    def wallboard_figures(self) -> dict[str, Any]:
        """The ticket figures, the queue panel (``web.wallboard``'s contract) and today by
        the hour."""
        now = self.deps.clock.now()
        with self.deps.store.reading() as s:
            figures = wallboard(s, now, self.tz)
            figures["by_building"] = open_by_building(s)
            queue = queue_panel(s, now, self.tz, self.hub.last_cti,
                                self.deps.settings.telephony.service_level_s)
            hourly = today_by_hour(s, now, self.tz)
        return {"tickets": figures, "queue": queue, "hourly": hourly}

    def periodic(self, figures: dict[str, Any]) -> dict[str, Any]:
        """What the periodic refresh sends: the queue panel without telephony's live keys —
        those travel in telephony's own events, and a snapshot taken a moment earlier must not
        overwrite a newer state on the screens."""
        live = set(self.hub.last_cti) | {"calls_waiting", "longest_wait_s", "operators", "logged_in", "available"}
        return {**figures, "queue": {k: v for k, v in figures["queue"].items() if k not in live}}

    async def run(self) -> None:
        """Poll forever (cancelled at shutdown); a failing poll is logged, never fatal.
        The app marks where the feed starts before it serves (``start_marks``)."""
        tick = 0.0
        while True:
            await asyncio.sleep(self.deps.feed_interval_s)
            tick += self.deps.feed_interval_s
            try:
                changed = await run_in_threadpool(self.poll_once)
                # on a change only for the streams that show the figures (the desks' do not)
                if (changed and self.hub.wants("wallboard")) or tick >= self.deps.wallboard_interval_s:
                    tick = 0.0
                    if self.hub.clients():
                        self.hub.publish_wallboard(self.periodic(await run_in_threadpool(self.wallboard_figures)))
            except Exception:  # the database may be briefly away; try again next tick
                log.exception("change feed: poll failed")
