"""The ticket commands' front door: ``TicketService``, one method per command.

Each method is one transaction that writes the ticket, its audit rows (which are also its
timeline: ``ticketing.views.timeline``), the statistics rollup and its outbox rows (SMS, print
job, survey call) together — so a crash between the write and the send neither loses nor
doubles a side effect. The work itself is done by the handlers in ``ticketing/commands/``,
one module per capability (its ``__init__`` lists them); this module opens the transaction,
calls the handler and hands out the plain view. The names callers import from here (inputs,
errors, ``suggest_workers``…) are defined there and re-exported.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.audit import audit
from ticketing.commands import approval, closing, intake
from ticketing.commands.approval import decide, require_ready
from ticketing.commands.base import (
    ASSIGNMENT,
    SMS_IN,
    SPARE_PART,
    STAFF,
    TICKET,
    TICKET_PART,
    CommandContext,
    NewTicket,
    ReplyOutcome,
    ServiceOptions,
    TicketError,
    TicketNotFound,
    WorkerReply,
)
from ticketing.commands.closing import schedule_survey
from ticketing.commands.intake import caller_directory_entry
from ticketing.commands.outbound import (
    explain,
    message_data,
    notify_staff,
    queue_print,
    queue_sms,
    slip_snapshot,
)
from ticketing.commands.rows import (
    active_assignments,
    add_note,
    assignment,
    end_assignment,
    is_assigned,
    load,
    require_staff,
    staff_by_phone,
    transition,
)
from ticketing.lifecycle import OPEN, Action, IllegalTransition, Status, next_status
from ticketing.model import Assignment, Staff
from ticketing.phone import normalise_number
from ticketing.stats import bump_daily
from ticketing.tx import Record, Tx
from ticketing.views import TicketView, ticket_detail, ticket_view

__all__ = ["NewTicket", "ReplyOutcome", "ServiceOptions", "TicketError", "TicketNotFound",
           "TicketService", "WorkerReply", "caller_directory_entry", "suggest_workers"]


class TicketService(CommandContext):
    """The ticket commands. Each runs in one ``Tx`` (``ticketing/tx.py``): tickets, assignments
    and the rows a command appends are read and written with hand-written SQL; the ORM session
    of the same transaction serves the few reads that want the models (menus, suggestions).
    Built with the store, clock, catalog, calendar, SMS composer and options
    (``CommandContext``), which the handlers read."""

    # --- intake (ticketing/commands/intake.py) --------------------------------------------

    def accept(self, actor: str, new: NewTicket) -> TicketView:
        """受理: create a ticket owned by ``actor`` (first-contact responsibility)."""
        with self.tx() as tx:
            return ticket_view(intake.accept(self, tx, actor, new))

    def edit(self, actor: str, ticket_id: int, **changes: Any) -> TicketView:
        with self.tx() as tx:
            return ticket_view(intake.edit(self, tx, actor, ticket_id, changes))

    def link_call(self, ticket_id: int, uniqueid: str, actor: str = "system") -> None:
        with self.tx() as tx:
            intake.link_call(self, tx, ticket_id, uniqueid, actor)

    def get(self, ticket_id: int) -> TicketView:
        """The ticket with its workers, parts, calls and timeline."""
        with self.tx() as tx:
            return ticket_detail(tx, load(tx, ticket_id, lock=False))

    # --- dispatch and field work ----------------------------------------------------------

    def dispatch(self, actor: str, ticket_id: int, staff_codes: list[str],
                 printer: str | None = None, print_slip: bool = True) -> TicketView:
        """派发: offer the ticket to workers by SMS and print a work slip."""
        with self.tx() as tx:
            return ticket_view(self._dispatch(tx, actor, ticket_id, staff_codes, printer, print_slip))

    def worker_accept(self, actor: str, ticket_id: int, staff_code: str) -> TicketView:
        with self.tx() as tx:
            return ticket_view(self._worker_accept(tx, actor, ticket_id, staff_code))

    def start(self, actor: str, ticket_id: int, staff_code: str = "") -> TicketView:
        """承办: the worker is on site."""
        with self.tx() as tx:
            return ticket_view(self._start(tx, actor, ticket_id, staff_code))

    def complete(self, actor: str, ticket_id: int, parts: list[tuple[str, int]] | None = None,
                 note: str = "") -> TicketView:
        """办结: the work is done; spare parts are booked and the call-back is scheduled."""
        with self.tx() as tx:
            return ticket_view(self._complete(tx, actor, ticket_id, parts or [], note))

    def release(self, actor: str, ticket_id: int, staff_code: str, reason: str) -> TicketView:
        """A worker cannot do it: back to accepted for another dispatch once nobody is left."""
        with self.tx() as tx:
            return ticket_view(self._release(tx, actor, ticket_id, staff_code, reason))

    def reprint(self, actor: str, ticket_id: int, printer: str | None = None) -> int:
        with self.tx() as tx:
            t = load(tx, ticket_id, lock=False)
            name = printer or self.options.default_printer
            job_id = queue_print(self, tx, t, name)
            add_note(tx, t, "reprint", actor, name)
            return job_id

    def resend_order(self, actor: str, ticket_id: int) -> list[int]:
        """Send the work order again to every worker still on the ticket."""
        with self.tx() as tx:
            t = load(tx, ticket_id)
            ids = [notify_staff(self, tx, t, a.staff_code, "work_order", {})
                   for a in active_assignments(tx, t.id)]
            add_note(tx, t, "resend", actor, f"{len(ids)} SMS")
            return ids

    def slip_snapshot(self, tx: Tx, t: Record, kind: str = "slip", workers: list[Any] | None = None,
                      data: dict[str, Any] | None = None) -> dict[str, Any]:
        """What a work slip of ``t`` prints (``ticketing.commands.outbound.slip_snapshot``)."""
        return slip_snapshot(self, tx, t, kind, workers, data)

    # --- worker replies by SMS ------------------------------------------------------------

    def handle_inbound_sms(self, modem: str, number: str, text: str, reply: WorkerReply | None,
                           received_at: datetime, parse_error: str = "") -> ReplyOutcome:
        """Store an incoming SMS and act on it only if its sender may: one transaction.

        The same message read twice (a sweep of the SIM after a crash) is recognised and not
        acted on again.
        """
        digest = hashlib.sha256(f"{modem}|{number}|{received_at.isoformat()}|{text}".encode()).hexdigest()
        with self.tx() as tx:
            seen = tx.record(SMS_IN, "dedupe_key = ?", (digest,))
            if seen is not None:
                return ReplyOutcome(seen.id, "duplicate", seen.reason, seen.ticket_id)
            ticket_id = reply.ticket_id if reply else None
            outcome, reason = self._act_on_reply(tx, number, reply, parse_error)
            row_id = tx.insert(SMS_IN, {
                "modem": modem, "number": number[:30], "text": text[:2000], "received_at": received_at,
                "dedupe_key": digest, "outcome": outcome, "reason": reason, "ticket_id": ticket_id,
                "action": reply.action if reply else ""})
            audit(tx, tx.now, f"sms:{normalise_number(number)}", "sms_inbox", row_id,
                  "receive", None, {"outcome": outcome, "reason": reason, "text": text[:2000]})
            return ReplyOutcome(row_id, outcome, reason, ticket_id)

    # --- closing the loop (ticketing/commands/closing.py) ---------------------------------

    def record_callback(self, actor: str, ticket_id: int, score: int, comment: str = "",
                        via: str = "operator") -> TicketView:
        """回访: the reporter's satisfaction (1–5)."""
        with self.tx() as tx:
            return ticket_view(closing.record_callback(self, tx, actor, ticket_id, score, comment, via))

    def assess(self, actor: str, ticket_id: int, result: str) -> TicketView:
        """考核: the supervisor's assessment closes the loop."""
        with self.tx() as tx:
            return ticket_view(closing.assess(self, tx, actor, ticket_id, result))

    def cancel(self, actor: str, ticket_id: int, reason: str) -> TicketView:
        with self.tx() as tx:
            return ticket_view(closing.cancel(self, tx, actor, ticket_id, reason))

    def reopen(self, actor: str, ticket_id: int, reason: str) -> TicketView:
        with self.tx() as tx:
            return ticket_view(closing.reopen(self, tx, actor, ticket_id, reason))

    def merge(self, actor: str, ticket_id: int, into_id: int, note: str = "") -> TicketView:
        """Mark ``ticket_id`` a duplicate of ``into_id``; its calls move to the kept ticket."""
        with self.tx() as tx:
            return ticket_view(closing.merge(self, tx, actor, ticket_id, into_id, note))

    # --- time limits ----------------------------------------------------------------------

    def sweep_overdue(self) -> list[int]:
        """Escalate every open ticket past a time limit, one step per call and per interval.

        Not accepted in time: 1) the order is sent again, 2) offered to the next qualified
        worker on duty, 3) raised to the roles the service type names. Not done in time: raised
        to those roles once. Returns the ids that moved.
        """
        now = self.clock.now()
        moved: list[int] = []
        open_ = ", ".join(f"'{st.value}'" for st in OPEN)
        with self.tx() as tx:
            due = [row[0] for row in tx.all(
                f"SELECT id FROM ticket WHERE status IN ({open_}) AND ("
                "(response_due < ? AND worker_accepted_at IS NULL AND escalation_level < 3)"
                " OR (completion_due < ? AND breach_notified = ?)) ORDER BY id",
                (tx.at(now), tx.at(now), False))]
        for ticket_id in due:
            with self.tx() as tx:
                t = load(tx, ticket_id)
                if self._escalation_step(tx, t, now):
                    moved.append(t.id)
        return moved

    def escalate(self, actor: str, ticket_id: int, reason: str) -> TicketView:
        """Raise the ticket to the roles named by its service type (team lead, manager)."""
        with self.tx() as tx:
            t = load(tx, ticket_id)
            self._escalate_to_roles(tx, t, actor, reason)
            return ticket_view(t)

    # --- a ward head's approval (ticketing/commands/approval.py) --------------------------

    def approve(self, actor: str, ticket_id: int, by: str = "", note: str = "") -> TicketView:
        """The ward head approved the order (told the desk by phone: ``by`` names them)."""
        with self.tx() as tx:
            return ticket_view(approval.approve(self, tx, actor, ticket_id, by, note))

    def reject(self, actor: str, ticket_id: int, reason: str, by: str = "") -> TicketView:
        """The ward head refused the order: it is cancelled with the reason."""
        with self.tx() as tx:
            return ticket_view(approval.reject(self, tx, actor, ticket_id, reason, by))

    # --- not yet moved ------------------------------------------------------------------------

    def _act_on_reply(self, tx: Tx, number: str, reply: WorkerReply | None,
                      parse_error: str) -> tuple[str, str]:
        staff = staff_by_phone(tx, number)
        if staff is None:
            return "rejected", "unknown sender"  # no reply: we don't answer strangers
        if reply is None:
            explain(self, tx, staff, None, "unreadable", parse_error or "unreadable reply")
            return "rejected", f"unreadable: {parse_error}" if parse_error else "unreadable"
        t = tx.get(TICKET, reply.ticket_id)
        if t is None:
            explain(self, tx, staff, None, "unknown_ticket", f"ticket {reply.ticket_id}")
            return "rejected", f"unknown ticket {reply.ticket_id}"
        if reply.action in ("approve", "reject"):
            return self._approval_reply(tx, staff, t, reply)
        if not is_assigned(tx, t.id, staff.code):
            explain(self, tx, staff, t, "not_assigned", "")
            return "rejected", f"ticket {t.id} is not assigned to {staff.code}"
        if Status(t.status) not in OPEN:
            explain(self, tx, staff, t, "closed", t.status)
            return "rejected", f"ticket {t.id} is {t.status}"
        actor = f"sms:{staff.code}"
        try:
            with tx.savepoint():
                self._apply_reply(tx, actor, t, staff, reply)
        except (IllegalTransition, TicketError) as exc:
            explain(self, tx, staff, t, "refused", str(exc))
            return "rejected", str(exc)
        notify_staff(self, tx, t, staff.code, "confirm", {"action": reply.action})
        return "acted", reply.action

    def _approval_reply(self, tx: Tx, staff: Record, t: Record, reply: WorkerReply) -> tuple[str, str]:
        if staff.role != "ward_head" or staff.org_code != t.org_code:
            explain(self, tx, staff, t, "not_assigned", "")
            return "rejected", f"{staff.code} is not the ward head of ticket {t.id}'s ward"
        try:
            with tx.savepoint():
                decide(tx, t, f"sms:{staff.code}", reply.action == "approve", staff.name,
                             reply.reason)
        except (IllegalTransition, TicketError) as exc:
            explain(self, tx, staff, t, "refused", str(exc))
            return "rejected", str(exc)
        notify_staff(self, tx, t, staff.code, "confirm", {"action": reply.action})
        return "acted", reply.action

    def _apply_reply(self, tx: Tx, actor: str, t: Record, staff: Record,
                     reply: WorkerReply) -> None:
        match reply.action:
            case "accept":
                self._worker_accept(tx, actor, t.id, staff.code)
            case "arrived":
                self._start(tx, actor, t.id, staff.code)
            case "done":
                self._complete(tx, actor, t.id, list(reply.parts), "by SMS")
            case "cannot":
                self._release(tx, actor, t.id, staff.code, reply.reason or "cannot do")
            case _:
                raise TicketError(f"unknown action {reply.action!r}")

    def _escalation_step(self, tx: Tx, t: Record, now: datetime) -> bool:
        if t.completion_due and t.completion_due < now and not t.breach_notified:
            t.breach_notified = True
            self._escalate_to_roles(tx, t, "system", "completion time limit passed")
            return True
        if t.worker_accepted_at or (t.escalated_at and now - t.escalated_at < self.options.escalation_step):
            return False
        if t.status == Status.ACCEPTED:
            # Nobody was dispatched at all: tell the roles straight away.
            t.escalation_level = 2
        if t.escalation_level == 0:
            for a in active_assignments(tx, t.id):
                notify_staff(self, tx, t, a.staff_code, "work_order", {})
            self._bump_escalation(tx, t, "system", "not accepted in time: order sent again")
        elif t.escalation_level == 1:
            nxt = self._next_worker(tx, t)
            if nxt is not None:
                self._offer(tx, t, nxt, now)
                self._bump_escalation(tx, t, "system", f"not accepted in time: offered to {nxt.code}")
            else:
                self._escalate_to_roles(tx, t, "system", "not accepted and nobody else on duty")
        else:
            self._escalate_to_roles(tx, t, "system", "response time limit passed")
        return True

    def _bump_escalation(self, tx: Tx, t: Record, actor: str, note: str) -> None:
        next_status(t.id, t.status, Action.ESCALATE)
        before = {"escalation_level": t.escalation_level}
        t.escalation_level += 1
        t.escalated_at = tx.now
        t.version += 1
        audit(tx, tx.now, actor, "ticket", t.id, "escalate", before,
              {"escalation_level": t.escalation_level, "note": note})

    def _escalate_to_roles(self, tx: Tx, t: Record, actor: str, reason: str) -> None:
        st = self.catalog.get(t.service_type)
        self._bump_escalation(tx, t, actor, reason)
        t.escalation_level = max(t.escalation_level, 3)
        step = min(t.escalation_level - 3, len(st.escalate_to) - 1)
        roles = st.escalate_to[: step + 1] if st.escalate_to else ("lead",)
        for person in self._people_in_roles(tx, roles, st.skill):
            notify_staff(self, tx, t, person.code, "escalation",
                               {"reason": reason, "level": t.escalation_level})

    def _people_in_roles(self, tx: Tx, roles: tuple[str, ...], skill: str) -> list[Record]:
        people = tx.records(STAFF, f"role IN ({', '.join('?' * len(roles))}) AND active = ? ORDER BY code",
                            (*roles, True))
        # A lead hears only of his own trade; managers hear of everything.
        return [p for p in people if p.role != "lead" or not skill or skill in _skills(p)]

    def _next_worker(self, tx: Tx, t: Record) -> Staff | None:
        taken = {row[0] for row in tx.all("SELECT staff_code FROM assignment WHERE ticket_id = ?", (t.id,))}
        ranked = suggest_workers(tx.session, self.catalog.get(t.service_type).skill, limit=20)
        return next((w for w in ranked if w.code not in taken), None)

    def _dispatch(self, tx: Tx, actor: str, ticket_id: int, staff_codes: list[str],
                  printer: str | None, print_slip: bool) -> Record:
        if not staff_codes:
            raise TicketError("choose at least one worker to dispatch to")
        t = load(tx, ticket_id)
        require_ready(self, t)
        workers = [require_staff(tx, code) for code in dict.fromkeys(staff_codes)]
        transition(tx, t, Action.DISPATCH, actor, ", ".join(w.code for w in workers))
        now = tx.now
        # only a dispatch offers work (``_offer``): a ticket never dispatched has no workers to
        # read (one lookup saved on the common path)
        on_ticket = active_assignments(tx, t.id) if t.dispatched_at else []
        t.dispatched_at = t.dispatched_at or now
        chosen = {w.code: w for w in workers}
        current = []  # chosen workers already on the ticket, in the order they came
        for a in on_ticket:
            if a.staff_code in chosen:
                current.append(chosen[a.staff_code])
            else:
                end_assignment(tx, a, "released", f"reassigned by {actor}")
                notify_staff(self, tx, t, a.staff_code, "cancelled", {"reason": "reassigned"})
        offered = [w for w in workers if w not in current]
        # what the work orders and the slip print of the ticket: nothing of it moves in a dispatch
        data = message_data(self, tx, t) if offered or print_slip else {}
        for w in offered:
            self._offer(tx, t, w, now, data)
        t.assignee = workers[0].code
        if print_slip:
            queue_print(self, tx, t, printer or self.options.default_printer, current + offered, data)
        return t

    def _offer(self, tx: Tx, t: Record, worker: Any, now: datetime,
               data: dict[str, Any] | None = None) -> None:
        """``worker``: a staff record or model (code, name, phone); ``data``: the ticket's
        ``_message_data`` if the caller has it."""
        tx.insert(ASSIGNMENT, {"ticket_id": t.id, "staff_code": worker.code, "state": "offered",
                               "assigned_at": now, "reason": ""})
        if not t.assignee:
            t.assignee = worker.code
        queue_sms(self, tx, t, worker, "work_order", {}, data)

    def _worker_accept(self, tx: Tx, actor: str, ticket_id: int, staff_code: str) -> Record:
        t = load(tx, ticket_id)
        a = assignment(tx, t.id, staff_code)
        transition(tx, t, Action.WORKER_ACCEPT, actor, staff_code)
        now = tx.now
        if a.state == "offered":
            a.state, a.accepted_at = "accepted", now
        if t.worker_accepted_at is None:
            t.worker_accepted_at = now
            t.assignee = staff_code
            t.response_s = int((now - t.created_at).total_seconds())
            t.response_met = bool(t.response_due and now <= t.response_due)
            bump_daily(tx, t, self.calendar.tz, response_sum_s=t.response_s, response_n=1,
                       response_met=int(t.response_met))
        return t

    def _start(self, tx: Tx, actor: str, ticket_id: int, staff_code: str) -> Record:
        t = load(tx, ticket_id)
        if staff_code and assignment(tx, t.id, staff_code).state == "offered":
            self._worker_accept(tx, actor, ticket_id, staff_code)  # arriving implies accepting
        transition(tx, t, Action.START, actor, staff_code)
        t.started_at = tx.now
        return t

    def _complete(self, tx: Tx, actor: str, ticket_id: int, parts: list[tuple[str, int]],
                  note: str) -> Record:
        t = load(tx, ticket_id)
        transition(tx, t, Action.COMPLETE, actor, note)
        now = tx.now
        for code, qty in parts:
            self._use_part(tx, actor, t, code, qty)
        for a in active_assignments(tx, t.id):
            end_assignment(tx, a, "finished", "")
        t.done_at = now
        t.completion_s = int((now - t.created_at).total_seconds())
        t.completion_met = bool(t.completion_due and now <= t.completion_due)
        bump_daily(tx, t, self.calendar.tz, done=1, completion_sum_s=t.completion_s,
                   completion_n=1, completion_met=int(t.completion_met))
        if self.options.survey_enabled and t.reporter_phone:
            schedule_survey(tx, t, now + self.options.survey_delay)
        return t

    def _release(self, tx: Tx, actor: str, ticket_id: int, staff_code: str, reason: str) -> Record:
        t = load(tx, ticket_id)
        a = assignment(tx, t.id, staff_code)
        next_status(t.id, t.status, Action.RELEASE)  # refuse before touching anything
        end_assignment(tx, a, "released", reason)
        remaining = [x for x in active_assignments(tx, t.id) if x.id != a.id]
        if remaining:
            t.assignee = remaining[0].staff_code
            add_note(tx, t, "release", actor, f"{staff_code}: {reason}")
        else:
            transition(tx, t, Action.RELEASE, actor, f"{staff_code}: {reason}")
            t.assignee = ""
        return t

    def _use_part(self, tx: Tx, actor: str, t: Record, code: str, qty: int) -> None:
        if qty <= 0:
            raise TicketError(f"part {code}: quantity must be positive")
        part = tx.record(SPARE_PART, "code = ?", (code,), lock=True)
        if part is None:
            raise TicketError(f"unknown spare part {code!r}")
        before = {"stock": part.stock}
        part.stock -= qty
        tx.insert(TICKET_PART, {"ticket_id": t.id, "part_code": code, "qty": qty})
        audit(tx, tx.now, actor, "spare_part", code, "use", before,
              {"stock": part.stock, "ticket_id": t.id})


def suggest_workers(s: Session, skill: str, limit: int = 5) -> list[Staff]:
    """Qualified workers on duty, least loaded first (open assignments)."""
    load = (select(Assignment.staff_code, func.count().label("n"))
            .where(Assignment.state.in_(("offered", "accepted")))
            .group_by(Assignment.staff_code).subquery())
    rows = s.execute(
        select(Staff, func.coalesce(load.c.n, 0))
        .outerjoin(load, load.c.staff_code == Staff.code)
        .where(Staff.active.is_(True), Staff.on_duty.is_(True), Staff.role == "worker")
        .order_by(func.coalesce(load.c.n, 0), Staff.code)
    ).all()
    qualified = [st for st, _n in rows if not skill or skill in st.skill_set()]
    return qualified[:limit]


def _skills(staff: Any) -> set[str]:
    return {s.strip() for s in (staff.skills or "").split(",") if s.strip()}
