"""The outboxes the adapters drain: SMS to send, slips to print, survey calls to place.

Rows are *leased*: ``claim`` marks them in flight until ``lease_until``; a sender that dies
leaves the lease to run out and the row becomes due again, so nothing is lost. What is sent
is recorded before the lease is released, so nothing is sent twice by a healthy sender.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, or_, select, update
from sqlalchemy.orm import Session

from ticketing.audit import audit
from ticketing.model import Base, PrinterState, PrintJob, SmsOut, SurveyCall
from ticketing.ports import Clock
from ticketing.store import Store
from ticketing.tx import Record, Tx

SMS_OUT: Table = Base.metadata.tables["sms_outbox"]


@dataclass(frozen=True)
class Backoff:
    base_s: float = 5.0
    cap_s: float = 600.0
    max_attempts: int = 5

    def delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.cap_s, self.base_s * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class OutgoingSms:
    id: int
    number: str
    text: str
    kind: str
    ticket_id: int | None
    staff_code: str
    attempts: int


@dataclass(frozen=True)
class PrintJobView:
    id: int
    ticket_id: int | None
    printer: str
    kind: str
    language: str
    snapshot: dict[str, Any]
    attempts: int
    reprint: bool = False  # an earlier attempt was never confirmed: print it marked 补打


@dataclass(frozen=True)
class SurveyView:
    id: int
    ticket_id: int
    number: str
    attempts: int


def _claimable(model: Any, now: datetime, due_statuses: tuple[str, ...]) -> Any:
    # Due rows, plus rows whose printer or caller died holding the lease (the SMS outbox says
    # the same in its own SQL: ``SmsOutbox._claim``).
    return or_(
        (model.status.in_(due_statuses)) & (model.due_at <= now),
        (model.status.in_(("printing", "calling"))) & (model.lease_until < now),
    )


def _record_failure(row: Any, error: str, retry: bool, backoff: Backoff, now: datetime) -> str:
    """A failed attempt on a leased row: due again after the backoff, or failed for good."""
    row.error, row.lease_until = error[:500], None
    if retry and row.attempts < backoff.max_attempts:
        row.status, row.due_at = "retry", now + backoff.delay(row.attempts)
    else:
        row.status = "failed"
    return str(row.status)


def _lock_rows(stmt: Any, s: Session) -> Any:
    # PostgreSQL: two senders skip each other's rows; SQLite serialises writers anyway.
    return stmt.with_for_update(skip_locked=True) if s.get_bind().dialect.name == "postgresql" else stmt


class SmsOutbox:
    def __init__(self, store: Store, clock: Clock, backoff: Backoff | None = None,
                 lease: timedelta = timedelta(minutes=2)) -> None:
        self.store, self.clock = store, clock
        self.backoff = backoff or Backoff()
        self.lease = lease

    # The senders' per-message path (claim, sent, sent-and-claim) is hand-written SQL on a
    # ``Tx``: four modems' threads share one interpreter with the serial ports' readers, and the
    # ORM's unit of work per message was what stood between a modem's answer and its next PDU.

    def claim(self, modem: str, limit: int = 1) -> list[OutgoingSms]:
        now = self.clock.now()
        with self.store.tx() as tx:
            return self._claim(tx, modem, limit, now)

    def mark_sent(self, sms_id: int, references: list[int], parts: int) -> None:
        now = self.clock.now()
        with self.store.tx() as tx:
            self._mark_sent(tx, sms_id, references, parts, now)

    def sent_and_claim(self, sms_id: int, references: list[int], parts: int, modem: str,
                       limit: int = 1) -> list[OutgoingSms]:
        """``mark_sent`` and then ``claim`` in ONE transaction: a busy modem costs the store one
        commit per message, not two. The row is sent once this returns, as with ``mark_sent``."""
        now = self.clock.now()
        with self.store.tx() as tx:
            self._mark_sent(tx, sms_id, references, parts, now)
            return self._claim(tx, modem, limit, now) if limit > 0 else []

    def _claim(self, tx: Tx, modem: str, limit: int, now: datetime) -> list[OutgoingSms]:
        # due rows, plus rows whose sender died holding the lease (as ``_claimable`` for the
        # other queues); PostgreSQL: two senders skip each other's rows, SQLite serialises
        # writers anyway
        at = tx.at(now)
        rows = tx.records(SMS_OUT, "(status IN ('queued', 'retry') AND due_at <= ?)"
                          " OR (status = 'sending' AND lease_until < ?) ORDER BY due_at, id LIMIT ?",
                          (at, at, limit), lock=True, skip_locked=True)
        for r in rows:
            r.status, r.modem, r.lease_until = "sending", modem, now + self.lease
            r.attempts += 1
        return [_outgoing(r) for r in rows]

    @staticmethod
    def _mark_sent(tx: Tx, sms_id: int, references: list[int], parts: int, now: datetime) -> None:
        r = tx.get(SMS_OUT, sms_id)
        if r is None or r.status in ("sent", "delivered"):
            return
        r.status, r.references, r.parts, r.sent_at, r.lease_until = "sent", list(references), parts, now, None
        r.error = ""

    def mark_failed(self, sms_id: int, error: str, retry: bool) -> str:
        """Record a failed attempt; returns the new status (retry or failed)."""
        now = self.clock.now()
        with self.store.session() as s:
            r = s.get(SmsOut, sms_id)
            if r is None:
                return "missing"
            if _record_failure(r, error, retry, self.backoff, now) == "failed":
                audit(s, now, "modem", "sms_outbox", r.id, "failed", None, {"error": r.error})
            return r.status

    def release(self, sms_id: int) -> None:
        """Give a claimed row back untouched (the modem never started on it)."""
        with self.store.session() as s:
            r = s.get(SmsOut, sms_id)
            if r is not None and r.status == "sending":
                r.status, r.lease_until, r.attempts = "queued", None, max(0, r.attempts - 1)

    def mark_delivered(self, modem: str, reference: int, number: str, ok: bool) -> int | None:
        """Match a delivery report to the newest sent message from ``modem`` holding ``reference``
        (references wrap at 255, so the newest wins). Returns the message id."""
        return self.mark_delivered_many(modem, [(reference, number, ok)])[0]

    def mark_delivered_many(self, modem: str, reports: Sequence[tuple[int, str, bool]]) -> list[int | None]:
        """``mark_delivered`` for several (reference, number, ok) in one transaction: one look
        at the newest sent messages (ids and references only), one update per match."""
        now = self.clock.now()
        matched: list[int | None] = []
        with self.store.session() as s:
            candidates = s.execute(select(SmsOut.id, SmsOut.references)
                                   .where(SmsOut.modem == modem, SmsOut.status == "sent")
                                   .order_by(SmsOut.sent_at.desc(), SmsOut.id.desc()).limit(200)).all()
            taken: set[int] = set()
            for reference, _number, ok in reports:
                sms_id = next((i for i, refs in candidates if i not in taken and reference in (refs or [])), None)
                matched.append(sms_id)
                if sms_id is None:
                    continue
                taken.add(sms_id)
                values: dict[str, Any] = ({"status": "delivered", "delivered_at": now} if ok else
                                          {"status": "failed", "error": "delivery report: not delivered"})
                s.execute(update(SmsOut).where(SmsOut.id == sms_id, SmsOut.status == "sent").values(**values))
        return matched

    def counts(self) -> dict[str, int]:
        with self.store.session() as s:
            return dict(s.execute(select(SmsOut.status, func.count()).group_by(SmsOut.status)).all())


def _outgoing(r: Record) -> OutgoingSms:
    return OutgoingSms(r.id, r.number, r.text, r.kind, r.ticket_id, r.staff_code, r.attempts)


class PrintQueue:
    """Slips to print. A printer worker names itself (``worker``: the printer and its host, the
    same after a restart) when it claims; it calls ``mark_sending`` just before the first byte
    goes out and ``mark_printed`` once the printer has it all. A job claimed again while its
    last attempt is unconfirmed (sent, never marked printed nor failed: the process died in
    between) is a *reprint*: its view says so, the slip carries a 补打 / REPRINT mark, and
    ``mark_printed`` puts a ``reprint`` step on the ticket's timeline. ``resume`` gives a
    restarted worker its own ``printing`` jobs back at once instead of after the lease."""

    def __init__(self, store: Store, clock: Clock, backoff: Backoff | None = None,
                 lease: timedelta = timedelta(minutes=2)) -> None:
        self.store, self.clock = store, clock
        self.backoff = backoff or Backoff(base_s=2.0, cap_s=120.0, max_attempts=20)
        self.lease = lease

    def claim(self, printer: str, limit: int = 1, worker: str = "") -> list[PrintJobView]:
        now = self.clock.now()
        with self.store.session() as s:
            rows = s.scalars(_lock_rows(
                select(PrintJob).where(PrintJob.printer == printer,
                                       _claimable(PrintJob, now, ("queued", "retry")))
                .order_by(PrintJob.due_at, PrintJob.id).limit(limit), s)).all()
            for r in rows:
                r.status, r.lease_until, r.worker = "printing", now + self.lease, worker[:120]
                r.attempts += 1
                r.reprint = r.reprint or r.sent_at is not None
            return [PrintJobView(r.id, r.ticket_id, r.printer, r.kind, r.language, dict(r.snapshot),
                                 r.attempts, r.reprint) for r in rows]

    def resume(self, printer: str, worker: str) -> int:
        """``worker`` (re)starts: the jobs it left ``printing`` are due again now, not when
        their lease runs out. Returns how many."""
        now = self.clock.now()
        with self.store.session() as s:
            result = s.execute(update(PrintJob).where(
                PrintJob.printer == printer, PrintJob.status == "printing",
                PrintJob.worker == worker[:120]).values(status="retry", due_at=now, lease_until=None))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def mark_sending(self, job_id: int) -> None:
        """The attempt is about to send: from now on it is unconfirmed until printed or failed."""
        now = self.clock.now()
        with self.store.session() as s:
            s.execute(update(PrintJob).where(PrintJob.id == job_id, PrintJob.status == "printing")
                      .values(sent_at=now))

    def mark_printed(self, job_id: int) -> None:
        now = self.clock.now()
        with self.store.session() as s:
            r = s.get(PrintJob, job_id)
            if r is not None and r.status != "printed":
                r.status, r.printed_at, r.lease_until, r.error = "printed", now, None, ""
                if r.reprint and r.ticket_id is not None:
                    audit(s, now, "printer", "ticket", r.ticket_id, "reprint", None,
                          {"note": f"{r.printer}: 补打 / reprint, an earlier attempt was not "
                                   f"confirmed (job {r.id}, attempt {r.attempts})"})

    def mark_failed(self, job_id: int, error: str, retry: bool) -> str:
        now = self.clock.now()
        with self.store.session() as s:
            r = s.get(PrintJob, job_id)
            if r is None:
                return "missing"
            r.sent_at = None  # the printer refused this attempt: it is not unconfirmed
            return _record_failure(r, error, retry, self.backoff, now)

    def reprint(self, job_id: int) -> int:
        """Queue a copy of an earlier job (same snapshot)."""
        now = self.clock.now()
        with self.store.session() as s:
            old = s.get(PrintJob, job_id)
            if old is None:
                raise KeyError(f"no print job {job_id}")
            job = PrintJob(ticket_id=old.ticket_id, printer=old.printer, kind=old.kind,
                           language=old.language, snapshot=dict(old.snapshot), status="queued",
                           attempts=0, due_at=now, created_at=now, error="")
            s.add(job)
            s.flush()
            return job.id

    def set_printer_status(self, printer: str, status: dict[str, Any]) -> None:
        now = self.clock.now()
        with self.store.session() as s:
            row = s.get(PrinterState, printer)
            if row is None:
                s.add(PrinterState(name=printer, status=dict(status), updated_at=now))
            else:
                row.status, row.updated_at = dict(status), now

    def printer_status(self) -> dict[str, dict[str, Any]]:
        with self.store.session() as s:
            return {r.name: dict(r.status, updated_at=r.updated_at.isoformat())
                    for r in s.scalars(select(PrinterState))}


class SurveyQueue:
    """Satisfaction call-backs due for an outbound call; after ``max_attempts`` unanswered
    calls the ticket goes to the operators' manual call-back list."""

    def __init__(self, store: Store, clock: Clock, retry_after: timedelta = timedelta(hours=2),
                 max_attempts: int = 3, lease: timedelta = timedelta(minutes=5)) -> None:
        self.store, self.clock = store, clock
        self.retry_after, self.max_attempts, self.lease = retry_after, max_attempts, lease

    def claim_due(self, limit: int = 1) -> list[SurveyView]:
        now = self.clock.now()
        with self.store.session() as s:
            rows = s.scalars(_lock_rows(select(SurveyCall).where(
                _claimable(SurveyCall, now, ("scheduled", "retry")))
                .order_by(SurveyCall.due_at).limit(limit), s)).all()
            for r in rows:
                r.status, r.lease_until, r.updated_at = "calling", now + self.lease, now
                r.attempts += 1
            return [SurveyView(r.id, r.ticket_id, r.number, r.attempts) for r in rows]

    def mark_calling(self, survey_id: int, action_id: str) -> None:
        with self.store.session() as s:
            r = s.get(SurveyCall, survey_id)
            if r is not None:
                r.action_id = action_id[:40]

    def mark_result(self, survey_id: int, score: int | None, outcome: str) -> str:
        """``outcome``: answered | no_answer | busy | failed. A score is stored by
        ``TicketService.record_callback``; this records the call's fate."""
        now = self.clock.now()
        with self.store.session() as s:
            r = s.get(SurveyCall, survey_id)
            if r is None:
                return "missing"
            r.outcome, r.updated_at, r.lease_until = outcome[:20], now, None
            if r.status == "done" or score is not None:
                r.status = "done"
            elif r.attempts < self.max_attempts:
                r.status, r.due_at = "retry", now + self.retry_after
            else:
                r.status = "manual"
            return r.status

    def manual_list(self) -> list[SurveyView]:
        with self.store.session() as s:
            return [SurveyView(r.id, r.ticket_id, r.number, r.attempts) for r in
                    s.scalars(select(SurveyCall).where(SurveyCall.status == "manual")
                              .order_by(SurveyCall.updated_at))]

