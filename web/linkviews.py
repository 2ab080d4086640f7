"""What the link pages show, read from the store: a work order as its worker sees it, a worker's
open orders, a ticket's progress as its reporter sees it (status and steps only: no names,
no numbers), and the photos of a ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.lifecycle import OPEN
from ticketing.model import Assignment, Location, OrgUnit, SparePart, Staff, Ticket, TicketPhoto

OPEN_STATES = [s.value for s in OPEN]
ACTIVE = ("offered", "accepted")
MAX_PARTS_LISTED = 500


def place(loc: Location | None, code: str) -> dict[str, str]:
    if loc is None:
        return {"code": code, "campus": "", "building": "", "floor": "", "room": "", "name": ""}
    return {"code": loc.code, "campus": loc.campus, "building": loc.building, "floor": loc.floor,
            "room": loc.room, "name": loc.name}


def photos_of(s: Session, ticket_id: int) -> list[dict[str, Any]]:
    return [{"id": p.id, "stage": p.stage, "by": p.uploaded_by, "at": p.uploaded_at,
             "width": p.width, "height": p.height}
            for p in s.scalars(select(TicketPhoto).where(TicketPhoto.ticket_id == ticket_id,
                                                         TicketPhoto.deleted_at.is_(None))
                               .order_by(TicketPhoto.id))]


def photo_row(s: Session, photo_id: int) -> TicketPhoto | None:
    p = s.get(TicketPhoto, photo_id)
    return p if p is not None and p.deleted_at is None else None


def work_order(s: Session, assignment_id: int) -> dict[str, Any] | None:
    """The order behind a work-order link: the ticket, its place with building and floor, its
    department, who reported it and their number (the worker calls them), the due times, the
    assignment's state, the report's photos, and the spare parts to choose from."""
    a = s.get(Assignment, assignment_id)
    if a is None:
        return None
    t = s.get(Ticket, a.ticket_id)
    staff = s.scalar(select(Staff).where(Staff.code == a.staff_code))
    loc = s.scalar(select(Location).where(Location.code == t.location_code)) if t and t.location_code else None
    org = s.scalar(select(OrgUnit).where(OrgUnit.code == t.org_code)) if t and t.org_code else None
    parts = s.execute(select(SparePart.code, SparePart.name, SparePart.spec, SparePart.unit)
                      .where(SparePart.active.is_(True)).order_by(SparePart.code)
                      .limit(MAX_PARTS_LISTED)).all()
    return {
        "assignment": {"id": a.id, "state": a.state, "open": a.state in ACTIVE,
                       "staff_code": a.staff_code, "staff_name": staff.name if staff else a.staff_code},
        "ticket": t, "place": place(loc, t.location_code if t else ""),
        "department": (org.name if org else ""), "department_en": (org.name_en if org else ""),
        "photos": photos_of(s, t.id) if t else [],
        "parts": [{"code": c, "name": n, "spec": sp or "", "unit": u or ""} for c, n, sp, u in parts],
    }


def open_orders(s: Session, staff_code: str) -> list[dict[str, Any]]:
    """A worker's open assignments on open tickets, the most urgent first."""
    rows = s.execute(select(Assignment, Ticket, Location)
                     .join(Ticket, Ticket.id == Assignment.ticket_id)
                     .outerjoin(Location, Location.code == Ticket.location_code)
                     .where(Assignment.staff_code == staff_code, Assignment.state.in_(ACTIVE),
                            Ticket.status.in_(OPEN_STATES))
                     .order_by(Ticket.completion_due, Ticket.id).limit(100)).all()
    return [{"assignment_id": a.id, "state": a.state, "ticket": t, "place": place(loc, t.location_code)}
            for a, t, loc in rows]


def progress(s: Session, ticket_id: int) -> dict[str, Any] | None:
    """A ticket as its reporter follows it: the service, the room, the status, the steps
    taken with their times and the time it is due — nobody's name or number."""
    t = s.get(Ticket, ticket_id)
    if t is None:
        return None
    loc = s.scalar(select(Location).where(Location.code == t.location_code)) if t.location_code else None
    steps: list[tuple[str, datetime]] = [
        (key, when) for key, when in (
            ("accepted", t.created_at), ("dispatched", t.dispatched_at),
            ("worker_accepted", t.worker_accepted_at), ("on_site", t.started_at),
            ("done", t.done_at), ("called_back", t.called_back_at),
            ("closed", t.closed_at)) if when is not None]
    steps.sort(key=lambda step: step[1])
    return {"id": t.id, "service_type": t.service_type, "status": t.status,
            "open": t.status in OPEN_STATES, "place": place(loc, t.location_code),
            "steps": steps, "completion_due": t.completion_due, "photos": len(photos_of(s, t.id))}
