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

from datetime import datetime
from typing import Any

from ticketing.audit import audit
from ticketing.commands import approval, closing, dispatch, intake, replies
from ticketing.commands.base import (
    STAFF,
    CommandContext,
    NewTicket,
    ReplyOutcome,
    ServiceOptions,
    TicketError,
    TicketNotFound,
    WorkerReply,
)
from ticketing.commands.dispatch import (
    offer,
    suggest_workers,
)
from ticketing.commands.intake import caller_directory_entry
from ticketing.commands.outbound import (
    notify_staff,
    slip_snapshot,
)
from ticketing.commands.rows import (
    active_assignments,
    load,
)
from ticketing.lifecycle import OPEN, Action, Status, next_status
from ticketing.model import Staff
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

    # --- dispatch and field work (ticketing/commands/dispatch.py) -------------------------

    def dispatch(self, actor: str, ticket_id: int, staff_codes: list[str],
                 printer: str | None = None, print_slip: bool = True) -> TicketView:
        """派发: offer the ticket to workers by SMS and print a work slip."""
        with self.tx() as tx:
            return ticket_view(dispatch.dispatch(self, tx, actor, ticket_id, staff_codes, printer,
                                                 print_slip))

    def worker_accept(self, actor: str, ticket_id: int, staff_code: str) -> TicketView:
        with self.tx() as tx:
            return ticket_view(dispatch.worker_accept(self, tx, actor, ticket_id, staff_code))

    def start(self, actor: str, ticket_id: int, staff_code: str = "") -> TicketView:
        """承办: the worker is on site."""
        with self.tx() as tx:
            return ticket_view(dispatch.start(self, tx, actor, ticket_id, staff_code))

    def complete(self, actor: str, ticket_id: int, parts: list[tuple[str, int]] | None = None,
                 note: str = "") -> TicketView:
        """办结: the work is done; spare parts are booked and the call-back is scheduled."""
        with self.tx() as tx:
            return ticket_view(dispatch.complete(self, tx, actor, ticket_id, parts or [], note))

    def release(self, actor: str, ticket_id: int, staff_code: str, reason: str) -> TicketView:
        """A worker cannot do it: back to accepted for another dispatch once nobody is left."""
        with self.tx() as tx:
            return ticket_view(dispatch.release(self, tx, actor, ticket_id, staff_code, reason))

    def reprint(self, actor: str, ticket_id: int, printer: str | None = None) -> int:
        with self.tx() as tx:
            return dispatch.reprint(self, tx, actor, ticket_id, printer)

    def resend_order(self, actor: str, ticket_id: int) -> list[int]:
        """Send the work order again to every worker still on the ticket."""
        with self.tx() as tx:
            return dispatch.resend_order(self, tx, actor, ticket_id)

    def slip_snapshot(self, tx: Tx, t: Record, kind: str = "slip", workers: list[Any] | None = None,
                      data: dict[str, Any] | None = None) -> dict[str, Any]:
        """What a work slip of ``t`` prints (``ticketing.commands.outbound.slip_snapshot``)."""
        return slip_snapshot(self, tx, t, kind, workers, data)

    # --- worker replies by SMS (ticketing/commands/replies.py) ----------------------------

    def handle_inbound_sms(self, modem: str, number: str, text: str, reply: WorkerReply | None,
                           received_at: datetime, parse_error: str = "") -> ReplyOutcome:
        """Store an incoming SMS and act on it only if its sender may: one transaction.

        The same message read twice (a sweep of the SIM after a crash) is recognised and not
        acted on again.
        """
        with self.tx() as tx:
            return replies.handle_inbound_sms(self, tx, modem, number, text, reply, received_at,
                                              parse_error)

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
                offer(self, tx, t, nxt, now)
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


def _skills(staff: Any) -> set[str]:
    return {s.strip() for s in (staff.skills or "").split(",") if s.strip()}
