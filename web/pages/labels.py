"""The rooms' QR labels (房间二维码, administrators): choose a building and floor, download the
A4 label sheets (PDF) or queue them for the slip printer, withdraw a room's codes; send a
worker the link to their open work orders, or withdraw it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from ticketing.commands.base import TicketError
from ticketing.model import LinkGrant, Location, Staff
from web.deps import AdminPage, web_state

router = APIRouter(include_in_schema=False)

MAX_ROOMS = 500
Text = Annotated[str, Query(max_length=50)]


def _rooms(web: Any, building: str, floor: str) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    with web.deps.store.session() as s:
        buildings = list(s.scalars(select(Location.building).where(Location.active.is_(True))
                                   .group_by(Location.building).order_by(func.min(Location.code))))
        floors = list(s.scalars(select(Location.floor).where(Location.active.is_(True),
                                                             Location.building == building)
                                .group_by(Location.floor).order_by(func.min(Location.code)))) if building else []
        rooms: list[dict[str, Any]] = []
        if building:
            q = select(Location).where(Location.active.is_(True), Location.building == building)
            if floor:
                q = q.where(Location.floor == floor)
            locs = list(s.scalars(q.order_by(Location.code).limit(MAX_ROOMS + 1)))
            versions = dict(s.execute(select(LinkGrant.subject, LinkGrant.version).where(
                LinkGrant.kind == "room", LinkGrant.subject.in_([loc.code for loc in locs]))).all())
            rooms = [{"code": loc.code, "floor": loc.floor, "room": loc.room, "name": loc.name,
                      "version": versions.get(loc.code, 1)} for loc in locs]
    return buildings, floors, rooms


@router.get("/admin/qr", response_class=HTMLResponse)
def labels_page(request: Request, user: AdminPage, building: Text = "", floor: Text = "",
                done: Text = "") -> Response:
    web = web_state(request)
    buildings, floors, rooms = _rooms(web, building, floor)
    with web.deps.store.session() as s:
        workers = [{"code": w.code, "name": w.name, "phone": bool(w.phone)} for w in s.scalars(
            select(Staff).where(Staff.active.is_(True), Staff.role == "worker").order_by(Staff.code).limit(200))]
    return web.render(request, "m_labels.html", user, {
        "buildings": buildings, "floors": floors, "rooms": rooms[:MAX_ROOMS],
        "too_many": len(rooms) > MAX_ROOMS, "building": building, "floor": floor,
        "workers": workers, "done": done, "can_pdf": web.deps.label_pdf is not None})


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


def _back(fields: dict[str, str], done: str) -> Response:
    from urllib.parse import urlencode

    query = urlencode({"building": fields.get("building", ""), "floor": fields.get("floor", ""),
                       "done": done})
    return RedirectResponse(f"/admin/qr?{query}", status_code=303)


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
    except TicketError as exc:
        raise HTTPException(400, str(exc)) from None
    return _back(fields, "revoked")


@router.post("/admin/qr/worker")
async def worker_link(request: Request, user: AdminPage) -> Response:
    """Send a worker the link to their open orders by SMS, or withdraw their links."""
    fields = await _form(request)
    service = web_state(request).deps.service
    staff, action = fields.get("staff", ""), fields.get("action", "")
    try:
        if action == "revoke":
            await run_in_threadpool(service.revoke_link, user.username, "worker", staff)
        elif action == "send":
            await run_in_threadpool(service.send_list_link, user.username, staff)
        else:
            raise HTTPException(400, "action must be send or revoke")
    except TicketError as exc:
        raise HTTPException(400, str(exc)) from None
    return _back(fields, "sent" if action == "send" else "revoked")
