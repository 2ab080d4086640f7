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

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from ticketing.channels import ChannelCommands
from ticketing.commands import (
    approval,
    campaigns,
    closing,
    complaints,
    dispatch,
    escalation,
    intake,
    kitchen,
    outcalls,
    ownership,
    replies,
    reports,
    requester,
    stock,
)
from ticketing.commands.base import (
    CommandContext,
    NewTicket,
    ParsedReply,
    ReplyOutcome,
    ServiceOptions,
    TicketError,
    TicketNotFound,
    WorkerReply,
)
from ticketing.commands.campaigns import CampaignSpec
from ticketing.commands.dispatch import suggest_workers
from ticketing.commands.intake import caller_directory_entry
from ticketing.commands.outbound import slip_snapshot
from ticketing.commands.rows import load
from ticketing.commands.stock import StockLineIn
from ticketing.phone import normalise_number
from ticketing.tx import Record, Tx
from ticketing.views import TicketView, ticket_detail, ticket_view

__all__ = ["CampaignSpec", "NewTicket", "ReplyOutcome", "ServiceOptions", "StockLineIn", "TicketError",
           "TicketNotFound", "TicketService", "WorkerReply", "caller_directory_entry",
           "suggest_workers"]


class TicketService(ChannelCommands, CommandContext):
    """The ticket commands (and, from ``ticketing.channels``, those of the links: a room's QR
    code, the worker's page). Each runs in one ``Tx`` (``ticketing/tx.py``): tickets, assignments
    and the rows a command appends are read and written with hand-written SQL; the ORM session
    of the same transaction serves the few reads that want the models (menus, suggestions).
    Built with the store, clock, catalog, calendar, SMS composer and options
    (``CommandContext``), which the handlers read."""

    # --- intake (ticketing/commands/intake.py) -------------------------------------------

    def accept(self, actor: str, new: NewTicket) -> TicketView:
        """受理: create a ticket owned by ``actor`` (first-contact responsibility)."""
        with self.tx() as tx:
            t = intake.accept(self, tx, actor, new)
            if self.options.status_sms:  # the reporter's SMS with the link to its progress
                reports.notify_reporter(self, tx, t)
            return ticket_view(t)

    def edit(self, actor: str, ticket_id: int, **changes: Any) -> TicketView:
        with self.tx() as tx:
            return ticket_view(intake.edit(self, tx, actor, ticket_id, changes))

    def handover(self, actor: str, ticket_id: int, to: str, reason: str,
                 supervises: bool = False) -> TicketView:
        """首问负责: give the case to another desk user, with a reason (its owner, or a lead)."""
        with self.tx() as tx:
            return ticket_view(ownership.handover(self, tx, actor, ticket_id, to, reason, supervises))

    def link_call(self, ticket_id: int, uniqueid: str, actor: str = "system") -> None:
        with self.tx() as tx:
            intake.link_call(self, tx, ticket_id, uniqueid, actor)

    def get(self, ticket_id: int) -> TicketView:
        """The ticket with its workers, parts, calls and timeline."""
        with self.store.reading_tx() as tx:
            return ticket_detail(tx, load(tx, ticket_id, lock=False))

    # --- dispatch and field work (ticketing/commands/dispatch.py) ------------------------

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
                 note: str = "", backorder: bool = False) -> TicketView:
        """办结: the work is done; the spare parts used are issued from the stores (refused
        beyond the stock on hand unless ``backorder`` records the rest as owed), labour is
        booked and the call-back is scheduled. The one place parts used on a ticket are
        recorded, whoever reports the work done."""
        with self.tx() as tx:
            return ticket_view(dispatch.complete(self, tx, actor, ticket_id, parts or [], note, backorder))

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

    # --- worker replies by SMS (ticketing/commands/replies.py) ---------------------------

    def handle_inbound_sms(self, modem: str, number: str, text: str, reply: ParsedReply | None,
                           received_at: datetime, parse_error: str = "") -> ReplyOutcome:
        """Store an incoming SMS and act on it only if its sender may: one transaction.

        The same message read twice (a sweep of the SIM after a crash) is recognised and not
        acted on again.
        """
        with self.tx() as tx:
            return replies.handle_inbound_sms(self, tx, modem, number, text, reply, received_at,
                                              parse_error)

    # --- closing the loop (ticketing/commands/closing.py) --------------------------------

    def record_callback(self, actor: str, ticket_id: int, score: int, comment: str = "",
                        via: str = "operator") -> TicketView:
        """回访: the reporter's satisfaction (1–5)."""
        with self.tx() as tx:
            return ticket_view(closing.record_callback(self, tx, actor, ticket_id, score, comment, via))

    def assess(self, actor: str, ticket_id: int, result: str = "", *, grade: str = "",
               reasons: Sequence[str] = ()) -> TicketView:
        """考核: the lead's grade (config/assessment.toml) with reasons closes the loop; a
        free-text ``result`` alone is still taken (as before grades)."""
        with self.tx() as tx:
            return ticket_view(closing.assess(self, tx, actor, ticket_id, result, grade, reasons))

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

    # --- complaints (ticketing/commands/complaints.py) -----------------------------------

    def investigate(self, actor: str, ticket_id: int, note: str) -> TicketView:
        """调查: a note of the complaint's investigation (the first is its response)."""
        with self.tx() as tx:
            return ticket_view(complaints.investigate(self, tx, actor, ticket_id, note))

    def complaint_target(self, actor: str, ticket_id: int, kind: str, code: str,
                         severity: str = "normal") -> TicketView:
        """Against whom the complaint is (worker, team, department, service), how serious."""
        with self.tx() as tx:
            return ticket_view(complaints.set_target(self, tx, actor, ticket_id, kind, code, severity))

    def conclude(self, actor: str, ticket_id: int, outcome: str, finding: str) -> TicketView:
        """The finding: justified (counts in the target's 考核) or unjustified."""
        with self.tx() as tx:
            return ticket_view(complaints.conclude(self, tx, actor, ticket_id, outcome, finding))

    def reply_complainant(self, actor: str, ticket_id: int, channel: str, text: str) -> TicketView:
        """The answer to the complainant, by SMS (sent) or a call (recorded)."""
        with self.tx() as tx:
            return ticket_view(complaints.reply(self, tx, actor, ticket_id, channel, text))

    # --- the requester's number (ticketing/commands/requester.py) ------------------------

    def opt_out(self, actor: str, number: str) -> bool:
        """The desk puts a number on the opt-out list (asked by phone); False if it was."""
        key = normalise_number(number)
        if not key:
            raise TicketError(f"not a phone number: {number!r}")
        with self.tx() as tx:
            return requester.opt_out(self, tx, key, "desk", actor)

    def opt_in(self, actor: str, number: str) -> bool:
        """The desk takes a number off the opt-out list; False if it was not on it."""
        key = normalise_number(number)
        if not key:
            raise TicketError(f"not a phone number: {number!r}")
        with self.tx() as tx:
            return requester.opt_in(tx, key, actor)

    # --- satisfaction campaigns (ticketing/commands/campaigns.py) ------------------------

    def create_campaign(self, actor: str, spec: CampaignSpec) -> int:
        """A draft campaign; returns its id."""
        with self.tx() as tx:
            return int(campaigns.create(self, tx, actor, spec).id)

    def start_campaign(self, actor: str, campaign_id: int) -> str:
        """List the campaign's numbers and start pacing them; returns its status."""
        with self.tx() as tx:
            return str(campaigns.start(self, tx, actor, campaign_id).status)

    def set_campaign_status(self, actor: str, campaign_id: int, status: str) -> str:
        """paused | running (resume) | cancelled."""
        with self.tx() as tx:
            return str(campaigns.set_status(self, tx, actor, campaign_id, status).status)

    def run_campaigns(self) -> int:
        """Release what the running campaigns may send or call now (one transaction per
        campaign; the center runs it every minute). Returns how many were released."""
        with self.tx() as tx:
            running = [row[0] for row in tx.all(
                "SELECT id FROM survey_campaign WHERE status = 'running' ORDER BY id")]
        released = 0
        for campaign_id in running:
            with self.tx() as tx:
                released += campaigns.run_due(self, tx, campaign_id)
        return released

    def campaign_call_score(self, target_id: int, score: int) -> bool:
        """The score a campaign's survey call keyed in (once)."""
        with self.tx() as tx:
            return campaigns.record_call_score(self, tx, target_id, score)

    # --- time limits (ticketing/commands/escalation.py) ----------------------------------

    def sweep_overdue(self) -> list[int]:
        """Escalate every open ticket past a time limit, one step per call and per interval
        (one transaction per ticket). Returns the ids that moved."""
        return escalation.sweep_overdue(self)

    def escalate(self, actor: str, ticket_id: int, reason: str) -> TicketView:
        """Raise the ticket to the roles named by its service type (team lead, manager)."""
        with self.tx() as tx:
            return ticket_view(escalation.escalate(self, tx, actor, ticket_id, reason))

    # --- a ward head's approval (ticketing/commands/approval.py) -------------------------

    def approve(self, actor: str, ticket_id: int, by: str = "", note: str = "") -> TicketView:
        """The ward head approved the order (told the desk by phone: ``by`` names them)."""
        with self.tx() as tx:
            return ticket_view(approval.approve(self, tx, actor, ticket_id, by, note))

    def reject(self, actor: str, ticket_id: int, reason: str, by: str = "") -> TicketView:
        """The ward head refused the order: it is cancelled with the reason."""
        with self.tx() as tx:
            return ticket_view(approval.reject(self, tx, actor, ticket_id, reason, by))

    # --- calls placed for a ticket (ticketing/commands/outcalls.py) ----------------------

    def ack_call_result(self, call_id: int, outcome: str, reason: str = "", uniqueid: str = "") -> str:
        """The acknowledgement call's fate (answered, or no_answer/busy/congestion/rejected/
        failed with its reason: the ticket goes to the next worker or is escalated)."""
        with self.tx() as tx:
            return outcalls.ack_result(self, tx, call_id, outcome, reason, uniqueid)

    def ack_call_answer(self, ticket_id: int, result: str, call_id: int | None = None) -> str:
        """The worker's key on the acknowledgement call: accepted (1), declined (2), no_key."""
        with self.tx() as tx:
            return outcalls.ack_answer(self, tx, ticket_id, result, call_id)

    def desk_call(self, actor: str, ticket_id: int, target: str, number: str, extension: str,
                  staff_code: str = "") -> dict[str, Any]:
        """Click-to-call asked for: the call's row (``id``, ``action_id``) and its note."""
        with self.tx() as tx:
            call = outcalls.desk_call(self, tx, actor, ticket_id, target, number, extension, staff_code)
            return {"id": call.id, "action_id": call.action_id, "status": call.status}

    def desk_call_result(self, call_id: int, stage: str, outcome: str, reason: str = "",
                         uniqueid: str = "", talk_s: int | None = None) -> None:
        with self.tx() as tx:
            outcalls.desk_call_result(self, tx, call_id, stage, outcome, reason, uniqueid, talk_s)

    # --- the stores (ticketing/commands/stock.py) ----------------------------------------

    def post_stock(self, actor: str, kind: str, lines: list[StockLineIn], reason: str = "",
                   ticket_id: int | None = None, supplier_code: str = "", ref: str = "") -> int:
        """A stock document — receipt, issue, return or adjustment — booked whole or refused
        whole (never below zero); returns its id."""
        with self.tx() as tx:
            return int(stock.post_document(self, tx, actor, kind, lines, reason, ticket_id,
                                           supplier_code, ref).id)

    def cancel_backorder(self, actor: str, backorder_id: int, reason: str) -> None:
        """Nothing is owed any more on a back-order (the part was got otherwise)."""
        with self.tx() as tx:
            stock.cancel_backorder(self, tx, actor, backorder_id, reason)

    # --- the kitchen's day (ticketing/commands/kitchen.py) -------------------------------

    def print_kitchen_summaries(self) -> list[tuple[date, str]]:
        """The production summary (备餐单) of each meal of today past its cut-off, printed once
        (across restarts and processes); returns the meals printed by this call."""
        return kitchen.print_due_summaries(self)

    def reprint_kitchen_summary(self, actor: str, day: date, meal: str, printer: str | None = None) -> int:
        """A meal's production summary printed again; returns the print job's id."""
        with self.tx() as tx:
            return kitchen.reprint_summary(self, tx, actor, day, meal, printer)
