"""Read-side queries for the pages and the API: search, lists, the board, SMS states.

Every query is bounded (LIMIT) and on an index, so pages stay fast with a million tickets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ticketing.lifecycle import OPEN, label
from ticketing.model import Assignment, Location, OrgUnit, SmsIn, SmsOut, Staff, Ticket
from ticketing.phone import normalise_number
from ticketing.search import search as find
from web.masking import redact
from web.names import Names
from web.paging import Page, paginate

OPEN_STATES = [s.value for s in OPEN]
CHIPS = 40  # the board shows at most this many undispatched / overdue tickets (and the count)


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


def time_limits(t: Ticket) -> list[datetime]:
    """The limits an open ticket can pass: the response one while no worker has accepted, and
    the completion one (``is_overdue``; the desk's shared list is kept until the next)."""
    if t.status not in OPEN_STATES:
        return []
    limits = [t.response_due] if t.response_due is not None and t.worker_accepted_at is None else []
    return limits + ([t.completion_due] if t.completion_due is not None else [])


def is_overdue(t: Ticket, now: datetime) -> bool:
    return any(limit < now for limit in time_limits(t))


def overdue_condition(now: datetime) -> Any:
    """Open and past a time limit (the response one only while no worker has accepted)."""
    return Ticket.status.in_(OPEN_STATES) & (
        ((Ticket.response_due < now) & Ticket.worker_accepted_at.is_(None)) | (Ticket.completion_due < now))


def ticket_page(s: Session, now: datetime, tz: ZoneInfo, view: str, service: str, login: str,
                number: int, size: int, base: str, params: Mapping[str, Any]) -> Page:
    """One page of the desk's list, newest first: ``view`` open | overdue | mine (open tickets
    this operator took) | today (taken today, whatever their state); of one ``service`` type."""
    if view == "today":
        start = datetime.combine(now.astimezone(tz).date(), time(0), tz)
        stmt = select(Ticket).where(Ticket.created_at >= start)
    elif view == "overdue":
        stmt = select(Ticket).where(overdue_condition(now))
    else:
        stmt = select(Ticket).where(Ticket.status.in_(OPEN_STATES))
        if view == "mine":
            stmt = stmt.where(Ticket.operator == login)
    if service:
        stmt = stmt.where(Ticket.service_type == service)
    stmt = stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc())
    return paginate(s, stmt, number, size, base, params)


def list_rows(s: Session, tickets: list[Ticket], words: Mapping[str, str], language: str,
              masked: bool, now: datetime) -> list[dict[str, Any]]:
    """The list form of tickets with the names of their places and workers."""
    names = Names(s, words, language)
    places = names.places(t.location_code for t in tickets)
    workers = names.staff(t.assignee for t in tickets)
    rows = []
    for t in tickets:
        row = ticket_row(t, language, masked, now)
        row["place"] = places.get(t.location_code, "")
        row["assignee_name"] = workers.get(t.assignee, "")
        rows.append(row)
    return rows


def open_tickets(s: Session, limit: int = 100) -> list[Ticket]:
    return list(s.scalars(select(Ticket).where(Ticket.status.in_(OPEN_STATES))
                          .order_by(Ticket.created_at.desc()).limit(limit)))


def search(s: Session, query: str, limit: int = 50, offset: int = 0,
           numbers: bool = True) -> tuple[list[Ticket], bool, int | None]:
    """A page of tickets matching ``query`` over every year (``ticketing.search``): the ticket
    whose number was typed, then those whose text holds every term, newest first; whether
    there is a next page; and, for a single character, the oldest ticket it was looked for in
    when older ones were not (``Page.searched_from``). ``numbers`` false (a viewer):
    ``NumberSearchRefused`` for a term with a run of digits, and digits alone are a ticket
    number or a location code."""
    page = find(s, query, offset, limit, numbers)
    by_id = {t.id: t for t in s.scalars(select(Ticket).where(Ticket.id.in_(page.ids)))}
    return [by_id[i] for i in page.ids if i in by_id], page.has_more, page.searched_from


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


def board(s: Session, now: datetime, language: str, masked: bool, words: Mapping[str, str] | None = None,
          team: str = "", skill: str = "", q: str = "", busy: bool = False, number: int = 1,
          size: int = 1000, base: str = "/board") -> dict[str, Any]:
    """Who is on duty — a page of them, of one ``team`` or ``skill``, matching ``q`` (name or
    code), only those with open work when ``busy`` — with their open work and each order's
    SMS state; the undispatched and overdue tickets (the first ``CHIPS`` of each, and how many)."""
    words = words or {}
    has_work = select(Assignment.staff_code).join(Ticket, Ticket.id == Assignment.ticket_id).where(
        Assignment.state.in_(("offered", "accepted")), Ticket.status.in_(OPEN_STATES))
    stmt = select(Staff).where(Staff.active.is_(True), Staff.role == "worker",
                               or_(Staff.on_duty.is_(True), Staff.code.in_(has_work)))
    if busy:
        stmt = stmt.where(Staff.code.in_(has_work))
    if team:
        stmt = stmt.where(Staff.team == team)
    if skill:
        stmt = stmt.where(or_(Staff.skills == skill, Staff.skills.like(f"{skill},%"),
                              Staff.skills.like(f"%,{skill}"), Staff.skills.like(f"%,{skill},%")))
    if q:
        like = "%" + q.replace("%", "").replace("_", "") + "%"
        stmt = stmt.where(or_(Staff.name.like(like), Staff.code.like(like)))
    params = {"team": team, "skill": skill, "q": q, "busy": "1" if busy else ""}
    staff_page = paginate(s, stmt.order_by(Staff.team, Staff.code), number, size, base, params)
    codes = [w.code for w in staff_page.rows]
    work = s.execute(select(Assignment.staff_code, Ticket)
                     .join(Ticket, Ticket.id == Assignment.ticket_id)
                     .where(Assignment.state.in_(("offered", "accepted")),
                            Ticket.status.in_(OPEN_STATES), Assignment.staff_code.in_(codes))
                     .order_by(Ticket.created_at)).all() if codes else []
    states = sms_states(s, [t.id for _c, t in work])
    names = Names(s, words, language)
    places = names.places(t.location_code for _c, t in work)
    by_worker: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for code, t in work:
        row = ticket_row(t, language, masked, now)
        row["sms"] = states.get((t.id, code), "none")
        row["place"] = places.get(t.location_code, "")
        by_worker[code].append(row)
    teams = names.orgs(w.team for w in staff_page.rows)
    staff_page.rows = [{"code": w.code, "name": w.name, "team": w.team, "team_name": teams.get(w.team, w.team),
                        "skills": w.skills, "on_duty": w.on_duty,
                        "phone": w.phone,
                        "work": by_worker.get(w.code, [])} for w in staff_page.rows]
    waiting_q = select(Ticket).where(Ticket.status == "accepted")
    overdue_q = select(Ticket).where(overdue_condition(now))
    waiting = list(s.scalars(waiting_q.order_by(Ticket.created_at).limit(CHIPS)))
    overdue = list(s.scalars(overdue_q.order_by(Ticket.created_at).limit(CHIPS)))
    chip_places = names.places(t.location_code for t in [*waiting, *overdue])

    def chip(t: Ticket) -> dict[str, Any]:
        return dict(ticket_row(t, language, masked, now), place=chip_places.get(t.location_code, ""))

    phones = [w["phone"] for w in staff_page.rows]
    out = redact({"workers": staff_page.rows,
                  "undispatched": [chip(t) for t in waiting],
                  "undispatched_total": s.scalar(select(func.count()).select_from(waiting_q.subquery())) or 0,
                  "overdue": [chip(t) for t in overdue],
                  "overdue_total": s.scalar(select(func.count()).select_from(overdue_q.subquery())) or 0},
                 masked, phones)
    staff_page.rows = out["workers"]
    return {**out, "page": staff_page}


def teams(s: Session, language: str) -> list[tuple[str, str]]:
    """(code, name) of the teams workers belong to, for the board's filter."""
    rows = s.execute(select(OrgUnit.code, OrgUnit.name, OrgUnit.name_en)
                     .where(OrgUnit.kind == "team", OrgUnit.active.is_(True)).order_by(OrgUnit.code)).all()
    return [(c, en if language == "en" and en else n) for c, n, en in rows]


def open_by_building(s: Session) -> list[dict[str, Any]]:
    rows = s.execute(select(func.coalesce(Location.building, ""), func.count(Ticket.id))
                     .select_from(Ticket).outerjoin(Location, Location.code == Ticket.location_code)
                     .where(Ticket.status.in_(OPEN_STATES))
                     .group_by(Location.building).order_by(func.count(Ticket.id).desc())).all()
    return [{"building": b or "—", "open": n} for b, n in rows]
