"""The field worker's page behind every work-order SMS (``/w/<token>``, one per assignment) and
their list of open orders (``/l/<token>``). Public, opened by their signed links
(``web.linkpages``); made for a phone and readable without JavaScript.

The page shows the order — place with building and floor, what, who reported it, the due
time, the reporter's number to call — and the buttons that act as the SMS replies do: 接单
accept, 到达 arrived, 完成 done (with the parts used and up to three photos), 无法 cannot
(with a reason). Each goes through the same core command as the SMS reply, audited as the
worker with ``via = web link``. An inspection round's order shows its checklist instead of the
plain 完成: each item 正常 or 异常 with a note and, for one not ok, a repair raised; saved as the
worker goes, and completed (the ticket done) once every item is checked.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ticketing.commands.base import TicketError
from ticketing.commands.channels import STEPS, LinkRefused, staff_of
from ticketing.lifecycle import IllegalTransition
from ticketing.rounds import ItemResult, RoundOpen
from ticketing.tokens import Purpose
from web import linkviews
from web.deps import web_state
from web.linkpages import (
    PageError,
    claim,
    error_page,
    peer,
    photo_store,
    photos,
    read_form,
    render,
    with_lang,
)

router = APIRouter(include_in_schema=False)

MAX_PART_LINES = 5
MAX_ROUND_ITEMS = 50  # a plan's checklist has at most 50 items (ticketing.maintenance)
_PART_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]{0,31}")


def _order(request: Request, assignment_id: int) -> dict[str, Any] | None:
    web = web_state(request)
    with web.deps.store.session() as s:
        order = linkviews.work_order(s, assignment_id)
    if order is not None and order["ticket"] is not None:
        order["round"] = web.deps.service.order_round(order["ticket"].id)
    return order


async def _page(request: Request, token: str, error: str = "", detail: str = "",
                status: int = 200) -> Response:
    c = claim(request, token, Purpose.WORK)
    order = await run_in_threadpool(_order, request, c.ids[0])
    if order is None:
        return error_page(request, "unknown")
    web = web_state(request)
    service = web.deps.service
    list_url = await run_in_threadpool(service.worker_list_url, order["assignment"]["staff_code"])
    did = request.query_params.get("did", "")
    if not order["assignment"]["open"]:
        if did in ("done", "cannot"):  # just now, by this worker: say so, not "ended"
            return render(request, "m_finished.html", {
                "did": did, "tk": order["ticket"],
                "list_url": with_lang(request, list_url[list_url.index("/l/"):])})
        return error_page(request, "ended")
    return render(request, "m_worker.html", {
        "token": token, "o": order, "tk": order["ticket"], "error": error, "detail": detail,
        "did": did, "now": web.deps.clock.now(),
        "step_url": lambda step: with_lang(request, f"/w/{token}/{step}"),
        "photo_url": lambda pid, thumb=False: with_lang(
            request, f"/w/{token}/photo/{pid}" + ("?thumb=1" if thumb else "")),
        "list_url": with_lang(request, list_url[list_url.index("/l/"):])}, status)


@router.get("/w/{token}")
async def work_page(request: Request, token: str) -> Response:
    try:
        return await _page(request, token)
    except PageError as exc:
        return error_page(request, exc.reason)


def parts_of(fields: dict[str, str]) -> list[tuple[str, int]]:
    """The parts lines of the done form: ``part1`` (a code, or "code name" as the list offers
    it) with ``qty1``…; blank lines are skipped, a bad code or quantity refused."""
    out: dict[str, int] = {}
    for i in range(1, MAX_PART_LINES + 1):
        text = fields.get(f"part{i}", "").strip()
        if not text:
            continue
        code = text.split()[0]
        qty_text = fields.get(f"qty{i}", "1").strip() or "1"
        if not _PART_CODE.fullmatch(code) or not qty_text.isdigit() or not 1 <= int(qty_text) <= 999:
            raise TicketError(f"part line {i}: {text[:40]!r} × {qty_text[:6]!r}")
        out[code.upper()] = out.get(code.upper(), 0) + int(qty_text)
    return list(out.items())


def round_of(fields: dict[str, str]) -> list[ItemResult]:
    """The checklist form's items: ``ok<i>`` (``ok``, ``bad`` or absent: not checked),
    ``note<i>`` and ``repair<i>`` for each item ``i`` the form shows (its ``note<i>``)."""
    shown = sorted(int(k[4:]) for k in fields if k.startswith("note") and k[4:].isdigit())
    out = []
    for i in shown:
        if not 1 <= i <= MAX_ROUND_ITEMS:
            raise TicketError(f"item {i}: the checklist has at most {MAX_ROUND_ITEMS} items")
        state = fields.get(f"ok{i}", "")
        if state not in ("", "ok", "bad"):
            raise TicketError(f"item {i}: {state[:20]!r} is neither ok nor not ok")
        out.append(ItemResult(i, None if not state else state == "ok", fields[f"note{i}"].strip()[:500],
                              fields.get(f"repair{i}") == "1"))
    return out


@router.post("/w/{token}/{step}")
async def take_step(request: Request, token: str, step: str) -> Response:
    """接单 / 到达 / 完成 / 无法 from the page: the SMS reply's command, via the web link; and
    ``round``: the inspection round's checklist (``complete=1`` completes it)."""
    try:
        c = claim(request, token, Purpose.WORK)
        if step not in (*STEPS, "round"):
            raise PageError("step")
        fields, raws = await read_form(request, max_fields=3 * MAX_ROUND_ITEMS + 5)
        service = web_state(request).deps.service
        if step == "round":
            finish = fields.get("complete") == "1"
            await run_in_threadpool(service.worker_round, c, round_of(fields), finish,
                                    fields.get("note", ""), peer(request))
            step = "done" if finish else "round"
            return RedirectResponse(with_lang(request, f"/w/{token}?did={step}"), status_code=303)
        stored = await photos(request, raws) if step == "done" else []
        await run_in_threadpool(
            service.worker_step, c, step, parts_of(fields) if step == "done" else [],
            fields.get("reason", "")[:500], stored, peer(request))
    except LinkRefused as exc:
        return error_page(request, exc.reason)
    except PageError as exc:
        if exc.reason in ("malformed", "forged", "purpose", "expired", "unknown", "step"):
            return error_page(request, exc.reason)
        return await _safe_page(request, token, exc.reason, "", 400)
    except IllegalTransition as exc:
        return await _safe_page(request, token, "not_now", str(exc), 409)
    except RoundOpen:  # the page's checklist shows which items are left
        return await _safe_page(request, token, "round_open", "", 400)
    except TicketError as exc:
        return await _safe_page(request, token, "refused", str(exc), 400)
    return RedirectResponse(with_lang(request, f"/w/{token}?did={step}"), status_code=303)


async def _safe_page(request: Request, token: str, error: str, detail: str, status: int) -> Response:
    try:
        return await _page(request, token, error, detail, status)
    except PageError as exc:
        return error_page(request, exc.reason)


@router.get("/w/{token}/photo/{photo}")
async def work_photo(request: Request, token: str, photo: str, thumb: str = "") -> Response:
    """A photo of the order's ticket, for the worker the link was sent to while it is open."""
    try:
        c = claim(request, token, Purpose.WORK)
        if not photo.isdigit() or len(photo) > 10:
            raise PageError("unknown")
    except PageError as exc:
        return error_page(request, exc.reason)
    photo_id = int(photo)
    web = web_state(request)

    def read() -> bytes | str:
        with web.deps.store.session() as s:
            order = linkviews.work_order(s, c.ids[0])
            p = linkviews.photo_row(s, photo_id)
            if order is not None and not order["assignment"]["open"]:
                return "ended"
            if order is None or p is None or p.ticket_id != order["ticket"].id:
                return "unknown"
            sha = p.sha256
        return photo_store(request).read(sha, thumb=thumb == "1") or "unknown"

    data = await run_in_threadpool(read)
    if isinstance(data, str):
        return error_page(request, data)
    return Response(data, media_type="image/jpeg",
                    headers={"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"})


@router.get("/l/{token}")
async def work_list(request: Request, token: str) -> Response:
    """A worker's open orders, each with the link to its page."""
    try:
        c = claim(request, token, Purpose.LIST)
    except PageError as exc:
        return error_page(request, exc.reason)
    web = web_state(request)
    service = web.deps.service

    def read() -> tuple[Any, list[dict[str, Any]]]:
        with service.tx() as tx:
            staff = staff_of(tx, c)
            name, code = staff.name, staff.code
        with web.deps.store.session() as s:
            orders = linkviews.open_orders(s, code)
        for o in orders:
            url = service.link_url(Purpose.WORK, (o["assignment_id"],))
            o["url"] = with_lang(request, url[url.index("/w/"):])
        return {"name": name, "code": code}, orders

    try:
        staff, orders = await run_in_threadpool(read)
    except LinkRefused as exc:
        return error_page(request, exc.reason)
    return render(request, "m_list.html", {"staff": staff, "orders": orders,
                                           "now": web.deps.clock.now()})
