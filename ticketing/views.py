"""Read models handed out of a transaction (plain frozen data, no lazy loading)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.model import Assignment, Ticket, TicketCall, TicketEvent, TicketPart


@dataclass(frozen=True)
class EventView:
    at: datetime
    action: str
    from_status: str
    to_status: str
    actor: str
    note: str


@dataclass(frozen=True)
class TicketView:
    id: int
    service_type: str
    priority: str
    status: str
    source: str
    location_code: str
    org_code: str
    reporter_name: str
    reporter_phone: str
    description: str
    details: dict[str, Any]
    operator: str
    assignee: str
    created_at: datetime
    dispatched_at: datetime | None
    worker_accepted_at: datetime | None
    started_at: datetime | None
    done_at: datetime | None
    called_back_at: datetime | None
    assessed_at: datetime | None
    response_due: datetime | None
    completion_due: datetime | None
    escalation_level: int
    reopen_count: int
    satisfaction: int | None
    merged_into: int | None
    version: int
    workers: tuple[tuple[str, str], ...] = ()  # (staff code, assignment state)
    parts: tuple[tuple[str, int], ...] = ()
    calls: tuple[str, ...] = ()
    timeline: tuple[EventView, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if isinstance(value, datetime):
                value = value.isoformat()
            elif key == "timeline":
                value = [dict(e.__dict__, at=e.at.isoformat()) for e in value]
            elif isinstance(value, tuple):
                value = [list(v) if isinstance(v, tuple) else v for v in value]
            out[key] = value
        return out


_FIELDS = [f for f in TicketView.__dataclass_fields__ if f not in ("workers", "parts", "calls", "timeline")]


def ticket_view(s: Session, t: Ticket, details: bool = False) -> TicketView:
    """The ticket's own columns; with ``details`` also its workers, parts, calls and timeline
    (commands return the plain view: they are on the hot path)."""
    values = {name: getattr(t, name) for name in _FIELDS}
    values["details"] = dict(values["details"] or {})
    if not details:
        return TicketView(**values)
    s.flush()
    workers = tuple((a.staff_code, a.state) for a in s.scalars(
        select(Assignment).where(Assignment.ticket_id == t.id).order_by(Assignment.id)))
    parts = tuple((p.part_code, p.qty) for p in s.scalars(
        select(TicketPart).where(TicketPart.ticket_id == t.id).order_by(TicketPart.id)))
    calls = tuple(s.scalars(select(TicketCall.uniqueid).where(TicketCall.ticket_id == t.id)
                            .order_by(TicketCall.id)))
    timeline = tuple(EventView(e.at, e.action, e.from_status, e.to_status, e.actor, e.note)
                     for e in s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id)
                                            .order_by(TicketEvent.id)))
    return TicketView(**values, workers=workers, parts=parts, calls=calls, timeline=timeline)
