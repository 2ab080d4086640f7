"""首问负责: the operator who accepts a case owns it until it is closed; handing it over.

The owner is ``ticket.operator``, set by ``accept``. ``handover`` gives the case to another
person of the desk with a reason — only its owner may, or a lead (the caller says whether the
actor supervises) — audited as a ``handover`` step on the ticket's timeline. What the owner
is told of (breach, escalation, close) is read from the same audit rows
(``ticketing.ownership``), so nothing more is written on the commands' path.
"""

from __future__ import annotations

from ticketing.audit import audit
from ticketing.commands.base import CommandContext, TicketError
from ticketing.commands.rows import load
from ticketing.lifecycle import Status
from ticketing.model import Base
from ticketing.tx import Record, Tx

USERS = Base.metadata.tables["app_user"]
FINISHED = frozenset({Status.ASSESSED, Status.CANCELLED, Status.MERGED})


def handover(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, to: str, reason: str,
             supervises: bool = False) -> Record:
    why = (reason or "").strip()
    if not why:
        raise TicketError("handing a case over takes a reason")
    t = load(tx, ticket_id)
    if Status(t.status) in FINISHED:
        raise TicketError(f"ticket {t.id} is {t.status}: it has no owner to change")
    if actor != t.operator and not supervises:
        raise TicketError(f"ticket {t.id} is {t.operator or 'nobody'}'s case: only its owner or a lead"
                          " hands it over")
    if to == t.operator:
        raise TicketError(f"ticket {t.id} is already {to}'s case")
    user = tx.record(USERS, "username = ?", (to,))
    if user is None or not user.active or user.role == "viewer":
        raise TicketError(f"{to!r} is not a desk user who can own a case")
    before = {"operator": t.operator}
    t.operator = to
    t.version += 1
    audit(tx, tx.now, actor, "ticket", t.id, "handover", before, {"operator": to, "note": why[:500]})
    return t
