"""Read-side queries for the pages and the API: search, lists, the board, SMS states.

Every query is bounded (LIMIT) and on an index, so pages stay fast with a million tickets.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.lifecycle import OPEN, label
from ticketing.model import Assignment, Location, SmsIn, SmsOut, Staff, Ticket
from ticketing.phone import normalise_number
from ticketing.search import search as find
from web.masking import redact

OPEN_STATES = [s.value for s in OPEN]


def ticket_row(t: Ticket, language: str, masked: bool, now: datetime) -> dict[str, Any]:
    """The list form of a ticket, as the desk and board show it (``masked``: as a viewer
    may see it — the description is masked whole, then cut)."""
    row = {
        "id": t.id, "service_type": t.service_type, "priority": t.priority, "status": t.status,
        "status_label": label(t.status, language), "location_code": t.location_code,
        "reporter_name": t.reporter_name, "reporter_phone": t.reporter_phone,
        "description": t.description, "assignee": t.assignee, "operator": t.operator,
        "created_at": t.created_at.isoformat(), "version": t.version,
        "overdue": is_overdue(t, now),
    }
    row = redact(row, masked, (t.reporter_phone,))
    row["description"] = row["description"][:200]
    return row


def is_overdue(t: Ticket, now: datetime) -> bool:
    if t.status not in OPEN_STATES:
        return False
    late_response = t.response_due is not None and t.response_due < now and t.worker_accepted_at is None
    return late_response or (t.completion_due is not None and t.completion_due < now)


def open_tickets(s: Session, limit: int = 100) -> list[Ticket]:
    return list(s.scalars(select(Ticket).where(Ticket.status.in_(OPEN_STATES))
                          .order_by(Ticket.created_at.desc()).limit(limit)))


def search(s: Session, query: str, limit: int = 50, offset: int = 0,
           numbers: bool = True) -> tuple[list[Ticket], bool]:
    """A page of tickets matching ``query`` over every year (``ticketing.search``): the ticket
    whose number was typed, then those whose text holds every term, newest first; and whether
    there is a next page. ``numbers`` false (a viewer): ``NumberSearchRefused`` for a term with
    a run of digits, and digits alone are a ticket number or a location code."""
    page = find(s, query, offset, limit, numbers)
    by_id = {t.id: t for t in s.scalars(select(Ticket).where(Ticket.id.in_(page.ids)))}
    return [by_id[i] for i in page.ids if i in by_id], page.has_more


def sms_states(s: Session, ticket_ids: list[int]) -> dict[tuple[int, str], str]:
    """(ticket, worker) → queued | sent | delivered | failed | replied, for the board."""
    if not ticket_ids:
        return {}
    out: dict[tuple[int, str], str] = {}
    for tid, code, status in s.execute(
            select(SmsOut.ticket_id, SmsOut.staff_code, SmsOut.status)
            .where(SmsOut.ticket_id.in_(ticket_ids), SmsOut.kind == "work_order")
            .order_by(SmsOut.id)):
        if tid is not None:
            out[(tid, code)] = "queued" if status in ("retry", "sending") else status
    phones = dict(s.execute(select(Staff.phone, Staff.code)).all())
    for tid, number in s.execute(select(SmsIn.ticket_id, SmsIn.number)
                                 .where(SmsIn.ticket_id.in_(ticket_ids), SmsIn.outcome == "acted")):
        replied = phones.get(normalise_number(number))
        if replied and tid is not None:
            out[(tid, replied)] = "replied"
    return out


def board(s: Session, now: datetime, language: str, masked: bool) -> dict[str, Any]:
    """Who is on duty, their open work with each order's SMS state, and overdue tickets."""
    staff = list(s.scalars(select(Staff).where(Staff.active.is_(True), Staff.role == "worker")
                           .order_by(Staff.team, Staff.code)))
    work = s.execute(select(Assignment.staff_code, Ticket)
                     .join(Ticket, Ticket.id == Assignment.ticket_id)
                     .where(Assignment.state.in_(("offered", "accepted")),
                            Ticket.status.in_(OPEN_STATES))
                     .order_by(Ticket.created_at)).all()
    states = sms_states(s, [t.id for _c, t in work])
    by_worker: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for code, t in work:
        row = ticket_row(t, language, masked, now)
        row["sms"] = states.get((t.id, code), "none")
        by_worker[code].append(row)
    workers = [{"code": w.code, "name": w.name, "team": w.team, "skills": w.skills,
                "on_duty": w.on_duty, "phone": w.phone, "work": by_worker.get(w.code, [])}
               for w in staff if w.on_duty or by_worker.get(w.code)]
    waiting = [ticket_row(t, language, masked, now) for t in s.scalars(
        select(Ticket).where(Ticket.status == "accepted").order_by(Ticket.created_at).limit(100))]
    overdue = [r for r in (ticket_row(t, language, masked, now) for t in open_tickets(s, 500))
               if r["overdue"]]
    out = {"workers": workers, "undispatched": waiting, "overdue": overdue}
    return redact(out, masked, [w.phone for w in staff])


def open_by_building(s: Session) -> list[dict[str, Any]]:
    rows = s.execute(select(func.coalesce(Location.building, ""), func.count(Ticket.id))
                     .select_from(Ticket).outerjoin(Location, Location.code == Ticket.location_code)
                     .where(Ticket.status.in_(OPEN_STATES))
                     .group_by(Location.building).order_by(func.count(Ticket.id).desc())).all()
    return [{"building": b or "—", "open": n} for b, n in rows]
