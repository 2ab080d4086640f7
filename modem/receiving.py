"""The receive loop of each modem (a part of ``SmsSender``): the workers' replies to the core,
and the delivery reports of the messages sent, a message delivered when every part is.

Incoming: read (sweep) → the core stores it (deduplicated by content and timestamp) →
only then deleted from the SIM. A crash in between re-reads it; the core recognises it.
Reports are applied to the outbox in batches (one transaction each); only once recorded are
their stored copies (+CDSI) deleted from the SIM — a report not recorded is offered again.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from queue import Empty, Queue
from typing import TYPE_CHECKING, TypeVar

from modem.gateway import DeliveryReport, InboundSms, ModemGateway
from modem.ports import InboundHandler, SmsOutbox
from modem.replies import Unparsed, parse_reply

if TYPE_CHECKING:
    from modem.sender import Lane

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Delivery:
    """One sent message awaiting its parts' reports; shared by every part's reference."""

    sms_id: int
    waiting: set[int]
    reports: list[DeliveryReport] = field(default_factory=list)  # parts' stored reports, acked with the last


class SmsReceiving:
    """Replies in, reports applied (mixed into ``SmsSender``, which owns the state below)."""

    outbox: SmsOutbox
    inbound: InboundHandler | None
    poll_s: float
    park_s: float
    report_batch: int
    report_batch_s: float
    stats: dict[str, int]
    _stop: threading.Event
    _gateways: dict[str, ModemGateway]
    _parts: dict[tuple[str, int], Delivery]
    _parts_lock: threading.Lock
    _parked: list[tuple[DeliveryReport, float]]
    _ready: list[tuple[DeliveryReport, Delivery | None]]
    _ready_since: float

    def _receive_loop(self, lane: Lane) -> None:
        gw = lane.gateway
        while not self._stop.is_set():
            gw.activity.wait(self._receive_wait())
            gw.activity.clear()  # before draining: what arrives from now on sets it again
            self._on_reports([(r, None) for r in _drain(gw.reports)])
            self._retry_parked()
            self._apply_reports()
            for sms in _drain(gw.inbound):
                self._on_inbound(gw, sms)
        self._apply_reports(force=True)

    def _receive_wait(self) -> float:
        with self._parts_lock:
            if not self._ready:
                return self.poll_s
            return max(0.0, min(self.poll_s, self._ready_since + self.report_batch_s - time.monotonic()))

    def _on_inbound(self, gw: ModemGateway, sms: InboundSms) -> None:
        if self.inbound is None:
            gw.reject(sms)
            return
        parsed = parse_reply(sms.text)
        reply, error = (None, parsed.reason) if isinstance(parsed, Unparsed) else (parsed, "")
        try:
            self.inbound.handle_inbound_sms(gw.name, sms.number, sms.text, reply, sms.received_at, error)
        except Exception:  # noqa: BLE001 - left on the SIM; the next sweep offers it again
            log.exception("inbound SMS from %s not stored; kept on the SIM", sms.number)
            gw.reject(sms)
            return
        self.stats["received"] += 1
        gw.acknowledge(sms)

    def _on_reports(self, reports: list[tuple[DeliveryReport, float | None]]) -> None:
        """Parts' reports: a message is delivered when every part is, failed on any failure.

        A report can overtake the bookkeeping of its own send (the modem answers +CMSS, then
        +CDS, before this thread has marked the row sent): an unknown reference is parked
        briefly, then passed to the outbox as it is (a restart forgot the parts). Whole
        messages' reports wait in ``_ready`` for ``_apply_reports``."""
        now = time.monotonic()
        with self._parts_lock:
            for report, parked_at in reports:
                entry = self._parts.pop((report.modem, report.reference), None)
                if entry is None and (parked_at is None or now - parked_at < self.park_s):
                    self._parked.append((report, parked_at or now))
                    continue
                if entry is not None and report.ok:
                    entry.waiting.discard(report.reference)
                    if entry.waiting:
                        entry.reports.append(report)  # more parts to come
                        continue
                if not self._ready:
                    self._ready_since = now
                if report.stored is not None:
                    self._ready_since = 0.0  # it takes SIM space (+CDSI): apply at once
                self._ready.append((report, entry))

    def _apply_reports(self, force: bool = False) -> None:
        """The reports of a batch to the outbox (one transaction when it has
        ``mark_delivered_many``); then, and only then, their stored copies (+CDSI) are deleted.
        Not recorded: kept on the SIM, offered again."""
        with self._parts_lock:
            due = self._ready and (force or len(self._ready) >= self.report_batch
                                   or time.monotonic() - self._ready_since >= self.report_batch_s)
            if not due:
                return
            batch, self._ready = self._ready, []
        by_modem: dict[str, list[tuple[DeliveryReport, Delivery | None]]] = {}
        for report, entry in batch:
            by_modem.setdefault(report.modem, []).append((report, entry))
        for modem, items in by_modem.items():
            applied = self._record_reports(modem, [r for r, _ in items])
            done, undone = items[:applied], items[applied:]
            self.stats["reports"] += len(done)
            gw = self._gateways.get(modem)
            with self._parts_lock:
                for r, entry in undone:
                    if entry is not None:
                        self._parts[(modem, r.reference)] = entry  # known again when it comes back
            if gw is None:
                continue
            for r, _ in undone:
                gw.reject_report(r)  # stored on the SIM: offered again by the next sweep
            for r, entry in done:
                for report in (*(entry.reports if entry else ()), r):
                    gw.acknowledge_report(report)  # applied: its stored copy (+CDSI) may go

    def _record_reports(self, modem: str, reports: list[DeliveryReport]) -> int:
        """How many of ``reports`` (from the first) the outbox has recorded."""
        many = getattr(self.outbox, "mark_delivered_many", None)
        recorded = 0
        try:
            if many is not None:
                many(modem, [(r.reference, r.number, r.ok) for r in reports])
                return len(reports)
            for r in reports:
                self.outbox.mark_delivered(modem, r.reference, r.number, r.ok)
                recorded += 1
        except Exception:  # noqa: BLE001 - a lost report costs a status, not a message
            log.exception("%d delivery reports from %s not recorded", len(reports) - recorded, modem)
        return recorded

    def _retry_parked(self) -> None:
        with self._parts_lock:
            parked, self._parked = self._parked, []
        if parked:
            self._on_reports([(report, since) for report, since in parked])


def _drain(q: Queue[T]) -> list[T]:
    out: list[T] = []
    while True:
        try:
            out.append(q.get_nowait())
        except Empty:
            return out

