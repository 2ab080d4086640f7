"""Whether a ticket may be done as far as its inspection round goes (巡检): a plan's ticket
with a checklist is done only when every item has a result (ok or not ok).

``dispatch.complete`` asks ``require_checked`` on every way a ticket is done — the worker's
SMS 完成, the work order's page, the desk and the API, the command line — so none of them
closes a round with items left open. A supervisor may close a round that could not be
finished (a room locked, equipment taken away) with a reason: ``override`` is that reason,
written with the items left open in an audit row of the ticket (``round_override``); who may
give one is the caller's rule (the web layer: leads, managers, administrators).
"""

from __future__ import annotations

from sqlalchemy import Table

from ticketing.audit import audit
from ticketing.commands.base import TicketError
from ticketing.model import Base
from ticketing.tx import Record, Tx

RUN: Table = Base.metadata.tables["maintenance_run"]
OVERRIDE_MIN, OVERRIDE_MAX = 4, 500  # a reason's length


class RoundError(TicketError):
    """A round's results refused; the message names the item."""


class RoundOpen(RoundError):
    """A round's ticket asked to be done with items not checked. ``open_items``: their numbers
    (1-based), ``total``: the checklist's length."""

    def __init__(self, ticket_id: int, open_items: list[int], total: int) -> None:
        items = ", ".join(map(str, open_items))
        super().__init__(f"ticket {ticket_id}: {len(open_items)} of {total} checklist items are not checked"
                         f" (items {items}): fill in the round's checklist to complete it",
                         key="err:round_open", id=ticket_id, n=len(open_items), total=total, items=items)
        self.ticket_id, self.open_items, self.total = ticket_id, open_items, total


def round_of(tx: Tx, ticket_id: int, lock: bool = False) -> Record | None:
    """The ``maintenance_run`` row of a plan's ticket (None: not a plan's ticket)."""
    return tx.record(RUN, "ticket_id = ?", (ticket_id,), lock=lock)


def unchecked(run: Record) -> list[int]:
    """The numbers of a round's items not checked yet."""
    results = list(run.results or [])
    return [i for i in range(1, len(run.checklist or []) + 1)
            if i > len(results) or results[i - 1].get("ok") is None]


def require_checked(tx: Tx, actor: str, t: Record, override: str = "") -> None:
    """Refuse (``RoundOpen``) to complete ``t`` while its round has items not checked, unless
    ``override`` gives the reason it closes without them (audited on the ticket)."""
    run = round_of(tx, t.id)
    if run is None or not run.checklist:
        return
    left = unchecked(run)
    reason = override.strip()
    if not left:
        return
    if not reason:
        raise RoundOpen(t.id, left, len(run.checklist))
    if not OVERRIDE_MIN <= len(reason) <= OVERRIDE_MAX:
        raise RoundError(f"reason: {OVERRIDE_MIN} to {OVERRIDE_MAX} characters to close a round with items"
                         " not checked", key="err:round_reason", lo=OVERRIDE_MIN, hi=OVERRIDE_MAX)
    audit(tx, tx.now, actor, "ticket", t.id, "round_override", None, {"unchecked": left, "note": reason})
