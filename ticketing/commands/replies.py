"""An SMS reply, as the modem adapter hands it over: a field worker's, a ward head's or a
requester's.

Every message is stored in ``sms_inbox`` once (a message read twice, after a crash, is
recognised by its digest and not acted on again). It acts only when its sender may: a
requester's rating digit or 退订 (``requester.handle_reply``, which says when a message is
one), a worker assigned to an open ticket moves it (接单 accept, 到达 arrived, 完成 done, 不能
cannot — the same steps as ``dispatch``), a ward head decides a pending order
(``approval.decide``). The sender gets a confirmation, or an explanation of why nothing
happened; strangers get no answer.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from ticketing import search
from ticketing.audit import audit
from ticketing.commands import requester
from ticketing.commands.approval import decide
from ticketing.commands.base import (
    SMS_IN,
    TICKET,
    CommandContext,
    ParsedReply,
    ReplyOutcome,
    TicketError,
)
from ticketing.commands.dispatch import complete, release, start, worker_accept
from ticketing.commands.outbound import explain, notify_staff, order_link, queue_sms
from ticketing.commands.round_check import RoundOpen
from ticketing.commands.rows import assignment, is_assigned, staff_by_phone
from ticketing.lifecycle import OPEN, IllegalTransition, Status
from ticketing.phone import normalise_number
from ticketing.tx import Record, Tx


def handle_inbound_sms(ctx: CommandContext, tx: Tx, modem: str, number: str, text: str,
                       reply: ParsedReply | None, received_at: datetime,
                       parse_error: str = "") -> ReplyOutcome:
    """Store an incoming SMS and act on it only if its sender may."""
    digest = hashlib.sha256(f"{modem}|{number}|{received_at.isoformat()}|{text}".encode()).hexdigest()
    seen = tx.record(SMS_IN, "dedupe_key = ?", (digest,))
    if seen is not None:
        return ReplyOutcome(seen.id, "duplicate", seen.reason, seen.ticket_id)
    staff = staff_by_phone(tx, number)
    answered = requester.handle_reply(ctx, tx, number, text, staff)
    if answered is not None:
        outcome, reason, ticket_id = answered
    else:
        ticket_id = reply.ticket_id if reply else None
        outcome, reason = _act_on_reply(ctx, tx, staff, reply, parse_error)
    row_id = tx.insert(SMS_IN, {
        "modem": modem, "number": number[:30], "text": text[:2000], "received_at": received_at,
        "dedupe_key": digest, "outcome": outcome, "reason": reason, "ticket_id": ticket_id,
        "action": "requester" if answered is not None else reply.action if reply else ""})
    audit(tx, tx.now, f"sms:{normalise_number(number)}", "sms_inbox", row_id,
          "receive", None, {"outcome": outcome, "reason": reason, "text": text[:2000]})
    if ticket_id is not None and reason != search.UNKNOWN_SENDER and tx.get(TICKET, ticket_id):
        search.append(tx, ticket_id, text[:2000])  # a worker's words are found by the ticket
    return ReplyOutcome(row_id, outcome, reason, ticket_id)


def _act_on_reply(ctx: CommandContext, tx: Tx, staff: Record | None, reply: ParsedReply | None,
                  parse_error: str) -> tuple[str, str]:
    if staff is None:
        return "rejected", search.UNKNOWN_SENDER  # no reply: we don't answer strangers
    if reply is None:
        explain(ctx, tx, staff, None, "unreadable", parse_error or "unreadable reply")
        return "rejected", f"unreadable: {parse_error}" if parse_error else "unreadable"
    t = tx.get(TICKET, reply.ticket_id)
    if t is None:
        explain(ctx, tx, staff, None, "unknown_ticket", f"ticket {reply.ticket_id}")
        return "rejected", f"unknown ticket {reply.ticket_id}"
    if reply.action in ("approve", "reject"):
        return _approval_reply(ctx, tx, staff, t, reply)
    if not is_assigned(tx, t.id, staff.code):
        explain(ctx, tx, staff, t, "not_assigned", "")
        return "rejected", f"ticket {t.id} is not assigned to {staff.code}"
    if Status(t.status) not in OPEN:
        explain(ctx, tx, staff, t, "closed", t.status)
        return "rejected", f"ticket {t.id} is {t.status}"
    actor = f"sms:{staff.code}"
    try:
        with tx.savepoint():
            _apply_reply(ctx, tx, actor, t, staff, reply)
    except RoundOpen as exc:  # how many items are open and where to fill them in
        queue_sms(ctx, tx, t, staff, "explain", {
            "why": "round_open", "detail": str(exc), "open": len(exc.open_items), "total": exc.total,
            **_order_link(ctx, tx, t, staff.code)})
        return "rejected", str(exc)
    except (IllegalTransition, TicketError) as exc:
        explain(ctx, tx, staff, t, "refused", str(exc))
        return "rejected", str(exc)
    notify_staff(ctx, tx, t, staff.code, "confirm", {"action": reply.action})
    return "acted", reply.action


def _approval_reply(ctx: CommandContext, tx: Tx, staff: Record, t: Record,
                    reply: ParsedReply) -> tuple[str, str]:
    if staff.role != "ward_head" or staff.org_code != t.org_code:
        explain(ctx, tx, staff, t, "not_assigned", "")
        return "rejected", f"{staff.code} is not the ward head of ticket {t.id}'s ward"
    try:
        with tx.savepoint():
            decide(tx, t, f"sms:{staff.code}", reply.action == "approve", staff.name, reply.reason)
    except (IllegalTransition, TicketError) as exc:
        explain(ctx, tx, staff, t, "refused", str(exc))
        return "rejected", str(exc)
    notify_staff(ctx, tx, t, staff.code, "confirm", {"action": reply.action})
    return "acted", reply.action


def _apply_reply(ctx: CommandContext, tx: Tx, actor: str, t: Record, staff: Record,
                 reply: ParsedReply) -> None:
    match reply.action:
        case "accept":
            worker_accept(ctx, tx, actor, t.id, staff.code)
        case "arrived":
            start(ctx, tx, actor, t.id, staff.code)
        case "done":
            complete(ctx, tx, actor, t.id, list(reply.parts), "by SMS")
        case "cannot":
            release(ctx, tx, actor, t.id, staff.code, reply.reason or "cannot do")
        case _:
            raise TicketError(f"unknown action {reply.action!r}")


def _order_link(ctx: CommandContext, tx: Tx, t: Record, staff_code: str) -> dict[str, str]:
    """``{"link": …}``: the worker's work order page, where a round's checklist is filled in
    (``{}`` where the center hands out no links)."""
    return order_link(ctx, tx, assignment(tx, t.id, staff_code).id)
