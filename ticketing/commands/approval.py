"""Orders that wait for a decision: the ward head's approval of a meal order.

A meal order for a ward starts ``details.approval.state = "pending"`` when the catalog asks
for one (``approval = "ward_head"``; the checks of the order's fields are in
``ticketing/orders.py`` and, for a command, ``intake.checked_details``). The ward's head
(``staff.role = ward_head``) is asked by SMS; ``approve`` / ``reject`` (at the desk, or the
head's SMS reply through ``replies``) decide it, a rejection cancelling the order, and
``dispatch`` refuses an order that is not ready (``require_ready``).
"""

from __future__ import annotations

from ticketing.audit import audit
from ticketing.commands.base import STAFF, CommandContext, TicketError
from ticketing.commands.outbound import queue_sms
from ticketing.commands.rows import add_note, load, require_service_type, transition
from ticketing.lifecycle import Action, Status
from ticketing.orders import approval_of, needs_approval, set_approval
from ticketing.tx import Record, Tx


def approve(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, by: str, note: str) -> Record:
    """The ward head approved the order (told the desk by phone: ``by`` names them)."""
    t = load(tx, ticket_id)
    decide(tx, t, actor, True, by or actor, note)
    return t


def reject(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, reason: str, by: str) -> Record:
    """The ward head refused the order: it is cancelled with the reason."""
    t = load(tx, ticket_id)
    decide(tx, t, actor, False, by or actor, reason)
    return t


def decide(tx: Tx, t: Record, actor: str, approve: bool, by: str, note: str) -> None:
    """Record the decision on a pending order; a rejection cancels it."""
    a = approval_of(t.details or {})
    if a is None:
        raise TicketError(f"ticket {t.id} needs no approval")
    if a["state"] != "pending":
        raise TicketError(f"ticket {t.id} was already {a['state']} by {a['by']}")
    if t.status != Status.ACCEPTED.value:
        raise TicketError(f"ticket {t.id} is {t.status}; only an accepted order can be decided")
    now = tx.now
    before = dict(t.details)
    t.details = set_approval(before, a["required"], "approved" if approve else "rejected",
                             by[:50], now, note)
    t.version += 1
    audit(tx, now, actor, "ticket", t.id, "approve" if approve else "reject",
          {"approval": before.get("approval")},
          {"approval": t.details["approval"], "note": f"{by}: {note}" if note else by})
    if not approve:
        transition(tx, t, Action.CANCEL, actor, f"rejected by {by}: {note}" if note else f"rejected by {by}")
        t.closed_at = now


def request_approval(ctx: CommandContext, tx: Tx, t: Record, actor: str) -> None:
    """Ask the ward's heads by SMS (template ``approval``); the timeline says whom."""
    heads = [h for h in _ward_heads(tx, t.org_code) if h.phone]
    for head in heads:
        queue_sms(ctx, tx, t, head, "approval", {})
    add_note(tx, t, "approval_requested", actor,
             ", ".join(h.code for h in heads) or "no ward head on file: approve at the desk")


def require_ready(ctx: CommandContext, t: Record) -> None:
    """A meal order goes to the kitchen with its dishes and, where required, approved."""
    st = require_service_type(ctx, t.service_type)
    details = t.details or {}
    if st.form == "meal" and "meal" not in details:
        raise TicketError(f"ticket {t.id}: add the dishes before dispatching the meal order")
    if needs_approval(details):
        a = details["approval"]
        if a["state"] == "rejected":
            raise TicketError(f"ticket {t.id} was rejected by {a['by']}")
        raise TicketError(f"ticket {t.id} waits for the ward head's approval")


def _ward_heads(tx: Tx, org_code: str) -> list[Record]:
    if not org_code:
        return []
    return tx.records(STAFF, "role = ? AND org_code = ? AND active = ? ORDER BY code",
                      ("ward_head", org_code, True))
