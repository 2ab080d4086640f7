"""The rooms' QR labels (房间二维码, administrators): choose a building and floor, download the
A4 label sheets (PDF) or queue them for the slip printer, withdraw a room's codes; send a
worker the link to their open work orders, or withdraw it; withdraw a ticket's leaked links
(its work orders' pages, its reporter's progress page) and send new ones, or send its reporter
the progress link."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from ticketing.commands.base import TicketError, TicketNotFound
from ticketing.commands.channels import LinkRefused
from ticketing.model import LinkGrant, Location, Staff
from web.deps import AdminPage, web_state

router = APIRouter(include_in_schema=False)

MAX_ROOMS = 500
Text = Annotated[str, Query(max_length=50)]


ROOMS_PER_PAGE = 40
WORKERS_PER_PAGE = 15
Page = Annotated[int, Query(ge=1, le=10_000)]


def _pages(total: int, per: int, page: int) -> dict[str, int]:
    last = max(1, -(-total // per))
    return {"page": min(page, last), "last": last, "total": total}


def _rooms(web: Any, building: str, floor: str, page: int) -> dict[str, Any]:
    """The buildings, the chosen building's floors, and one page of its (floor's) rooms."""
    with web.deps.store.session() as s:
        buildings = list(s.scalars(select(Location.building).where(Location.active.is_(True))
                                   .group_by(Location.building).order_by(func.min(Location.code))))
        floors = list(s.scalars(select(Location.floor).where(Location.active.is_(True),
                                                             Location.building == building)
                                .group_by(Location.floor).order_by(func.min(Location.code)))) if building else []
        rooms: list[dict[str, Any]] = []
        pages = _pages(0, ROOMS_PER_PAGE, 1)
        if building:
            where = [Location.active.is_(True), Location.building == building]
            if floor:
                where.append(Location.floor == floor)
            pages = _pages(s.scalar(select(func.count()).select_from(Location).where(*where)) or 0,
                           ROOMS_PER_PAGE, page)
            locs = list(s.scalars(select(Location).where(*where).order_by(Location.code)
                                  .offset((pages["page"] - 1) * ROOMS_PER_PAGE).limit(ROOMS_PER_PAGE)))
            versions = dict(s.execute(select(LinkGrant.subject, LinkGrant.version).where(
                LinkGrant.kind == "room", LinkGrant.subject.in_([loc.code for loc in locs]))).all())
            rooms = [{"code": loc.code, "floor": loc.floor, "room": loc.room, "name": loc.name,
                      "version": versions.get(loc.code, 1)} for loc in locs]
    return {"buildings": buildings, "floors": floors, "rooms": rooms, "rooms_pages": pages,
            "too_many": pages["total"] > MAX_ROOMS}


def _workers(web: Any, q: str, page: int) -> dict[str, Any]:
    """One page of the active field workers, those whose code or name has ``q``."""
    where = [Staff.active.is_(True), Staff.role == "worker"]
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        where.append(Staff.code.ilike(like) | Staff.name.ilike(like))
    with web.deps.store.session() as s:
        pages = _pages(s.scalar(select(func.count()).select_from(Staff).where(*where)) or 0,
                       WORKERS_PER_PAGE, page)
        workers = [{"code": w.code, "name": w.name, "phone": bool(w.phone)} for w in s.scalars(
            select(Staff).where(*where).order_by(Staff.code)
            .offset((pages["page"] - 1) * WORKERS_PER_PAGE).limit(WORKERS_PER_PAGE))]
    return {"workers": workers, "workers_pages": pages, "worker_q": q}


@router.get("/admin/qr", response_class=HTMLResponse)
def labels_page(request: Request, user: AdminPage, building: Text = "", floor: Text = "",
                done: Text = "", error: Text = "", ticket: Text = "", page: Page = 1,
                worker: Text = "", wpage: Page = 1) -> Response:
    web = web_state(request)
    return web.render(request, "m_labels.html", user, {
        **_rooms(web, building, floor, page), **_workers(web, worker.strip(), wpage),
        "building": building, "floor": floor, "done": done,
        "can_pdf": web.deps.label_pdf is not None,
        "error": error if error in PAGE_ERRORS else "", "ticket": ticket})


@router.get("/admin/qr/labels.pdf")
def labels_pdf(request: Request, user: AdminPage, building: Text = "", floor: Text = "",
               room: Annotated[list[str] | None, Query(max_length=MAX_ROOMS)] = None) -> Response:
    """The chosen rooms' labels, A4, 15 a page."""
    web = web_state(request)
    if web.deps.label_pdf is None:
        raise HTTPException(404, "label sheets are not available (no receipts adapter)")
    service = web.deps.service
    codes = service.label_rooms(building, floor, tuple(c[:16] for c in room or ()), MAX_ROOMS)
    if not codes:
        raise HTTPException(404, "no active rooms chosen")
    if len(codes) > MAX_ROOMS:
        raise HTTPException(400, f"more than {MAX_ROOMS} rooms: choose a floor")
    labels = [dict(r, url=url) for r, url in service.room_links(codes)]
    pdf = web.deps.label_pdf(labels, web.deps.settings.center_name, user.language)
    name = f"qr-labels-{codes[0]}-{codes[-1]}.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(v)[:50] for k, v in form.items() if isinstance(v, str)}


def _back(fields: dict[str, str], done: str, **more: str) -> Response:
    from urllib.parse import urlencode

    query = urlencode({"building": fields.get("building", ""), "floor": fields.get("floor", ""),
                       "done": done, **more})
    anchor = "#ticket-links" if "ticket" in more else ""
    return RedirectResponse(f"/admin/qr?{query}{anchor}", status_code=303)


@router.post("/admin/qr/print")
async def labels_print(request: Request, user: AdminPage) -> Response:
    """Queue the building's (floor's) labels for the slip printer."""
    fields = await _form(request)
    service = web_state(request).deps.service
    codes = await run_in_threadpool(service.label_rooms, fields.get("building", ""),
                                    fields.get("floor", ""), (), MAX_ROOMS)
    if not fields.get("building") or not codes or len(codes) > MAX_ROOMS:
        raise HTTPException(400, "choose a building (and a floor) with at most 500 rooms")
    await run_in_threadpool(service.queue_labels, user.username, codes, fields.get("printer") or None)
    return _back(fields, "queued")


@router.post("/admin/qr/revoke")
async def labels_revoke(request: Request, user: AdminPage) -> Response:
    """Withdraw one room's printed codes."""
    fields = await _form(request)
    try:
        await run_in_threadpool(web_state(request).deps.service.revoke_link, user.username,
                                "room", fields.get("code", ""))
    except TicketError:
        return _back(fields, "", error="room_unknown")
    return _back(fields, "revoked")


@router.post("/admin/qr/worker")
async def worker_link(request: Request, user: AdminPage) -> Response:
    """Send a worker the link to their open orders by SMS, or withdraw their links."""
    fields = await _form(request)
    service = web_state(request).deps.service
    staff, action = fields.get("staff", ""), fields.get("action", "")
    if action not in ("send", "revoke"):
        raise HTTPException(400, "action must be send or revoke")
    try:
        if action == "revoke":
            await run_in_threadpool(service.revoke_link, user.username, "worker", staff)
        else:
            await run_in_threadpool(service.send_list_link, user.username, staff)
    except TicketError:
        return _back(fields, "", error="worker_unknown")
    return _back(fields, "sent" if action == "send" else "revoked")


PAGE_ERRORS = ("room_unknown", "worker_unknown", "ticket_number", "ticket_unknown", "no_mobile",
               "no_links")


@router.post("/admin/qr/ticket")
async def ticket_links(request: Request, user: AdminPage) -> Response:
    """A ticket's links: withdraw them (and send new ones, or not), or SMS the reporter the
    link to the ticket's progress."""
    fields = await _form(request)
    service = web_state(request).deps.service
    number, action = fields.get("ticket", "").strip().lstrip("#"), fields.get("action", "")
    if not number.isdigit() or not 0 < int(number) < 2**31:
        return _back(fields, "", error="ticket_number", ticket=number[:12])
    ticket_id = int(number)
    try:
        if action == "status":
            await run_in_threadpool(service.send_status_link, user.username, ticket_id)
            done = "status_sent"
        elif action in ("withdraw", "withdraw_only"):
            await run_in_threadpool(service.withdraw_ticket_links, user.username, ticket_id,
                                    action == "withdraw")
            done = "links_withdrawn" if action == "withdraw_only" else "links_renewed"
        else:
            raise HTTPException(400, "action must be status, withdraw or withdraw_only")
    except TicketNotFound:
        return _back(fields, "", error="ticket_unknown", ticket=number)
    except LinkRefused as exc:
        return _back(fields, "", error=exc.reason, ticket=number)
    return _back(fields, done, ticket=number)
