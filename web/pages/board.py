"""The dispatcher's board (调度看板: who is on duty, each order's SMS state, overdue work) and
the wallboard (大屏), each with the part of the page its script reloads when things change.

The board lists a page of workers at a time (``BOARD_SIZE``), filtered by team, skill, name
or code, or only those with open work; the undispatched and overdue tickets beside it are the
oldest first, with how many there are in all."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from web import queries
from web.auth import CurrentUser
from web.deps import ReadPage, web_state
from web.pages import service_types
from web.pages.kitchen import board_meals
from web.pages.maintenance import board_maintenance
from web.pages.stock import board_panel
from web.paging import page_number
from web.wallboard import wallboard_context

router = APIRouter(include_in_schema=False)

BOARD_SIZE = 20


def _board_context(request: Request, user: CurrentUser, team: str, skill: str, q: str, busy: str,
                   page: str) -> dict[str, Any]:
    web = web_state(request)
    language = web.language(user)
    skills = [k for k, _n in service_types(web, language)]
    skill = skill if skill in skills else ""
    with web.deps.store.session() as s:
        teams = queries.teams(s, language)
        team = team if team in dict(teams) else ""
        data = queries.board(s, web.deps.clock.now(), language, user.masked, web.words(language),
                             team=team, skill=skill, q=q.strip()[:50], busy=busy == "1",
                             number=page_number(page), size=BOARD_SIZE)
    return {"board": data, "teams": teams, "skills": skills, "team": team, "skill": skill,
            "q": q.strip()[:50], "busy": busy == "1", "maintenance": board_maintenance(web)}


@router.get("/board", response_class=HTMLResponse)
def board_page(request: Request, user: ReadPage, team: str = "", skill: str = "",
               q: Annotated[str, Query(max_length=50)] = "", busy: str = "", page: str = "1") -> Response:
    web = web_state(request)
    context = _board_context(request, user, team, skill, q, busy, page)
    with web.deps.store.session() as s:  # the stores' and the kitchen's panels under the board
        context["stock_panel"] = board_panel(s)
        context["kitchen_panel"] = board_meals(web, s, web.language(user))
    return web.render(request, "board.html", user, context)


@router.get("/board/part", response_class=HTMLResponse)
def board_part(request: Request, user: ReadPage, team: str = "", skill: str = "",
               q: Annotated[str, Query(max_length=50)] = "", busy: str = "", page: str = "1") -> Response:
    """The board's body alone, for the page's live refresh (with the same filters)."""
    web = web_state(request)
    return web.render(request, "_board.html", user,
                      _board_context(request, user, team, skill, q, busy, page))


@router.get("/wallboard", response_class=HTMLResponse)
def wallboard_page(request: Request, user: ReadPage) -> Response:
    web = web_state(request)
    return web.render(request, "wallboard.html", user, wallboard_context(web, user))


@router.get("/wallboard/part", response_class=HTMLResponse)
def wallboard_part(request: Request, user: ReadPage) -> Response:
    """The wallboard's ticket tiles alone, for the page's live refresh."""
    web = web_state(request)
    return web.render(request, "_wall_tickets.html", user, wallboard_context(web, user))


