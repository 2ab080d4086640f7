"""The HTML pages. Each page renders its first view on the server (fast, readable without
JavaScript) and the page's script keeps it live from /api/ and the SSE stream."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ticketing.lifecycle import LABELS
from ticketing.stats import summary
from web import export, queries
from web.api.stats import GroupBy, period_of
from web.api.tickets import ticket_detail
from web.auth import CurrentUser, current_user, landing, page_user

router = APIRouter(include_in_schema=False)

DeskUser = Annotated[CurrentUser, Depends(page_user("desk"))]
ReadUser = Annotated[CurrentUser, Depends(page_user("read"))]


def _web(request: Request) -> Any:
    return request.app.state.web


def _service_types(web: Any, language: str) -> list[tuple[str, str]]:
    return [(k, st.name(language)) for k, st in web.deps.service.catalog.types.items()]


@router.get("/")
async def home(request: Request) -> Response:
    user = await current_user(request)
    return RedirectResponse(landing(user.role) if user else "/login", status_code=303)


@router.get("/desk", response_class=HTMLResponse)
def desk(request: Request, user: DeskUser) -> Response:
    web = _web(request)
    with web.deps.store.session() as s:
        rows = [queries.ticket_row(t, user.language, user.masked, web.deps.clock.now())
                for t in queries.open_tickets(s, 50)]
    return web.render(request, "desk.html", user, {
        "tickets": rows, "service_types": _service_types(web, user.language)})


@router.get("/desk/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket_page(request: Request, user: ReadUser,
                ticket_id: Annotated[int, Path(ge=1, le=2_147_483_647)]) -> Response:
    web = _web(request)
    detail = ticket_detail(web, ticket_id, user)
    return web.render(request, "ticket.html", user, {
        "tk": detail, "service_types": _service_types(web, user.language),
        "labels": {k.value: v for k, v in LABELS.items()}})


@router.get("/board", response_class=HTMLResponse)
def board_page(request: Request, user: ReadUser) -> Response:
    web = _web(request)
    with web.deps.store.session() as s:
        data = queries.board(s, web.deps.clock.now(), user.language, user.masked)
    return web.render(request, "board.html", user, {"board": data})


@router.get("/wallboard", response_class=HTMLResponse)
def wallboard_page(request: Request, user: ReadUser) -> Response:
    web = _web(request)
    figures = web.feed.wallboard_figures()["tickets"]
    return web.render(request, "wallboard.html", user, {
        "w": figures, "cti": web.deps.hub.last_cti,
        "service_names": dict(_service_types(web, user.language))})


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, user: ReadUser, first: date | None = None,
               last: date | None = None, group_by: GroupBy = "service_type") -> Response:
    web = _web(request)
    first, last, period = period_of(web, first, last)
    with web.deps.store.session() as s:
        rows = summary(s, period, group_by)
        trend = export.daily_trend(s, first, last)
    return web.render(request, "stats.html", user, {
        "rows": rows, "trend": trend, "first": first, "last": last, "group_by": group_by,
        "groups": ["service_type", "department", "location", "worker", "operator"],
        "bars": _bars(rows), "spark": _trend_svg(trend)})


def _bars(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Horizontal bars for the tickets per group (inline SVG geometry)."""
    top = max((r["tickets"] for r in rows), default=0) or 1
    return [{"label": r["group"] or "—", "n": r["tickets"], "w": round(560 * r["tickets"] / top, 1),
             "y": i * 26} for i, r in enumerate(rows[:30])]


def _trend_svg(trend: list[dict[str, Any]]) -> dict[str, Any]:
    """Polyline points for created/done per day and satisfaction, in a 720×180 box."""
    if not trend:
        return {"created": "", "done": "", "sat": "", "max": 0, "days": []}
    top = max(max(d["created"], d["done"]) for d in trend) or 1
    step = 720 / max(1, len(trend) - 1)

    def pts(key: str, scale: float) -> str:
        return " ".join(f"{i * step:.1f},{170 - (d[key] or 0) * scale:.1f}"
                        for i, d in enumerate(trend) if d[key] is not None)

    return {"created": pts("created", 160 / top), "done": pts("done", 160 / top),
            "sat": pts("satisfaction", 160 / 5), "max": top,
            "days": [trend[0]["day"], trend[-1]["day"]]}


@router.get("/board/part", response_class=HTMLResponse)
def board_part(request: Request, user: ReadUser) -> Response:
    """The board's body alone, for the page's live refresh."""
    web = _web(request)
    with web.deps.store.session() as s:
        data = queries.board(s, web.deps.clock.now(), user.language, user.masked)
    return web.render(request, "_board.html", user, {"board": data})


@router.get("/wallboard/part", response_class=HTMLResponse)
def wallboard_part(request: Request, user: ReadUser) -> Response:
    """The wallboard's ticket tiles alone, for the page's live refresh."""
    web = _web(request)
    return web.render(request, "_wall_tickets.html", user, {
        "w": web.feed.wallboard_figures()["tickets"],
        "service_names": dict(_service_types(web, user.language))})
