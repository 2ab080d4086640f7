"""The JSON API under /api/: the same operations as the pages, documented by OpenAPI.

Every route names one permission (``require``); tests walk the app's routes to prove each
refuses a stranger (401) and a role without the permission (403).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from ticketing.audit import audit, history
from ticketing.calls import list_calls
from ticketing.catalog import CatalogError
from ticketing.context import caller_context
from ticketing.lifecycle import IllegalTransition, label
from ticketing.model import MenuItem, PrintJob, SmsIn, SmsOut, Staff, Ticket
from ticketing.orders import cutoff_at
from ticketing.service import NewTicket, TicketError, TicketNotFound, suggest_workers
from ticketing.stats import Period, repeat_locations, summary
from ticketing.views import TicketView
from web import export, queries
from web.auth import CurrentUser, require
from web.security import mask_number

router = APIRouter(prefix="/api", tags=["api"])

TicketId = Annotated[int, Path(ge=1, le=2_147_483_647, description="ticket number")]
Reader = Annotated[CurrentUser, Depends(require("read"))]
Desk = Annotated[CurrentUser, Depends(require("desk"))]
Writer = Annotated[CurrentUser, Depends(require("write"))]
Supervisor = Annotated[CurrentUser, Depends(require("supervise"))]
Exporter = Annotated[CurrentUser, Depends(require("export"))]

PUBLIC_ROUTES = frozenset({"/api/health"})  # the only /api/ route open to strangers


def _web(request: Request) -> Any:
    return request.app.state.web


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


class DetailsIn(BaseModel):
    """The fields of meal orders and cleaning tasks (other service types take none)."""
    model_config = ConfigDict(extra="forbid")
    meal: MealIn | None = None
    cleaning: CleaningIn | None = None

    def plain(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


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


class DecisionIn(BaseModel):
    by: str = Field("", max_length=50)  # the ward head who gave the decision by phone
    note: str = Field("", max_length=200)


class DispatchIn(BaseModel):
    staff_codes: list[Annotated[str, Field(max_length=32)]] = Field(min_length=1, max_length=10)
    printer: str | None = Field(None, max_length=32)
    print_slip: bool = True


class ReasonIn(BaseModel):
    reason: str = Field("", max_length=2000)


class CompleteIn(BaseModel):
    note: str = Field("", max_length=2000)


class MergeIn(BaseModel):
    into_id: int = Field(ge=1, le=2_147_483_647)
    note: str = Field("", max_length=2000)


class CallbackIn(BaseModel):
    score: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=2000)
    via: Literal["operator", "ivr", "sms"] = "operator"


class AssessIn(BaseModel):
    result: str = Field(min_length=1, max_length=2000)


# --- errors the core raises are the user's to fix: 4xx, never 500 ---------------------------

def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(TicketNotFound)
    async def _not_found(_r: Request, exc: TicketNotFound) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(IllegalTransition)
    async def _illegal(_r: Request, exc: IllegalTransition) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(TicketError)
    async def _ticket_error(_r: Request, exc: TicketError) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(CatalogError)
    async def _catalog(_r: Request, exc: CatalogError) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=400)


# --- who am I ----------------------------------------------------------------------------

@router.get("/me")
def me(user: Reader) -> dict[str, Any]:
    """The logged-in user, and the CSRF token to send as ``X-CSRF-Token``."""
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "language": user.language, "staff_code": user.staff_code, "csrf_token": user.csrf}


# --- live streams ------------------------------------------------------------------------

async def _sse(request: Request, user: CurrentUser, kinds: frozenset[str]) -> EventSourceResponse:
    hub = _web(request).deps.hub
    client = hub.subscribe(user.username, user.role, kinds)
    first = {"type": "hello", "data": {"login": user.username, "wallboard": hub.last_wallboard}}

    async def events() -> AsyncIterator[dict[str, str]]:
        yield {"event": "hello", "data": json.dumps(first["data"], ensure_ascii=False)}
        async for msg in hub.stream(client):
            yield {"event": msg["type"], "data": json.dumps(msg.get("data", {}), ensure_ascii=False,
                                                            default=str)}

    return EventSourceResponse(events(), headers={"Cache-Control": "no-store",
                                                  "X-Accel-Buffering": "no"})


@router.get("/events", response_class=EventSourceResponse)
async def events(request: Request, user: Desk) -> EventSourceResponse:
    """Server-sent events for the desk: ``pop`` (this operator's calls), ``ticket`` (any
    ticket changed), ``wallboard``, ``dropped`` (updates were lost: reload), ``ping``."""
    return await _sse(request, user, frozenset({"pop", "ticket", "wallboard"}))


@router.get("/wallboard/events", response_class=EventSourceResponse)
async def wallboard_events(request: Request, user: Reader) -> EventSourceResponse:
    """Server-sent ``wallboard`` events only (no caller data): for the big screen."""
    return await _sse(request, user, frozenset({"wallboard"}))


@router.get("/wallboard")
def wallboard_now(request: Request, user: Reader) -> dict[str, Any]:
    """The wallboard's figures now: ticket figures and the last CTI figures."""
    web = _web(request)
    return {"tickets": web.feed.wallboard_figures()["tickets"], **web.deps.hub.last_cti}


# --- tickets -----------------------------------------------------------------------------

def _row(web: Any, t: Ticket | TicketView, user: CurrentUser) -> dict[str, Any]:
    return queries.ticket_row(t, user.language, user.masked, web.deps.clock.now())  # type: ignore[arg-type]


def _published(web: Any, view: TicketView) -> dict[str, Any]:
    row = queries.ticket_row(view, web.deps.settings.language, False, web.deps.clock.now())  # type: ignore[arg-type]
    web.feed.publish(row)
    return row


@router.get("/tickets")
def list_tickets(request: Request, user: Reader,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    """Open tickets, newest first."""
    web = _web(request)
    with web.deps.store.session() as s:
        return [_row(web, t, user) for t in queries.open_tickets(s, limit)]


@router.get("/tickets/search")
def search_tickets(request: Request, user: Reader,
                   q: Annotated[str, Query(max_length=100)] = "",
                   limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[dict[str, Any]]:
    """By ticket number, caller number, location (code, name, building) or text."""
    web = _web(request)
    with web.deps.store.session() as s:
        return [_row(web, t, user) for t in queries.search(s, q, web.deps.clock.now(), limit)]


@router.post("/tickets", status_code=201)
def create_ticket(request: Request, body: NewTicketIn, user: Writer) -> dict[str, Any]:
    """受理: a new ticket owned by the caller of this API."""
    web = _web(request)
    fields = body.model_dump(exclude={"details"})
    view = web.deps.service.accept(user.username, NewTicket(**fields, details=body.details.plain()))
    _published(web, view)
    return ticket_detail(web, view.id, user)


def ticket_detail(web: Any, ticket_id: int, user: CurrentUser) -> dict[str, Any]:
    """Everything the ticket page shows: the ticket, its timeline, SMS and print jobs."""
    view = web.deps.service.get(ticket_id)
    out = view.as_dict()
    out["overdue"] = queries.is_overdue(view, web.deps.clock.now())  # type: ignore[arg-type]
    out["status_label"] = label(view.status, user.language)
    out["service_name"] = web.deps.service.catalog.get(view.service_type).name(user.language) \
        if view.service_type in web.deps.service.catalog.types else view.service_type
    with web.deps.store.session() as s:
        out.update(_ticket_extras(s, view, user))
    if user.masked:
        out["reporter_phone"] = mask_number(out["reporter_phone"])
        for sms in out["sms"]:
            sms["number"] = mask_number(sms["number"])
    return out


def _ticket_extras(s: Session, view: TicketView, user: CurrentUser) -> dict[str, Any]:
    from ticketing.context import find_location

    codes = [c for c, _st in view.workers]
    names = dict(s.execute(select(Staff.code, Staff.name).where(Staff.code.in_(codes))).all())
    sms = [{"id": r.id, "staff_code": r.staff_code, "number": r.number, "kind": r.kind,
            "status": r.status, "text": r.text, "created_at": r.created_at.isoformat(),
            "error": r.error}
           for r in s.scalars(select(SmsOut).where(SmsOut.ticket_id == view.id).order_by(SmsOut.id))]
    replies = [{"number": mask_number(r.number) if user.masked else r.number, "text": r.text,
                "outcome": r.outcome, "reason": r.reason, "at": r.received_at.isoformat()}
               for r in s.scalars(select(SmsIn).where(SmsIn.ticket_id == view.id).order_by(SmsIn.id))]
    prints = [{"id": p.id, "printer": p.printer, "status": p.status, "error": p.error,
               "created_at": p.created_at.isoformat()}
              for p in s.scalars(select(PrintJob).where(PrintJob.ticket_id == view.id)
                                 .order_by(PrintJob.id))]
    return {"worker_names": names, "sms": sms, "replies": replies, "prints": prints,
            "location": find_location(s, view.location_code) if view.location_code else None}


@router.get("/tickets/{ticket_id}")
def get_ticket(request: Request, ticket_id: TicketId, user: Reader) -> dict[str, Any]:
    """One ticket with its timeline, workers, SMS, replies and print jobs."""
    return ticket_detail(_web(request), ticket_id, user)


@router.patch("/tickets/{ticket_id}")
def edit_ticket(request: Request, ticket_id: TicketId, body: EditIn, user: Writer) -> dict[str, Any]:
    """Change an open ticket's description, location, priority, reporter or service type."""
    web = _web(request)
    changes = body.model_dump(exclude_none=True, exclude={"details"})
    if body.details is not None:
        changes["details"] = body.details.plain()
    if not changes:
        raise HTTPException(400, "nothing to change")
    if "reporter_phone" in changes:
        from ticketing.phone import normalise_number

        changes["reporter_phone"] = normalise_number(changes["reporter_phone"])
    _published(web, web.deps.service.edit(user.username, ticket_id, **changes))
    return ticket_detail(web, ticket_id, user)


@router.get("/tickets/{ticket_id}/suggestions")
def suggestions(request: Request, ticket_id: TicketId, user: Desk) -> list[dict[str, Any]]:
    """Qualified on-duty workers for the ticket's service, least loaded first."""
    web = _web(request)
    service = web.deps.service
    view = service.get(ticket_id)
    skill = service.catalog.get(view.service_type).skill if view.service_type in service.catalog.types else ""
    with web.deps.store.session() as s:
        return [{"code": w.code, "name": w.name, "team": w.team, "skills": w.skills}
                for w in suggest_workers(s, skill, limit=8)]


@router.post("/tickets/{ticket_id}/dispatch")
def dispatch(request: Request, ticket_id: TicketId, body: DispatchIn, user: Writer) -> dict[str, Any]:
    """派发: one work-order SMS per worker and a work slip."""
    web = _web(request)
    _published(web, web.deps.service.dispatch(user.username, ticket_id, body.staff_codes,
                                              body.printer, body.print_slip))
    return ticket_detail(web, ticket_id, user)


@router.post("/tickets/{ticket_id}/approve")
def approve(request: Request, ticket_id: TicketId, body: DecisionIn, user: Writer) -> dict[str, Any]:
    """Record the ward head's approval of a meal order (given by phone; ``by`` names them)."""
    web = _web(request)
    _published(web, web.deps.service.approve(user.username, ticket_id, by=body.by, note=body.note))
    return ticket_detail(web, ticket_id, user)


@router.post("/tickets/{ticket_id}/reject")
def reject(request: Request, ticket_id: TicketId, body: DecisionIn, user: Writer) -> dict[str, Any]:
    """Record the ward head's refusal: the order is cancelled with the reason in ``note``."""
    web = _web(request)
    _published(web, web.deps.service.reject(user.username, ticket_id, body.note or "rejected", by=body.by))
    return ticket_detail(web, ticket_id, user)


@router.get("/menus")
def menus(request: Request, user: Reader, day: date | None = None,
          meal: Literal["breakfast", "lunch", "dinner"] | None = None) -> list[dict[str, Any]]:
    """The dishes on the menu for ``day`` (default today), each with whether orders are still open."""
    web = _web(request)
    tz = web.deps.service.calendar.tz
    now = web.deps.clock.now()
    day = day or now.astimezone(tz).date()
    stmt = select(MenuItem).where(MenuItem.menu_date == day, MenuItem.active.is_(True))
    if meal:
        stmt = stmt.where(MenuItem.meal == meal)
    order = {"breakfast": 0, "lunch": 1, "dinner": 2}
    with web.deps.store.session() as s:
        rows = sorted(s.scalars(stmt), key=lambda m: (order.get(m.meal, 9), m.code))
        out = []
        for m in rows:
            cutoff = cutoff_at(m.menu_date, m.cutoff, tz)
            out.append({"code": m.code, "name": m.name_en if user.language == "en" and m.name_en else m.name,
                        "meal": m.meal, "diet": m.diet, "price": f"{m.price:.2f}", "cutoff": m.cutoff,
                        "open": cutoff is None or now <= cutoff})
        return out


@router.post("/tickets/{ticket_id}/reprint")
def reprint(request: Request, ticket_id: TicketId, user: Writer) -> dict[str, Any]:
    """Print the work slip again."""
    job = _web(request).deps.service.reprint(user.username, ticket_id)
    return {"print_job": job}


@router.post("/tickets/{ticket_id}/resend")
def resend(request: Request, ticket_id: TicketId, user: Writer) -> dict[str, Any]:
    """Send the work order SMS again to every worker on the ticket."""
    return {"sms": _web(request).deps.service.resend_order(user.username, ticket_id)}


@router.post("/tickets/{ticket_id}/complete")
def complete(request: Request, ticket_id: TicketId, body: CompleteIn, user: Writer) -> dict[str, Any]:
    """办结: close the ticket as done (also for requests solved on the phone)."""
    web = _web(request)
    _published(web, web.deps.service.complete(user.username, ticket_id, note=body.note))
    return ticket_detail(web, ticket_id, user)


@router.post("/tickets/{ticket_id}/cancel")
def cancel(request: Request, ticket_id: TicketId, body: ReasonIn, user: Writer) -> dict[str, Any]:
    web = _web(request)
    _published(web, web.deps.service.cancel(user.username, ticket_id, body.reason or "cancelled"))
    return ticket_detail(web, ticket_id, user)


@router.post("/tickets/{ticket_id}/reopen")
def reopen(request: Request, ticket_id: TicketId, body: ReasonIn, user: Writer) -> dict[str, Any]:
    web = _web(request)
    _published(web, web.deps.service.reopen(user.username, ticket_id, body.reason or "reopened"))
    return ticket_detail(web, ticket_id, user)


@router.post("/tickets/{ticket_id}/merge")
def merge(request: Request, ticket_id: TicketId, body: MergeIn, user: Writer) -> dict[str, Any]:
    """Mark this ticket a duplicate of ``into_id``."""
    web = _web(request)
    _published(web, web.deps.service.merge(user.username, ticket_id, body.into_id, body.note))
    return ticket_detail(web, ticket_id, user)


@router.post("/tickets/{ticket_id}/callback")
def callback(request: Request, ticket_id: TicketId, body: CallbackIn, user: Writer) -> dict[str, Any]:
    """回访: record the reporter's satisfaction."""
    web = _web(request)
    _published(web, web.deps.service.record_callback(user.username, ticket_id, body.score,
                                                     body.comment, body.via))
    return ticket_detail(web, ticket_id, user)


@router.post("/tickets/{ticket_id}/escalate")
def escalate(request: Request, ticket_id: TicketId, body: ReasonIn, user: Writer) -> dict[str, Any]:
    web = _web(request)
    _published(web, web.deps.service.escalate(user.username, ticket_id, body.reason or "by desk"))
    return ticket_detail(web, ticket_id, user)


@router.post("/tickets/{ticket_id}/assess")
def assess(request: Request, ticket_id: TicketId, body: AssessIn, user: Supervisor) -> dict[str, Any]:
    """考核: the supervisor's assessment (after the call-back)."""
    web = _web(request)
    _published(web, web.deps.service.assess(user.username, ticket_id, body.result))
    return ticket_detail(web, ticket_id, user)


@router.get("/tickets/{ticket_id}/slip", response_class=HTMLResponse)
def slip(request: Request, ticket_id: TicketId, user: Reader) -> Response:
    """The latest work slip of the ticket, rendered by the receipts adapter."""
    web = _web(request)
    with web.deps.store.session() as s:
        job = s.scalar(select(PrintJob).where(PrintJob.ticket_id == ticket_id)
                       .order_by(PrintJob.id.desc()).limit(1))
        snapshot = dict(job.snapshot) if job else None
    if snapshot is None:
        raise HTTPException(404, f"ticket {ticket_id} has no slip yet")
    if web.deps.slip_preview is None:
        raise HTTPException(404, "slip preview is not available (no receipts adapter)")
    if user.masked:
        reporter = dict(snapshot.get("reporter") or {})
        reporter["phone"] = mask_number(str(reporter.get("phone", "")))
        snapshot["reporter"] = reporter
    return HTMLResponse(web.deps.slip_preview(snapshot))


# --- callers and calls --------------------------------------------------------------------

@router.get("/context")
def context(request: Request, user: Desk,
            number: Annotated[str, Query(max_length=40)] = "") -> dict[str, Any]:
    """Who is calling from ``number``: directory entry, location, recent and open tickets."""
    web = _web(request)
    with web.deps.store.session() as s:
        return caller_context(s, number, web.deps.clock.now()).as_dict()


@router.get("/calls")
def calls(request: Request, user: Desk,
          hours: Annotated[int, Query(ge=1, le=24 * 31)] = 24,
          limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    """Hotline calls of the last ``hours`` hours (as the CTI listener recorded them)."""
    web = _web(request)
    with web.deps.store.session() as s:
        rows = list_calls(s, web.deps.clock.now() - timedelta(hours=hours), limit)
    return rows


@router.get("/board")
def board(request: Request, user: Reader) -> dict[str, Any]:
    """Workers on duty with their open work and each order's SMS state; undispatched and
    overdue tickets."""
    web = _web(request)
    with web.deps.store.session() as s:
        return queries.board(s, web.deps.clock.now(), user.language, user.masked)


# --- statistics ---------------------------------------------------------------------------

GroupBy = Literal["service_type", "department", "location", "worker", "operator"]


def period_of(web: Any, first: date | None, last: date | None) -> tuple[date, date, Period]:
    today = web.deps.clock.now().astimezone(web.tz).date()
    last = last or today
    first = first or last - timedelta(days=29)
    if first > last:
        raise HTTPException(400, "first must not be after last")
    if (last - first).days > 366 * 3:
        raise HTTPException(400, "at most three years at a time")
    return first, last, Period.days(first, last, web.tz)


@router.get("/stats/summary")
def stats_summary(request: Request, user: Reader, first: date | None = None,
                  last: date | None = None, group_by: GroupBy = "service_type") -> dict[str, Any]:
    """Per group: tickets, done, response/completion p50/p90 (s), hit rates, satisfaction."""
    web = _web(request)
    first, last, period = period_of(web, first, last)
    with web.deps.store.session() as s:
        rows = summary(s, period, group_by)
        trend = export.daily_trend(s, first, last)
        repeats = repeat_locations(s, period)
    return {"first": first.isoformat(), "last": last.isoformat(), "group_by": group_by,
            "rows": rows, "trend": trend, "repeat_locations": repeats}


@router.get("/stats/export")
def stats_export(request: Request, user: Exporter, first: date | None = None,
                 last: date | None = None, group_by: GroupBy = "service_type",
                 fmt: Literal["csv", "xlsx"] = "csv") -> Response:
    """The summary as CSV or Excel (the export is audited)."""
    web = _web(request)
    first, last, period = period_of(web, first, last)
    with web.deps.store.session() as s:
        rows = summary(s, period, group_by)
        trend = export.daily_trend(s, first, last)
        audit(s, web.deps.clock.now(), user.username, "export", f"stats:{group_by}", "export", None,
              {"first": first.isoformat(), "last": last.isoformat(), "format": fmt,
               "rows": len(rows)})
    name = f"onestop-{group_by}-{first.isoformat()}-{last.isoformat()}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return Response(export.to_csv(rows), media_type="text/csv; charset=utf-8", headers=disposition)
    return Response(export.to_xlsx(rows, trend, group_by),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers=disposition)


@router.get("/audit/{entity}/{key}")
def audit_history(request: Request, user: Exporter,
                  entity: Annotated[str, Path(max_length=30)],
                  key: Annotated[str, Path(max_length=50)]) -> list[dict[str, Any]]:
    """The audit trail of one thing (a ticket, a user, a location…)."""
    web = _web(request)
    with web.deps.store.session() as s:
        return [{"at": a.at.isoformat(), "actor": a.actor, "action": a.action,
                 "before": a.before, "after": a.after} for a in history(s, entity, key)]


# --- health (public, nothing sensitive) ------------------------------------------------------

@router.get("/health")
async def health(request: Request) -> dict[str, Any]:
    """Each part's state (``up``/``down``/…) and nothing else."""
    web = _web(request)
    parts: dict[str, str] = {"database": await run_in_threadpool(_db_state, web)}
    if web.deps.health is not None:
        try:
            reported = await run_in_threadpool(web.deps.health)
        except Exception:
            reported = {"adapters": {"state": "unknown"}}
        for name, value in reported.items():
            state = value.get("state", "unknown") if isinstance(value, dict) else value
            parts[str(name)[:40]] = str(state)[:20]
    ok = all(v in ("up", "ok", "disabled") for v in parts.values())
    return {"status": "ok" if ok else "degraded", "parts": parts}


def _db_state(web: Any) -> str:
    try:
        with web.deps.store.session() as s:
            s.execute(text("SELECT 1"))
        return "up"
    except Exception:
        return "down"
