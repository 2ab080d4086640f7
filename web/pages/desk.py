"""The operator desk (受理台): the landing page per role, the desk with the screen pop and the
open tickets, and one ticket's page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ticketing.lifecycle import LABELS
from web import queries
from web.api.tickets import ticket_detail
from web.auth import current_user, landing
from web.deps import DeskPage, ReadPage, web_state
from web.pages import service_types

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request) -> Response:
    user = await current_user(request)
    return RedirectResponse(landing(user.role) if user else "/login", status_code=303)


@router.get("/desk", response_class=HTMLResponse)
def desk(request: Request, user: DeskPage) -> Response:
    web = web_state(request)
    with web.deps.store.session() as s:
        rows = [queries.ticket_row(t, user.language, user.masked, web.deps.clock.now())
                for t in queries.open_tickets(s, 50)]
    return web.render(request, "desk.html", user, {
        "tickets": rows, "service_types": service_types(web, user.language)})


@router.get("/desk/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket_page(request: Request, user: ReadPage,
                ticket_id: Annotated[int, Path(ge=1, le=2_147_483_647)]) -> Response:
    web = web_state(request)
    detail = ticket_detail(web, ticket_id, user)
    return web.render(request, "ticket.html", user, {
        "tk": detail, "service_types": service_types(web, user.language),
        "labels": {k.value: v for k, v in LABELS.items()}})
