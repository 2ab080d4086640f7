"""Tickets: list, search, create (受理), read, edit, worker suggestions and the slip preview.

``ticket_detail`` is what the ticket page and every ticket command answer with
(``run_ticket_command``: the ticket alone, ``ticket_record``, to a client that asks for a
minimal answer); ``published`` sends a changed ticket to the live pages. The lifecycle's steps
are in ``web.api.actions``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.lifecycle import label
from ticketing.model import PrintJob, SmsIn, SmsOut, Staff, Ticket
from ticketing.model_facilities import MaintenanceRun
from ticketing.phone import normalise_number
from ticketing.search import MAX_OFFSET, NumberSearchRefused
from ticketing.service import NewTicket, TicketNotFound, suggest_workers
from ticketing.stores import ticket_costs
from ticketing.views import TicketView
from web import explain, queries
from web.api.photos import photo_list
from web.auth import CurrentUser
from web.deps import Desk, Idempotent, Reader, TicketId, Writer, web_state
from web.idempotency import Once
from web.linkpages import hide_link_tokens
from web.masking import looks_like_number
from web.names import Names, place
from web.security import mask_name
from web.ticket_actions import offered

router = APIRouter(prefix="/api", tags=["tickets"])


# --- request bodies ----------------------------------------------------------------------

class MealLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=32)
    qty: int = Field(1, ge=1, le=50)


class MealIn(BaseModel):
    """A meal order: dishes of one menu (one day, one meal), delivered at ``delivery_time``
    (HH:MM on the menu's day, or ISO; default the meal's usual time)."""
    model_config = ConfigDict(extra="forbid")
    items: list[MealLineIn] = Field(min_length=1, max_length=20)
    delivery_time: str = Field("", max_length=40)
    note: str = Field("", max_length=200)


class CleaningIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    area: str = Field("", max_length=100)
    kind: Literal["routine", "spill", "deep", "terminal_disinfection", "medical_waste"] = "routine"


class ComplaintIn(BaseModel):
    """A complaint as the desk takes it: against whom and how serious (its investigation,
    finding and reply are the complaint's own steps: /api/tickets/{id}/complaint/…)."""
    model_config = ConfigDict(extra="forbid")
    target_kind: Literal["", "worker", "team", "department", "service"] = ""
    target_code: str = Field("", max_length=32)
    severity: Literal["minor", "normal", "serious"] = "normal"


class EscortIn(BaseModel):
    """An escort (陪检): the patient taken from a ward to an examination and when."""
    model_config = ConfigDict(extra="forbid")
    patient_name: str = Field(min_length=1, max_length=50)
    bed: str = Field("", max_length=20)
    from_: str = Field(alias="from", min_length=1, max_length=16, description="location code")
    to: str = Field(min_length=1, max_length=16, description="location code")
    appointment: str = Field(min_length=1, max_length=40, description="HH:MM today or ISO date-time")
    conveyance: Literal["walking", "wheelchair", "bed"] = "walking"
    oxygen: bool = False
    isolation: Literal["", "contact", "droplet", "airborne", "protective"] = ""
    exam: str = Field("", max_length=50)
    note: str = Field("", max_length=200)


class DetailsIn(BaseModel):
    """The fields of meal orders, cleaning tasks, escorts and complaints (other service types
    take none)."""
    model_config = ConfigDict(extra="forbid")
    meal: MealIn | None = None
    cleaning: CleaningIn | None = None
    escort: EscortIn | None = None
    complaint: ComplaintIn | None = None

    def plain(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, by_alias=True)


class NewTicketIn(BaseModel):
    service_type: str = Field(max_length=20)
    description: str = Field("", max_length=4000)
    location_code: str = Field("", max_length=16)
    reporter_name: str = Field("", max_length=50)
    reporter_phone: str = Field("", max_length=30)
    org_code: str = Field("", max_length=32)
    priority: Literal["normal", "urgent", "critical"] = "normal"
    source: Literal["phone", "ivr", "self_service", "desk", "sms"] = "phone"
    call_uniqueid: str = Field("", max_length=64)
    details: DetailsIn = Field(default_factory=DetailsIn)


class EditIn(BaseModel):
    description: str | None = Field(None, max_length=4000)
    location_code: str | None = Field(None, max_length=16)
    priority: Literal["normal", "urgent", "critical"] | None = None
    reporter_name: str | None = Field(None, max_length=50)
    reporter_phone: str | None = Field(None, max_length=30)
    service_type: str | None = Field(None, max_length=20)
    details: DetailsIn | None = None


# --- what a ticket looks like to the pages -------------------------------------------------

def row(web: Any, t: Ticket | TicketView, user: CurrentUser) -> dict[str, Any]:
    return queries.ticket_row(t, user.language, user.masked, web.deps.clock.now())  # type: ignore[arg-type]


def published(web: Any, view: TicketView) -> TicketView:
    """Send the changed ticket to the desks' live streams (``ticket`` events)."""
    web.feed.publish(queries.ticket_row(view, web.deps.settings.language, False, web.deps.clock.now()))  # type: ignore[arg-type]
    return view


CODE_NOTES = frozenset({"dispatch", "worker_accept", "start", "release", "approval_requested", "escalate"})


def _ticket(web: Any, view: TicketView, user: CurrentUser) -> dict[str, Any]:
    out = view.as_dict()
    out["overdue"] = queries.is_overdue(view, web.deps.clock.now())  # type: ignore[arg-type]
    out["status_label"] = label(view.status, user.language)
    out["service_name"] = web.deps.service.catalog.get(view.service_type).name(user.language) \
        if view.service_type in web.deps.service.catalog.types else view.service_type
    if user.masked:
        escort = out["details"].get("escort")
        if isinstance(escort, dict):  # a patient's name is personal data too
            out["details"]["escort"] = {**escort, "patient_name": mask_name(escort.get("patient_name", ""))}
    return out


RECORD_ONLY = ("workers", "parts", "calls", "timeline")  # the page's, read after the command


def ticket_record(web: Any, view: TicketView, user: CurrentUser) -> dict[str, Any]:
    """The ticket as a command left it — its own fields (status, version, times, details…)
    with ``overdue``, ``status_label`` and ``service_name``, not its workers, parts, calls or
    timeline — from the command's own result, reading nothing: a command's answer to
    ``Prefer: return=minimal``."""
    out = _ticket(web, view, user)
    for key in RECORD_ONLY:
        del out[key]
    return user.redact(out, [view.reporter_phone])  # type: ignore[no-any-return]


def run_ticket_command(web: Any, user: CurrentUser, once: Once, command: Callable[[], TicketView],
                       status: int = 200, ticket_id: int | None = None) -> Any:
    """``once.run`` for a ticket command: the answer is the ticket's page, or the ticket alone
    when the client asked for a minimal answer — that one made without reading anything, so
    ``Once.run`` keeps it with the request's key in the command's own transaction."""
    kept = (lambda view: ticket_record(web, view, user)) if once.minimal else None
    return once.run(user, command, ticket_answer(web, user, once.minimal), status=status,
                    ticket_id=ticket_id, kept=kept)


def ticket_answer(web: Any, user: CurrentUser, minimal: bool) -> Callable[[TicketView | int], dict[str, Any]]:
    """What a ticket command answers, from its result (the ticket it left) or, when a retry
    rebuilds a lost answer, from the ticket's id: the ticket's page (``ticket_detail``), or the
    ticket alone (``ticket_record``) when the client asked for a minimal answer."""
    def answer(result: TicketView | int) -> dict[str, Any]:
        view = result if isinstance(result, TicketView) else web.deps.service.get(result)
        return ticket_record(web, view, user) if minimal else ticket_detail(web, view.id, user, view)
    return answer


def ticket_detail(web: Any, ticket_id: int, user: CurrentUser,
                  view: TicketView | None = None) -> dict[str, Any]:
    """Everything the ticket page shows: the ticket, its timeline, SMS and print jobs, the
    names of its place, department, workers and people (``place``, ``org_name``,
    ``worker_names``, each step's ``actor_name`` and ``note_text`` in the user's language),
    its telephony (``web.api.telephony``: calls placed, recordings) and the ``actions`` it
    offers this user (``web.ticket_actions``). ``view``: the ticket as a command just left
    it, when there is one (else it is read)."""
    from web.api.telephony import telephony_extras

    view = view if view is not None else web.deps.service.get(ticket_id)
    out = _ticket(web, view, user)
    language = web.language(user)
    words = web.words(language)
    with web.deps.store.reading() as s:
        out.update(_ticket_extras(s, view))
        out.update(telephony_extras(s, view, user, web.deps.settings.recordings.dir
                                    if web.deps.settings.recordings.enabled else ""))
        names = Names(s, words, language)
        noted = [code for e in view.timeline if e.action in CODE_NOTES for code in re.findall(r"[\w.-]+", e.note)]
        people = names.people([explain.actor_code(e.actor) for e in view.timeline] + noted
                              + [c for c, _st in view.workers] + [view.operator]
                              + [m["staff_code"] for m in out["sms"]])
        out["org_name"] = names.orgs([view.org_code]).get(view.org_code, "") if view.org_code else ""
    out["worker_names"] = {**out["worker_names"], **{c: people.get(c, c) for c, _st in view.workers}}
    out["operator_name"] = people.get(view.operator, view.operator)
    out["place"] = place(out["location"], words) if out["location"] else ""
    for step in out["timeline"]:
        step["actor_name"] = explain.actor(step["actor"], words, people)
        step["note_text"] = explain.note(step["action"], step["note"], words, people,
                                         explain.actor_code(step["actor"]))
    for sms in out["sms"]:  # a work order's link acts as its worker: the desk sees one was sent
        sms["staff_name"] = people.get(sms["staff_code"], sms["staff_code"])
        sms["text"] = hide_link_tokens(sms["text"])
    out["photos"] = photo_list(web, ticket_id) if user.can("desk") else []  # not for viewers
    active = [c for c, st in view.workers if st in ("offered", "accepted")]
    out["actions"] = offered(view, user.can, has_slip=bool(out["prints"]), active_workers=active)
    known = [view.reporter_phone, *(m["number"] for m in out["sms"]),
             *(m["number"] for m in out["replies"])]
    return user.redact(out, known)


def _ticket_extras(s: Session, view: TicketView) -> dict[str, Any]:
    from ticketing.context import find_location

    codes = [c for c, _st in view.workers]
    names = dict(s.execute(select(Staff.code, Staff.name).where(Staff.code.in_(codes))).all())
    sms = [{"id": r.id, "staff_code": r.staff_code, "number": r.number, "kind": r.kind,
            "status": r.status, "text": r.text, "created_at": r.created_at.isoformat(),
            "error": r.error}
           for r in s.scalars(select(SmsOut).where(SmsOut.ticket_id == view.id).order_by(SmsOut.id))]
    inbox = list(s.scalars(select(SmsIn).where(SmsIn.ticket_id == view.id).order_by(SmsIn.id)))
    numbers = {r.number: normalise_number(r.number) for r in inbox}
    senders = dict(s.execute(select(Staff.phone, Staff.name).where(
        Staff.phone.in_(set(numbers.values())))).all()) if inbox else {}
    replies = [{"number": r.number, "text": r.text,
                "outcome": r.outcome, "reason": r.reason, "at": r.received_at.isoformat(),
                "sender": senders.get(numbers[r.number], "")} for r in inbox]
    prints = [{"id": p.id, "printer": p.printer, "status": p.status, "error": p.error,
               "created_at": p.created_at.isoformat()}
              for p in s.scalars(select(PrintJob).where(PrintJob.ticket_id == view.id)
                                 .order_by(PrintJob.id))]
    return {"worker_names": names, "sms": sms, "replies": replies, "prints": prints,
            "location": find_location(s, view.location_code) if view.location_code else None,
            "cost": ticket_costs(s, view.id), "round": _round_summary(s, view.id)}


def _round_summary(s: Session, ticket_id: int) -> dict[str, int] | None:
    """An inspection round's ticket: how many checklist items it has and how many are checked
    (the desk offers the checklist beside 办结: a round is done only with every item checked)."""
    run = s.scalars(select(MaintenanceRun).where(MaintenanceRun.ticket_id == ticket_id)).first()
    if run is None or not run.checklist:
        return None
    results = list(run.results or [])
    checked = sum(1 for r in results[:len(run.checklist)] if r.get("ok") is not None)
    return {"items": len(run.checklist), "checked": checked}


# --- routes (/tickets/search before /tickets/{ticket_id}: the first match wins) ---------------

@router.get("/tickets")
def list_tickets(request: Request, user: Reader,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    """Open tickets, newest first."""
    web = web_state(request)
    with web.deps.store.reading() as s:
        return [row(web, t, user) for t in queries.open_tickets(s, limit)]


@router.get("/tickets/search")
def search_tickets(request: Request, response: Response, user: Reader,
                   q: Annotated[str, Query(max_length=100)] = "",
                   limit: Annotated[int, Query(ge=1, le=200)] = 50,
                   offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> list[dict[str, Any]]:
    """Every year's tickets by ticket number, caller number, location, department, or any
    words of their text, notes and workers' SMS replies (Chinese: any part of a word); the
    ticket whose number was typed first, then newest first. A page of ``limit`` from
    ``offset``; ``X-More: 1`` when there is a next page. A single character is looked for in
    the newest 100,000 tickets: ``X-Searched-From`` names the oldest of them when there are
    older ones (two characters search every year)."""
    web = web_state(request)
    refused = HTTPException(403, "caller numbers are masked for your role, so you may not search by "
                                 "a number: search a ticket number (#1042), a location code or words")
    if user.masked and looks_like_number(q) and not re.fullmatch(r"#\d{1,9}", q.strip()):
        raise refused
    with web.deps.store.reading() as s:
        try:
            found, more, searched_from = queries.search(s, q, limit, offset, numbers=not user.masked)
        except NumberSearchRefused:
            raise refused from None
        response.headers["X-More"] = "1" if more else "0"
        if searched_from is not None:
            response.headers["X-Searched-From"] = str(searched_from)
        return [row(web, t, user) for t in found]


@router.post("/tickets", status_code=201)
def create_ticket(request: Request, body: NewTicketIn, user: Writer, once: Idempotent) -> dict[str, Any]:
    """受理: a new ticket owned by the caller of this API. With an ``Idempotency-Key`` header a
    retry answers with the ticket the first request made instead of making another."""
    web = web_state(request)
    fields = body.model_dump(exclude={"details"})

    def command() -> TicketView:
        view = web.deps.service.accept(user.username, NewTicket(**fields, details=body.details.plain()))
        published(web, view)
        return view

    return run_ticket_command(web, user, once, command, status=201)  # type: ignore[no-any-return]


@router.get("/tickets/{ticket_id}")
def get_ticket(request: Request, ticket_id: TicketId, user: Reader) -> dict[str, Any]:
    """One ticket with its timeline, workers, SMS, replies and print jobs."""
    return ticket_detail(web_state(request), ticket_id, user)


@router.patch("/tickets/{ticket_id}")
def edit_ticket(request: Request, ticket_id: TicketId, body: EditIn, user: Writer,
                once: Idempotent) -> dict[str, Any]:
    """Change an open ticket's description, location, priority, reporter or service type."""
    web = web_state(request)
    changes = body.model_dump(exclude_none=True, exclude={"details"})
    if body.details is not None:
        changes["details"] = body.details.plain()
    if not changes:
        raise HTTPException(400, "nothing to change")
    if "reporter_phone" in changes:
        changes["reporter_phone"] = normalise_number(changes["reporter_phone"])
    return run_ticket_command(  # type: ignore[no-any-return]
        web, user, once, lambda: published(web, web.deps.service.edit(user.username, ticket_id, **changes)),
        ticket_id=ticket_id)


@router.get("/tickets/{ticket_id}/suggestions")
def suggestions(request: Request, ticket_id: TicketId, user: Desk) -> list[dict[str, Any]]:
    """Qualified on-duty workers for the ticket's service, least loaded first."""
    web = web_state(request)
    catalog = web.deps.service.catalog
    with web.deps.store.reading() as s:  # the ticket's service, not its page
        service_type = s.scalar(select(Ticket.service_type).where(Ticket.id == ticket_id))
        if service_type is None:
            raise TicketNotFound(f"no ticket {ticket_id}")
        skill = catalog.get(service_type).skill if service_type in catalog.types else ""
        return [{"code": w.code, "name": w.name, "team": w.team, "skills": w.skills}
                for w in suggest_workers(s, skill, limit=8)]


@router.get("/tickets/{ticket_id}/slip", response_class=HTMLResponse)
def slip(request: Request, ticket_id: TicketId, user: Reader) -> Response:
    """The latest work slip of the ticket as a page, rendered by the receipts adapter."""
    web = web_state(request)
    with web.deps.store.reading() as s:
        job = s.scalar(select(PrintJob).where(PrintJob.ticket_id == ticket_id)
                       .order_by(PrintJob.id.desc()).limit(1))
        snapshot = dict(job.snapshot) if job else None
    if snapshot is None:
        raise HTTPException(404, f"ticket {ticket_id} has no slip yet")
    if web.deps.slip_preview is None:
        raise HTTPException(404, "slip preview is not available (no receipts adapter)")
    known = [str((snapshot.get("reporter") or {}).get("phone", "")),
             *(str(w.get("phone", "")) for w in snapshot.get("workers") or [])]
    slip_html = web.deps.slip_preview(user.redact(snapshot, known))
    # A page of its own, its style from /static/slip.css: the CSP forbids inline styles.
    page = ('<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            '<title>#{id}</title><link rel="stylesheet" href="/static/slip.css"></head>'
            '<body class="slip-page">{slip}</body></html>')
    return HTMLResponse(page.format(lang=html.escape(user.language), id=ticket_id, slip=slip_html),
                        headers={"Cache-Control": "no-store"})
