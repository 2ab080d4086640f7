"""The steps on rows that commands of every capability take.

Loading a ticket (locked for the command), moving it one lifecycle step with its audit row,
a note on its timeline, the master data a command checks (service type, location, department,
staff), the workers on a ticket (assignments) and the calls linked to it.
"""

from __future__ import annotations

from ticketing.audit import audit
from ticketing.catalog import CatalogError, ServiceType
from ticketing.commands.base import (
    ACTIVE,
    ASSIGNMENT,
    CALL,
    LOCATION,
    ORG_UNIT,
    STAFF,
    TICKET,
    CommandContext,
    TicketError,
    TicketNotFound,
)
from ticketing.lifecycle import Action, next_status
from ticketing.phone import normalise_number
from ticketing.tx import Record, Tx

# --- the ticket ----------------------------------------------------------------------------


def load(tx: Tx, ticket_id: int, lock: bool = True) -> Record:
    t = tx.get(TICKET, ticket_id, lock=lock)
    if t is None:
        raise TicketNotFound(f"no ticket {ticket_id}")
    return t


def transition(tx: Tx, t: Record, action: Action, actor: str, note: str = "") -> None:
    """One step of the lifecycle (``IllegalTransition`` if it is not allowed), audited."""
    old = t.status
    new = next_status(t.id, old, action)
    t.status = new.value
    t.version += 1
    audit(tx, tx.now, actor, "ticket", t.id, action.value,
          {"status": old}, {"status": new.value, "note": note[:2000]} if note else {"status": new.value})


def add_note(tx: Tx, t: Record, action: str, actor: str, note: str) -> None:
    """A step on the ticket's timeline that changes none of its columns (a reprint, a
    linked call…): an audit row with only the note."""
    audit(tx, tx.now, actor, "ticket", t.id, action, None, {"note": note[:2000]})


# --- master data a command checks ----------------------------------------------------------


def require_service_type(ctx: CommandContext, key: str) -> ServiceType:
    try:
        return ctx.catalog.get(key)
    except CatalogError as exc:
        raise TicketError(str(exc)) from exc


def location_by_code(tx: Tx, code: str) -> Record | None:
    """Read once per command (the SMS and the slip both print it)."""
    if not code:
        return None
    key = ("location", code)
    if key not in tx.memo:
        tx.memo[key] = tx.record(LOCATION, "code = ?", (code,))
    return tx.memo[key]


def require_location(tx: Tx, code: str) -> Record:
    loc = location_by_code(tx, code)
    if loc is None or not loc.active:
        raise TicketError(f"unknown location code {code!r}")
    return loc


def require_location_department(tx: Tx, code: str) -> tuple[Record, str]:
    """An active location and the name of its own department, in one statement (a new
    ticket's search text carries the name)."""
    found, extra = tx.record_with(LOCATION, "(SELECT name FROM org_unit WHERE org_unit.code = location.org_code)",
                                  "code = ?", (code,))
    tx.memo[("location", code)] = found
    if found is None or not found.active:
        raise TicketError(f"unknown location code {code!r}")
    return found, str(extra[0] or "")


def org_by_code(tx: Tx, code: str) -> Record | None:
    return tx.record(ORG_UNIT, "code = ?", (code,))


def require_staff(tx: Tx, code: str) -> Record:
    staff = tx.record(STAFF, "code = ?", (code,))
    if staff is None or not staff.active:
        raise TicketError(f"unknown or inactive worker {code!r}")
    return staff


def staff_by_phone(tx: Tx, number: str) -> Record | None:
    key = normalise_number(number)
    if not key:
        return None
    return tx.record(STAFF, "phone = ? AND active = ?", (key, True))


# --- the workers on a ticket and its calls -------------------------------------------------


def active_assignments(tx: Tx, ticket_id: int) -> list[Record]:
    return tx.records(ASSIGNMENT, f"ticket_id = ? AND {ACTIVE} ORDER BY id", (ticket_id,))


def assignment(tx: Tx, ticket_id: int, staff_code: str) -> Record:
    a = next((x for x in active_assignments(tx, ticket_id) if x.staff_code == staff_code), None)
    if a is None:
        raise TicketError(f"ticket {ticket_id} is not assigned to {staff_code}")
    return a


def is_assigned(tx: Tx, ticket_id: int, staff_code: str) -> bool:
    return any(a.staff_code == staff_code for a in active_assignments(tx, ticket_id))


def end_assignment(tx: Tx, a: Record, state: str, reason: str) -> None:
    a.state, a.ended_at, a.reason = state, tx.now, reason[:500]


def attach_call(tx: Tx, ticket_id: int, uniqueid: str) -> bool:
    """Link a call to the ticket; False if it already was."""
    exists = tx.one("SELECT id FROM ticket_call WHERE ticket_id = ? AND uniqueid = ?",
                    (ticket_id, uniqueid))
    if exists is None:
        tx.insert(CALL, {"ticket_id": ticket_id, "uniqueid": uniqueid})
    return exists is None
