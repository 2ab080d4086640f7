"""The desk's telephony, wired: click-to-call, the operator's queue controls, the operators'
time and the live queue figures — the web's ``Telephony`` port (``web/api/telephony.py``) on
the AMI client and the core.

Everything here runs on the center's event loop; what touches the store runs in a thread
(the operators' time in one of its own, in order).
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

from config.settings import OperatorMap
from cti.activity import Activity, OperatorClock
from cti.client_actions import AmiError
from cti.desk_actions import QueueResult, queue_add, queue_pause, queue_remove, queue_summary
from cti.outbound import EVENTS as OUTBOUND_EVENTS
from cti.outbound import OutboundLegs
from cti.queuefigures import QueueFigures
from onestop.core import Core

log = logging.getLogger(__name__)

__all__ = ["OUTBOUND_EVENTS", "DeskTelephony"]


class DeskTelephony:
    """``listener``: the CTI part's ``CtiListener`` (its client places the calls and its
    events follow them); ``originator``: its ``AmiOriginator``."""

    def __init__(self, core: Core, listener: Any, originator: Any) -> None:
        self.core, self.listener, self.originator = core, listener, originator
        self.tel = core.settings.telephony
        self.legs = OutboundLegs(self.tel.desk_context)
        listener.client.subscribe(self.legs.handle)
        self._tasks: set[asyncio.Future[Any]] = set()
        # a click-to-call's legs, stored in the order their events came (one thread)
        self._legs_thread = ThreadPoolExecutor(1, thread_name_prefix="desk-call-legs")
        # the operators' time: from the tracker's counters and finished calls, stored in order
        self.clock = OperatorClock(self.tel.wrapup_s)
        self._store_thread = ThreadPoolExecutor(1, thread_name_prefix="operator-time")
        listener.on_counters.append(lambda ops, t: self._store(self.clock.counters(ops, t)))
        listener.on_record.append(self._call_finished)
        self.stored = 0
        # today's live queue figures, published with the wallboard's
        self.figures = QueueFigures(core.settings.timezone, self.tel.service_level_s)
        self.seeded = False

    # --- the port ------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return bool(self.originator.ready)

    def operator(self, login: str) -> OperatorMap | None:
        """The queue member and phone of a desk log-in (``[[ami.operators]]``)."""
        return next((o for o in self.core.settings.ami.operators if o.login == login), None)

    def click_to_call(self, call_id: int, action_id: str, extension: str, number: str,
                      ticket_id: int) -> None:
        """Ring ``extension`` (the operator), then dial ``number``; what happens is recorded
        on the ticket as it happens. Returns at once."""
        task = asyncio.get_running_loop().create_task(
            self._click_to_call(call_id, action_id, extension, number, ticket_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(self._store_thread, lambda: None)

    def tick(self) -> None:
        """Close the wrap-ups whose time is up."""
        self._store(self.clock.tick(time.time()))

    async def run(self, every_s: float = 2.0) -> None:
        """While the AMI listener runs (the CTI part starts and stops it with the listener):
        today's figures from the call log first, then the wrap-ups' end and Asterisk's
        ``QueueSummary`` every ``[telephony] summary_poll_s``."""
        await self.seed()
        last_poll = 0.0
        while True:
            try:
                self.tick()
                if time.monotonic() - last_poll >= self.tel.summary_poll_s:
                    last_poll = time.monotonic()
                    await self.poll_summary()
            except Exception:
                log.exception("telephony: periodic work failed")
            await asyncio.sleep(min(every_s, self.tel.summary_poll_s))

    # --- live queue figures --------------------------------------------------------------

    async def seed(self) -> None:
        """Today's answered and abandoned calls so far, from the call log."""
        from datetime import datetime, timedelta
        from datetime import time as dtime

        from ticketing.calls import queue_day

        now = self.core.clock.now()
        day = self.figures.today(now)
        start = datetime.combine(day, dtime(0), self.figures.tz)

        def read() -> dict[str, Any]:
            with self.core.store.reading() as s:
                return queue_day(s, start, start + timedelta(days=1), self.tel.service_level_s)

        try:
            got = await asyncio.to_thread(read)
        except Exception:
            log.exception("queue figures: today's calls could not be read; counting from now")
            return
        self.figures.seed(day, got["answered"], got["in_sl"], got["abandoned"], got["uniqueids"])
        self.seeded = True
        self.publish()

    async def poll_summary(self) -> None:
        if not self.listener.client.ready:
            return
        try:
            summaries = [q for q in await queue_summary(self.listener.client, self.tel.queue)
                         if q.queue == self.tel.queue]
        except AmiError as exc:
            log.debug("QueueSummary: %s", exc)
            return
        if summaries and self.figures.summary(summaries[0].logged_in, summaries[0].available):
            self.publish()

    def figures_now(self) -> dict[str, Any]:
        """The queue panel's figures now (``GET /api/queue``)."""
        counters = self.listener.tracker.counters(time.time())
        out = self.figures.payload(self.core.clock.now(), counters.payload())
        out["operators"] = counters.operators
        return out

    def publish(self) -> None:
        if self.listener.wallboard is not None:
            self.listener.wallboard.publish_wallboard(self.figures_now())

    def _call_finished(self, record: Any) -> None:
        self._store(self.clock.call(record))
        if self.figures.call(record):
            self.publish()

    def close(self) -> None:
        self._store_thread.shutdown(wait=True)
        self._legs_thread.shutdown(wait=True)

    # --- the operator's queue controls -----------------------------------------------------

    async def queue_action(self, action: str, op: OperatorMap, reason: str = "") -> tuple[bool, str]:
        """``login`` (QueueAdd), ``logout`` (QueueRemove), ``pause`` with a reason code,
        ``unpause`` (QueuePause) for one operator; (done, Asterisk's message)."""
        client, queue = self.listener.client, self.tel.queue
        try:
            if action == "login":
                result: QueueResult = await queue_add(client, queue, op.interface, op.name)
            elif action == "logout":
                result = await queue_remove(client, queue, op.interface)
            elif action in ("pause", "unpause"):
                result = await queue_pause(client, queue, op.interface, action == "pause", reason)
            else:
                raise ValueError(f"unknown queue action {action!r}")
        except AmiError as exc:
            return False, str(exc)
        log.info("queue %s %s (%s): %s %s", action, op.interface, reason, result.ok, result.message)
        return result.ok, result.message

    # --- the operators' time -------------------------------------------------------------

    def _store(self, items: list[Activity]) -> None:
        if not items:
            return
        from ticketing.operator_time import record_activity

        def write() -> None:
            try:
                with self.core.store.session() as s:
                    self.stored += record_activity(s, items)
            except Exception:
                log.exception("operators' time: %d intervals not stored", len(items))

        self._store_thread.submit(write)

    # --- click-to-call -------------------------------------------------------------------

    async def _click_to_call(self, call_id: int, action_id: str, extension: str, number: str,
                             ticket_id: int) -> None:
        service = self.core.service
        request = SimpleNamespace(
            action_id=action_id, channel=self.tel.operator_channel.format(extension=extension),
            context=self.tel.desk_context, exten=number, priority=1,
            variables={"TICKET_ID": str(ticket_id), "OUTBOUND_CALL": str(call_id)},
            timeout_s=self.tel.desk_ring_s, caller_id=self.tel.desk_caller_id)
        self.legs.placing()
        try:
            result = await self.originator.place(request)
            await asyncio.to_thread(service.desk_call_result, call_id, "operator", result.outcome,
                                    "" if result.outcome == "answered" else result.detail, result.uniqueid)
            if result.outcome == "answered" and result.uniqueid:
                loop = asyncio.get_running_loop()

                def far(outcome: str, detail: str) -> None:
                    self._later(loop, service.desk_call_result, call_id, "far", outcome, detail)

                def end(talk_s: int | None) -> None:
                    self._later(loop, service.desk_call_result, call_id, "ended", "", "", "", talk_s)

                self.legs.watch(result.uniqueid, far, end)
            log.info("click-to-call %s (ticket %s): operator %s %s", call_id, ticket_id, extension,
                     result.outcome)
        except Exception:
            log.exception("click-to-call %s (ticket %s) failed", call_id, ticket_id)
        finally:
            self.legs.done()

    def _later(self, loop: asyncio.AbstractEventLoop, fn: Any, *args: Any) -> None:
        """Store off the event path (the legs' callbacks run on the AMI dispatcher), one after
        the other in the order the events came: when the number answered and hung up within
        moments (or both events came before the call was watched), its end must not be
        stored first, or the call is recorded unanswered."""
        def store() -> None:
            try:
                fn(*args)
            except Exception:
                log.exception("click-to-call: %s%r not stored", getattr(fn, "__name__", fn), args)

        fut = loop.run_in_executor(self._legs_thread, store)
        self._tasks.add(fut)
        fut.add_done_callback(self._tasks.discard)
