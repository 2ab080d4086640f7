"""Intake: a ticket comes in, is corrected, and gathers its calls.

``accept`` (受理) creates the ticket with its deadlines from the catalog and the business
calendar (scheduled work — a meal's delivery, an escort's appointment — at its own time:
``ticketing/deadlines.py``), owned by the operator who took it; ``edit`` changes what the desk may change;
``link_call`` ties a call to it. The fields of a form (a meal order's dishes, a cleaning task's
area) are checked and normalised here, through ``ticketing/orders.py``; an order that needs
the ward head's approval asks for it (``approval.request_approval``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing import complaints, search
from ticketing.audit import audit, row_dict
from ticketing.catalog import PRIORITIES, ServiceType
from ticketing.commands.approval import request_approval
from ticketing.commands.base import SOURCES, TICKET, CommandContext, NewTicket, TicketError
from ticketing.commands.complaints import check_target
from ticketing.commands.rows import (
    add_note,
    attach_call,
    load,
    org_by_code,
    require_location,
    require_location_department,
    require_service_type,
)
from ticketing.deadlines import due_times, pickup_at
from ticketing.lifecycle import Action, Status, next_status
from ticketing.model import PhoneEntry
from ticketing.orders import DetailsError, approval_of, normalise_details, set_approval
from ticketing.phone import normalise_number
from ticketing.stats import bump_daily
from ticketing.tx import Record, Tx

EDITABLE = frozenset({"description", "location_code", "priority", "reporter_name", "reporter_phone",
                      "org_code", "details", "service_type"})


def accept(ctx: CommandContext, tx: Tx, actor: str, new: NewTicket) -> Record:
    """受理: create a ticket owned by ``actor`` (first-contact responsibility)."""
    st = require_service_type(ctx, new.service_type)
    if new.source not in SOURCES:
        raise TicketError(f"source must be one of {', '.join(SOURCES)}")
    priority = new.priority
    if priority not in PRIORITIES:
        raise TicketError(f"priority must be one of {', '.join(PRIORITIES)}")
    if st.urgent_always and priority == "normal":
        priority = "urgent"
    org = new.org_code
    department = ""  # its name, for the search
    if org:
        unit = org_by_code(tx, org)
        if unit is None:
            raise TicketError(f"unknown department code {org!r}")
        department = unit.name
    loc = None
    if new.location_code:
        loc, loc_department = require_location_department(tx, new.location_code)
        if not org:  # the location's department, as its import checked it
            org, department = loc.org_code, loc_department
    now = tx.now
    details = checked_details(ctx, tx, st, new.details, now, org)
    response_due, completion_due = due_times(ctx.catalog, ctx.calendar, st.key, priority, now, details)
    if new.completion_due is not None:  # a planned job: done by its due date, answered before
        completion_due = new.completion_due
        response_due = min(response_due, completion_due)
    t = tx.create(TICKET, {
        "service_type": st.key, "priority": priority, "status": Status.ACCEPTED.value,
        "source": new.source, "location_code": new.location_code, "org_code": org,
        "reporter_name": new.reporter_name[:50], "reporter_phone": normalise_number(new.reporter_phone),
        "description": new.description[:4000], "details": details, "operator": actor,
        "created_at": now, "response_due": response_due, "completion_due": completion_due,
        "escalation_level": 0, "breach_notified": False, "reopen_count": 0, "version": 1})
    audit(tx, now, actor, "ticket", t.id, "create", None, row_dict(t))
    search.index_new(tx, t, loc, department)
    bump_daily(tx, t, ctx.calendar.tz, created=1)
    if new.call_uniqueid:
        attach_call(tx, t.id, new.call_uniqueid)
    if approval_of(t.details):
        request_approval(ctx, tx, t, actor)
    return t


def edit(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, changes: dict[str, Any]) -> Record:
    """Change the ``EDITABLE`` fields; new deadlines if the priority or service type changed."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise TicketError(f"cannot edit {', '.join(sorted(unknown))}")
    t = load(tx, ticket_id)
    before = row_dict(t)
    next_status(t.id, t.status, Action.EDIT)
    if "location_code" in changes and changes["location_code"]:
        require_location(tx, changes["location_code"])
    if "priority" in changes and changes["priority"] not in PRIORITIES:
        raise TicketError(f"priority must be one of {PRIORITIES}")
    if "service_type" in changes:
        require_service_type(ctx, changes["service_type"])
    ask = False
    if {"details", "service_type"} & set(changes):
        changes["details"], ask = edited_details(
            ctx, tx, t, changes.get("service_type", t.service_type), changes.get("details", t.details))
    for key, value in changes.items():
        setattr(t, key, value)
    if ask:
        request_approval(ctx, tx, t, actor)
    if {"priority", "service_type", "details"} & set(changes):  # a new delivery or appointment time too
        t.response_due, t.completion_due = due_times(ctx.catalog, ctx.calendar, t.service_type, t.priority,
                                                     t.created_at, t.details)
    t.version += 1
    audit(tx, tx.now, actor, "ticket", t.id, "edit", before, row_dict(t))
    search.reindex(tx, t.id)
    return t


def link_call(ctx: CommandContext, tx: Tx, ticket_id: int, uniqueid: str, actor: str) -> None:
    """Tie a call (its Asterisk uniqueid) to the ticket, once; the timeline notes it."""
    t = load(tx, ticket_id)
    if attach_call(tx, t.id, uniqueid):
        add_note(tx, t, "link_call", actor, uniqueid)


# --- the fields of a form (ticketing/orders.py) ------------------------------------------------


def checked_details(ctx: CommandContext, tx: Tx, st: ServiceType, details: dict[str, Any],
                    now: datetime, org_code: str, kept: dict[str, Any] | None = None) -> dict[str, Any]:
    """Details normalised for ``st``. A meal order for a ward starts pending its ward head's
    approval when the catalog asks for one (other departments have no ward head). A
    complaint's form (``ticketing/complaints.py``) keeps what its own steps recorded in
    ``kept`` (the ticket's details before an edit)."""
    raw = dict(details or {})
    complaint = raw.pop("complaint", None) if st.form == "complaint" else None
    try:
        out = normalise_details(tx.session if st.form in ("meal", "escort") else None, st.form,
                                raw, now, ctx.calendar.tz)
        if st.form == "complaint":
            out["complaint"] = complaints.desk_form(complaint, (kept or {}).get("complaint"))
    except DetailsError as exc:
        raise TicketError(str(exc)) from exc
    if st.form == "complaint":
        form = out["complaint"]
        check_target(ctx, tx, form["target_kind"], form["target_code"])
    if "escort" in out:  # the porter on the ward this long before the appointment
        out["escort"]["pickup_at"] = pickup_at(st, out).isoformat()  # type: ignore[union-attr]
    if st.approval == "ward_head" and "meal" in out and org_code:
        org = org_by_code(tx, org_code)
        if org is not None and org.kind == "ward":
            out = set_approval(out, st.approval, "pending", "", now)
    return out


def edited_details(ctx: CommandContext, tx: Tx, t: Record, service_type: str,
                   details: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The edited details, and whether the ward head must be asked (again)."""
    st = require_service_type(ctx, service_type)
    old = dict(t.details or {})
    # the order as the desk sends it back: codes and quantities (names and prices come anew)
    out = checked_details(ctx, tx, st, {k: v for k, v in (details or {}).items() if k != "approval"},
                          tx.now, t.org_code, old)
    same_order = service_type == t.service_type and _order_key(old.get("meal")) == _order_key(out.get("meal"))
    if "meal" in out and not same_order and t.status != Status.ACCEPTED.value:
        raise TicketError(f"ticket {t.id} is {t.status}: the kitchen has the order; "
                          "cancel it and order again")
    kept = approval_of(old)
    if kept and "approval" in out and same_order:
        out["approval"] = kept  # the same dishes: the decision stands
        return out, False
    return out, "approval" in out


def _order_key(meal: Any) -> tuple[Any, ...]:
    if not isinstance(meal, dict):
        return ()
    return (tuple(sorted((i["code"], i["qty"]) for i in meal.get("items", []))),
            meal.get("delivery_time"), meal.get("note", ""))


# --- who is calling ------------------------------------------------------------------------


def caller_directory_entry(s: Session, number: str) -> PhoneEntry | None:
    """The phone directory's entry for a caller's number, if any."""
    key = normalise_number(number)
    return s.scalar(select(PhoneEntry).where(PhoneEntry.number == key)) if key else None
