"""The CTI listener: AMI client → call tracker → pops, wallboard figures and the call log.

This is the one listener both ``onestop serve`` and ``onestop cti replay`` run. It is a
runtime part (``start``/``stop``/``health``). Everything on the event path is synchronous and
quick; what may block (context lookups, storing a finished call) runs in worker threads.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cti.client import AmiClient, AmiError, OriginateResult
from cti.pops import PopBuilder
from cti.ports import CallSink, ContextLookup, OriginateSpec, PopPublisher, WallboardPublisher
from cti.protocol import Message
from cti.tracker import (
    CallFinished,
    CallRecord,
    CallStarted,
    CallTracker,
    CountersChanged,
    Operator,
    Pop,
    Snapshot,
    TrackerEvent,
)

log = logging.getLogger(__name__)


def operators_from_settings(ami: Any) -> list[Operator]:
    """``settings.ami.operators`` (interface, name, login) as tracker operators."""
    return [Operator(o.interface, o.name, o.login) for o in ami.operators]


class CtiListener:
    name = "cti"

    def __init__(self, client: AmiClient, tracker: CallTracker, *,
                 pops: PopPublisher | None = None, wallboard: WallboardPublisher | None = None,
                 sink: CallSink | None = None, context: ContextLookup | None = None,
                 tick_s: float = 1.0, clock: Callable[[], float] = time.time) -> None:
        self.client, self.tracker = client, tracker
        self.wallboard, self.sink, self.tick_s, self.clock = wallboard, sink, tick_s, clock
        self.pop_builder = PopBuilder(pops, context) if pops is not None else None
        self._sink_thread = ThreadPoolExecutor(1, thread_name_prefix="cti-calllog")
        self._sink_jobs: set[asyncio.Future[None]] = set()
        self._ticker: asyncio.Task[None] | None = None
        self.finished: list[CallRecord] = []  # the last ones, for health and the replay
        self.keep_finished = 1000
        self.stats = {"events": 0, "handler_errors": 0, "calls": 0, "pops": 0,
                      "reconciles": 0, "sink_errors": 0}
        self.on_record: list[Callable[[CallRecord], None]] = []
        # the operators' states after each change, with the time received (operators' time)
        self.on_counters: list[Callable[[dict[str, Any], float], None]] = []
        self.reconciled_login = 0  # the client's login count at the last reconcile
        client.subscribe(self.on_messages)
        client.on_ready(self.reconcile)

    @classmethod
    def from_settings(cls, ami: Any, *, context: ContextLookup | None = None,
                      pops: PopPublisher | None = None, wallboard: WallboardPublisher | None = None,
                      sink: CallSink | None = None, tick_s: float = 1.0,
                      extra_events: frozenset[str] = frozenset(),
                      **client_kw: Any) -> CtiListener:
        """Wire a listener from ``settings.ami``; ``client_kw`` overrides client options;
        ``extra_events``: what other subscribers of its client read (click-to-call's legs)."""
        tracker = CallTracker(ami.hotline_context, ami.hotline_extensions,
                              operators_from_settings(ami))
        client_kw.setdefault("events", tracker.wanted_events | extra_events)
        client_kw.setdefault("variables", tracker.variables)  # the tracker ignores other VarSets
        client = AmiClient.from_settings(ami, **client_kw)
        return cls(client, tracker, pops=pops, wallboard=wallboard, sink=sink, context=context,
                   tick_s=tick_s)

    # --- lifecycle -----------------------------------------------------------------

    async def start(self) -> None:
        await self.client.start()
        if self.wallboard is not None and self.tick_s > 0:
            self._ticker = asyncio.create_task(self._tick(), name="cti-wallboard-tick")

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)
        await self.client.stop()
        if self._sink_jobs:
            await asyncio.gather(*self._sink_jobs, return_exceptions=True)
        self._sink_thread.shutdown(wait=True)
        if self.pop_builder is not None:
            self.pop_builder.close()

    async def flush(self, timeout: float = 10.0) -> None:
        """Wait until everything received so far is handled and stored."""
        await self.client.drain(timeout)
        if self._sink_jobs:
            await asyncio.wait_for(asyncio.gather(*self._sink_jobs, return_exceptions=True), timeout)

    def health(self) -> dict[str, Any]:
        counters = self.tracker.counters(self.clock())
        return {**self.client.health(), **self.stats, "live_calls": len(self.tracker.calls),
                "calls_waiting": counters.calls_waiting}

    # --- the event path ------------------------------------------------------------

    def on_messages(self, msgs: list[Message], received_at: float) -> None:
        """The client's subscriber: every unsolicited message, in order."""
        handle = self.tracker.handle
        for msg in msgs:
            try:
                events = handle(msg, received_at)
            except Exception:
                self.stats["handler_errors"] += 1
                log.exception("CTI: tracker failed on %r; message skipped", msg)
                continue
            if events:
                self._emit(events, received_at)
        self.stats["events"] += len(msgs)

    def _emit(self, events: Sequence[TrackerEvent], received_at: float) -> None:
        for ev in events:
            try:
                if isinstance(ev, Pop):
                    self.stats["pops"] += 1
                    if self.pop_builder is not None:
                        self.pop_builder.pop(ev, received_at)
                elif isinstance(ev, CountersChanged):
                    if self.wallboard is not None:
                        self.wallboard.publish_wallboard(ev.payload())
                    for fn in self.on_counters:
                        fn(ev.operators, received_at)
                elif isinstance(ev, CallFinished):
                    self._finished(ev.record)
                elif isinstance(ev, CallStarted) and self.pop_builder is not None:
                    self.pop_builder.prefetch(ev.caller_num)
            except Exception:
                self.stats["handler_errors"] += 1
                log.exception("CTI: handling %s failed", type(ev).__name__)

    def _finished(self, record: CallRecord) -> None:
        self.stats["calls"] += 1
        self.finished.append(record)
        if len(self.finished) > self.keep_finished:
            del self.finished[: len(self.finished) - self.keep_finished]
        for fn in self.on_record:
            fn(record)
        if self.sink is not None:
            job = asyncio.get_running_loop().run_in_executor(self._sink_thread, self._store, record)
            self._sink_jobs.add(job)
            job.add_done_callback(self._sink_jobs.discard)

    def _store(self, record: CallRecord) -> None:
        assert self.sink is not None
        for attempt in range(3):
            try:
                self.sink.record_call(record)
                return
            except Exception as exc:
                self.stats["sink_errors"] += 1
                log.warning("CTI: storing call %s failed (attempt %d): %s", record.uniqueid,
                            attempt + 1, exc)
                time.sleep(0.2 * (attempt + 1))
        log.error("CTI: call %s not stored: %r", record.uniqueid, record.summary())

    async def _tick(self) -> None:
        """While callers wait, the longest wait grows: republish it every ``tick_s``."""
        assert self.wallboard is not None
        while True:
            await asyncio.sleep(self.tick_s)
            counters = self.tracker.counters(self.clock())
            if counters.calls_waiting:
                try:
                    self.wallboard.publish_wallboard(counters.payload())
                except Exception:
                    log.exception("CTI: wallboard publish failed")

    # --- reconcile -----------------------------------------------------------------

    async def reconcile(self, restarted: bool = False) -> None:
        """Ask Asterisk for live channels and queue state and repair the tracker's picture.

        The begin and end marks travel through the client's dispatch queue, so the snapshot
        is applied after exactly the events received before it (see ``CallTracker``)."""
        login = self.client.stats["logins"]
        self.client.enqueue_call(self.tracker.begin_reconcile)
        try:
            channels = await self.client.core_show_channels()
            queue = await self.client.queue_status()
        except AmiError as exc:
            log.warning("CTI: reconcile failed (%s); the picture may be stale until the next", exc)
            self.reconciled_login = login
            return
        snap = Snapshot(channels=channels,
                        queue_entries=[m for m in queue if m.event == "QueueEntry"],
                        queue_members=[m for m in queue if m.event == "QueueMember"])
        self.stats["reconciles"] += 1

        def apply() -> None:
            self._emit(self.tracker.end_reconcile(snap, self.clock()), self.clock())

        self.client.enqueue_call(apply)
        self.reconciled_login = login
        log.info("CTI: reconciled with %d channels, %d queue entries%s", len(channels),
                 len(snap.queue_entries), " after an Asterisk restart" if restarted else "")


class AmiOriginator:
    """Calls OneStop places: ``await originate(request)`` → answered | no_answer | busy |
    congestion | rejected | failed (survey call-backs); ``await place(request)`` → the
    ``OriginateResult`` with its reason (acknowledgement calls, click-to-call).

    ``request`` is anything shaped like ``OriginateSpec`` (the IVR's ``OriginateRequest``)."""

    def __init__(self, client: AmiClient) -> None:
        self.client = client

    @property
    def ready(self) -> bool:
        """Logged in to Asterisk: a call placed now can go out."""
        return self.client.ready

    async def originate(self, request: OriginateSpec) -> str:
        return (await self.place(request)).outcome

    async def place(self, request: OriginateSpec) -> OriginateResult:
        try:
            return await self.client.originate(
                request.channel, request.context, request.exten, request.priority,
                dict(request.variables), request.caller_id, request.timeout_s, request.action_id)
        except AmiError as exc:  # not connected, no answer to the action itself
            log.warning("CTI: originate %s failed: %s", request.action_id, exc)
            return OriginateResult(reason="", response="Error", channel=request.channel,
                                   message=f"AMI: {exc}"[:200])
