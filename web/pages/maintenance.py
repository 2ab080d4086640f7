"""Maintenance pages (设备保养): plans a page at a time with what is late, one plan with its
tickets and its form, an inspection round's checklist, and the board's fragment of late
maintenance (``/board/maintenance/part``, ``_board_maintenance.html``: the board includes it).
Reading is for everyone who reads tickets; the forms post to ``web.api.maintenance``, which
checks ``supervise`` for plans and ``write`` for rounds."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from ticketing.catalog import PRIORITIES
from ticketing.lifecycle import OPEN
from ticketing.maintenance import PLAN_KINDS
from ticketing.masterdata import SKILLS
from ticketing.model import Ticket
from web.auth import CurrentUser
from web.deps import ReadPage, TicketId, web_state
from web.facilities import maintenance_of, plan_detail, plan_page
from web.pages import service_types

router = APIRouter(include_in_schema=False)


def board_maintenance(web: Any) -> dict[str, Any]:
    """The context ``_board_maintenance.html`` reads (``maintenance``): late plan tickets and
    plans whose ticket did not come, the oldest first (12 of each)."""
    return maintenance_of(web).overdue(limit=12)


def _form_context(web: Any, user: CurrentUser) -> dict[str, Any]:
    names = dict(service_types(web, user.language))
    return {"service_names": names, "kinds": PLAN_KINDS, "priorities": PRIORITIES,
            "units": ("day", "week", "month", "dates"),
            "skills": [(k, names.get(k, k)) for k in sorted(set(SKILLS.values()))]}


@router.get("/maintenance", response_class=HTMLResponse)
def plans_page(request: Request, user: ReadPage, q: Annotated[str, Query(max_length=50)] = "",
               state: Annotated[str, Query(pattern="^(active|inactive|all)$")] = "active",
               page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    web = web_state(request)
    with web.deps.store.session() as s:
        plans = plan_page(s, q.strip(), state, page)
    return web.render(request, "maintenance.html", user, {
        "plans": plans, "q": q, "state": state, "maintenance": board_maintenance(web),
        "plan": None, **_form_context(web, user)})


@router.get("/maintenance/plans/{code}", response_class=HTMLResponse)
def plan_page_one(request: Request, code: Annotated[str, Path(max_length=32)], user: ReadPage) -> Response:
    web = web_state(request)
    with web.deps.store.session() as s:
        plan = plan_detail(s, code)
    if plan is None:
        raise HTTPException(404, "no such plan")
    return web.render(request, "maintenance_plan.html", user, {"plan": plan, **_form_context(web, user)})


@router.get("/maintenance/rounds/{ticket_id}", response_class=HTMLResponse)
def round_page(request: Request, ticket_id: TicketId, user: ReadPage) -> Response:
    web = web_state(request)
    found = maintenance_of(web).round(ticket_id)
    if found is None:
        raise HTTPException(404, "not a plan's ticket")
    with web.deps.store.session() as s:
        status = s.scalar(select(Ticket.status).where(Ticket.id == ticket_id))
    open_ = status in {st.value for st in OPEN}
    editable = open_ and user.can("write")
    left = any(i["ok"] is None for i in found["items"])
    return web.render(request, "maintenance_round.html", user, {
        "round": found, "status": status, "editable": editable,
        "can_override": editable and left and user.can("supervise")})


@router.get("/board/maintenance/part", response_class=HTMLResponse)
def board_part(request: Request, user: ReadPage) -> Response:
    """Late maintenance alone, for the board's live refresh."""
    web = web_state(request)
    return web.render(request, "_board_maintenance.html", user, {"maintenance": board_maintenance(web)})
