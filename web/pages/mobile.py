"""扫码报修: the page a room's QR code opens (``/r/<token>``) and the reporter's status page
(``/s/<token>``). Public, opened by their signed links (``web.linkpages``); made for a phone
(WeChat's built-in browser included) and readable without JavaScript.

The report page names the room, offers the service types a room's code may report (in the
reader's language), a description, up to three photos and a phone number (confirmed by an
SMS code when ``[web] qr_verify_phone`` is set). A report creates the ticket through the core
(``source = qr``) and leads to its status page. A room with an open ticket of the chosen kind
is answered with that ticket: the reporter adds to it or reports anew.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ticketing.channels import QrLimits, QrReport, RoomView
from ticketing.commands.channels import LinkRefused
from ticketing.commands.reports import reportable
from ticketing.tokens import Purpose
from web import linkviews
from web.deps import web_state
from web.linkpages import (
    STATUS,
    PageError,
    claim,
    error_page,
    language,
    peer,
    photos,
    read_form,
    render,
    with_lang,
)

router = APIRouter(include_in_schema=False)

FORM_ERRORS = frozenset({"service_type", "phone", "code", "too_large", "too_many", "empty",
                         "not_image", "unsupported", "too_big_image", "form"})


def limits(request: Request) -> QrLimits:
    w = web_state(request).deps.settings.web
    return QrLimits(per_room_hour=w.qr_reports_per_room_hour,
                    per_address_hour=w.qr_reports_per_address_hour,
                    verify_phone=w.qr_verify_phone, reporter_sms=w.qr_reporter_sms)


def _report_page(request: Request, token: str, room: RoomView, fields: dict[str, str],
                 error: str = "", duplicate_of: int | None = None, note: str = "",
                 status: int = 200) -> Response:
    web = web_state(request)
    lang = language(request)
    types = [(k, st.name(lang)) for k, st in web.deps.service.catalog.types.items() if reportable(st)]
    return render(request, "m_report.html", {
        "token": token, "room": room, "types": types, "fields": fields, "error": error,
        "duplicate_of": duplicate_of, "note": note, "verify": limits(request).verify_phone,
        "action": with_lang(request, f"/r/{token}"),
        "code_action": with_lang(request, f"/r/{token}/code")}, status)


async def _room(request: Request, token: str) -> RoomView:
    c = claim(request, token, Purpose.ROOM)
    try:
        return await run_in_threadpool(web_state(request).deps.service.room, c)
    except LinkRefused as exc:
        raise PageError(exc.reason) from None


@router.get("/r/{token}")
async def report_form(request: Request, token: str) -> Response:
    try:
        room = await _room(request, token)
    except PageError as exc:
        return error_page(request, exc.reason)
    return _report_page(request, token, room, {})


@router.post("/r/{token}")
async def report(request: Request, token: str) -> Response:
    try:
        room = await _room(request, token)
    except PageError as exc:
        return error_page(request, exc.reason)
    service = web_state(request).deps.service
    c = claim(request, token, Purpose.ROOM)
    if await run_in_threadpool(service.qr_limited, c, peer(request), limits(request)):
        return error_page(request, "rate_limited")  # before any photo is read or decoded
    fields: dict[str, str] = {}
    try:
        fields, raws = await read_form(request)
        stored = await photos(request, raws, fields)
        new = QrReport(service_type=fields.get("service_type", ""),
                       description=fields.get("description", "").strip()[:2000],
                       phone=fields.get("phone", "")[:30], code=fields.get("code", "")[:10],
                       duplicate=fields.get("duplicate", "") if fields.get("duplicate") in ("new", "add") else "",
                       photos=tuple(stored))
        outcome = await run_in_threadpool(service.qr_report, c, new, peer(request), limits(request))
    except (PageError, LinkRefused) as exc:
        fields = getattr(exc, "fields", None) or fields
        if exc.reason in FORM_ERRORS:
            return _report_page(request, token, room, fields, error=exc.reason,
                                status=STATUS.get(exc.reason, 400))
        return error_page(request, exc.reason)
    if outcome.ticket_id is None:  # the room has this kind open: add to it, or report anew?
        return _report_page(request, token, room, fields, duplicate_of=outcome.duplicate_of)
    url = await run_in_threadpool(service.link_url, Purpose.STATUS, (outcome.ticket_id,))
    path = url[url.index("/s/"):]
    return RedirectResponse(with_lang(request, path + ("?added=1" if outcome.added else "?new=1")),
                            status_code=303)


@router.post("/r/{token}/code")
async def send_code(request: Request, token: str) -> Response:
    """Send the code that confirms the reporter's phone (JSON to the page's script; without
    script the form comes back with a note)."""
    wants_json = "application/json" in request.headers.get("accept", "")
    try:
        room = await _room(request, token)
    except PageError as exc:
        if wants_json:
            return JSONResponse({"ok": False, "reason": exc.reason}, STATUS.get(exc.reason, 400))
        return error_page(request, exc.reason)
    fields: dict[str, str] = {}
    try:
        fields, _raws = await read_form(request)
        service = web_state(request).deps.service
        await run_in_threadpool(service.send_phone_code, claim(request, token, Purpose.ROOM),
                                fields.get("phone", "")[:30], peer(request), limits(request))
    except (PageError, LinkRefused) as exc:
        if wants_json:
            return JSONResponse({"ok": False, "reason": exc.reason}, STATUS.get(exc.reason, 400))
        return _report_page(request, token, room, fields, error=exc.reason,
                            status=STATUS.get(exc.reason, 400))
    if wants_json:
        return JSONResponse({"ok": True})
    return _report_page(request, token, room, fields, note="m_code_sent")


@router.get("/s/{token}")
async def status_page(request: Request, token: str) -> Response:
    """The reporter's ticket: status and steps in words, the time it is due."""
    try:
        c = claim(request, token, Purpose.STATUS)
    except PageError as exc:
        return error_page(request, exc.reason)
    web = web_state(request)

    def read() -> dict[str, Any] | None:
        with web.deps.store.session() as s:
            return linkviews.progress(s, c.ids[0])

    view = await run_in_threadpool(read)
    if view is None:
        return error_page(request, "unknown")
    return render(request, "m_status.html", {
        "tk": view, "new": request.query_params.get("new") == "1",
        "added": request.query_params.get("added") == "1",
        "self_url": with_lang(request, f"/s/{token}")})
