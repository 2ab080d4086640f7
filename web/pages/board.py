"""The dispatcher's board (调度看板: who is on duty, each order's SMS state, overdue work) and
the wallboard (大屏), each with the part of the page its script reloads when things change."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from web import queries
from web.deps import ReadPage, web_state
from web.pages import service_types
from web.pages.kitchen import board_meals
from web.pages.maintenance import board_maintenance
from web.pages.stock import board_panel

router = APIRouter(include_in_schema=False)


@router.get("/board", response_class=HTMLResponse)
def board_page(request: Request, user: ReadPage) -> Response:
    web = web_state(request)
    with web.deps.store.session() as s:
        data = queries.board(s, web.deps.clock.now(), user.language, user.masked)
        panel = board_panel(s)
        meals = board_meals(web, s, user.language)
    return web.render(request, "board.html", user, {"board": data, "stock_panel": panel,
                                                    "kitchen_panel": meals,
                                                    "maintenance": board_maintenance(web)})


@router.get("/wallboard", response_class=HTMLResponse)
def wallboard_page(request: Request, user: ReadPage) -> Response:
    web = web_state(request)
    figures = web.feed.wallboard_figures()["tickets"]
    return web.render(request, "wallboard.html", user, {
        "w": user.redact(figures), "cti": user.redact(web.deps.hub.last_cti),
        "service_names": dict(service_types(web, user.language))})


@router.get("/board/part", response_class=HTMLResponse)
def board_part(request: Request, user: ReadPage) -> Response:
    """The board's body alone, for the page's live refresh."""
    web = web_state(request)
    with web.deps.store.session() as s:
        data = queries.board(s, web.deps.clock.now(), user.language, user.masked)
    return web.render(request, "_board.html", user, {"board": data, "maintenance": board_maintenance(web)})


@router.get("/wallboard/part", response_class=HTMLResponse)
def wallboard_part(request: Request, user: ReadPage) -> Response:
    """The wallboard's ticket tiles alone, for the page's live refresh."""
    web = web_state(request)
    return web.render(request, "_wall_tickets.html", user, {
        "w": user.redact(web.feed.wallboard_figures()["tickets"]),
        "service_names": dict(service_types(web, user.language))})
