"""Caller and location context for the screen pop: who is calling, from where, what is open."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.lifecycle import OPEN
from ticketing.model import Location, OrgUnit, PhoneEntry, Staff, Ticket
from ticketing.phone import normalise_number


@dataclass(frozen=True)
class TicketBrief:
    id: int
    service_type: str
    status: str
    created_at: str
    description: str
    location_code: str


@dataclass(frozen=True)
class CallerContext:
    number: str
    known: bool
    person: str = ""
    staff_code: str = ""
    department: str = ""
    org_code: str = ""
    vip: bool = False
    location: dict[str, str] = field(default_factory=dict)
    caller_tickets: list[TicketBrief] = field(default_factory=list)
    location_tickets: list[TicketBrief] = field(default_factory=list)
    repeat_caller: bool = False
    warning: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def caller_context(s: Session, raw_number: str, now: datetime, recent: int = 5) -> CallerContext:
    """Look the number up in the phone directory and gather recent tickets of the caller and
    of the caller's usual location. Every query is on an index (number, location+created)."""
    number = normalise_number(raw_number)
    if not number:
        return CallerContext(number="", known=False, warning="no caller ID")
    entry = s.scalar(select(PhoneEntry).where(PhoneEntry.number == number, PhoneEntry.active.is_(True)))
    staff = None
    if entry is None:
        staff = s.scalar(select(Staff).where(Staff.phone == number, Staff.active.is_(True)))
    person = entry.person if entry else (staff.name if staff else "")
    org_code = entry.org_code if entry else (staff.org_code if staff else "")
    org = s.scalar(select(OrgUnit).where(OrgUnit.code == org_code)) if org_code else None
    loc = None
    if entry is not None and entry.location_code:
        loc = s.scalar(select(Location).where(Location.code == entry.location_code))
    caller_tickets = _briefs(s, Ticket.reporter_phone == number, recent)
    location_tickets = _briefs(s, Ticket.location_code == loc.code, recent) if loc else []
    day_ago = now - timedelta(hours=24)
    repeat = any(_is_open_recent(b, day_ago) for b in caller_tickets + location_tickets)
    return CallerContext(
        number=number, known=entry is not None or staff is not None, person=person,
        staff_code=(entry.staff_code if entry else (staff.code if staff else "")),
        department=org.name if org else "", org_code=org_code, vip=bool(entry and entry.vip),
        location=_loc(loc), caller_tickets=caller_tickets, location_tickets=location_tickets,
        repeat_caller=repeat,
        warning="" if (entry or staff) else "number not in the phone directory",
    )


def _briefs(s: Session, where: Any, limit: int) -> list[TicketBrief]:
    rows = s.scalars(select(Ticket).where(where).order_by(Ticket.created_at.desc()).limit(limit))
    return [TicketBrief(t.id, t.service_type, t.status, t.created_at.isoformat(),
                        t.description[:120], t.location_code) for t in rows]


def _is_open_recent(b: TicketBrief, since: datetime) -> bool:
    return b.status in {st.value for st in OPEN} and datetime.fromisoformat(b.created_at) >= since


def _loc(loc: Location | None) -> dict[str, str]:
    if loc is None:
        return {}
    return {"code": loc.code, "campus": loc.campus, "building": loc.building,
            "floor": loc.floor, "room": loc.room, "name": loc.name}


def find_location(s: Session, code: str) -> dict[str, str] | None:
    loc = s.scalar(select(Location).where(Location.code == code.strip(), Location.active.is_(True)))
    return _loc(loc) if loc else None
