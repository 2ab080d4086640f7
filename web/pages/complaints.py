"""投诉建议 pages: the complaints list (open, closed, all) and one complaint with its record —
target, severity, investigation, finding, the reply — and the forms of its steps."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from ticketing import complaints as form
from ticketing.model import OrgUnit, Staff
from web.api.complaints import complaint_rows, target_name
from web.api.tickets import ticket_detail
from web.deps import ReadPage, web_state

router = APIRouter(include_in_schema=False)


@router.get("/complaints", response_class=HTMLResponse)
def complaints_page(request: Request, user: ReadPage, state: Literal["open", "closed", "all"] = "open",
                    page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    web = web_state(request)
    data = complaint_rows(web, user, state, page)
    return web.render(request, "assessment_complaints.html", user, {
        "data": data, "state": state, "pages": -(-data["total"] // data["per_page"])})


@router.get("/complaints/{ticket_id}", response_class=HTMLResponse)
def complaint_page(request: Request, user: ReadPage,
                   ticket_id: Annotated[int, Path(ge=1, le=2_147_483_647)]) -> Response:
    web = web_state(request)
    tk = ticket_detail(web, ticket_id, user)
    st = web.deps.service.catalog.types.get(tk["service_type"])
    if st is None or st.form != "complaint":
        raise HTTPException(404, f"ticket {ticket_id} is not a complaint")
    c = {**form.empty(), **(tk["details"].get("complaint") or {})}
    with web.deps.store.session() as s:
        c["target"] = target_name(s, web, c["target_kind"], c["target_code"], user.language)
        workers = s.execute(select(Staff.code, Staff.name).where(Staff.active.is_(True))
                            .order_by(Staff.code)).all()
        orgs = s.execute(select(OrgUnit.code, OrgUnit.name, OrgUnit.name_en, OrgUnit.kind)
                         .where(OrgUnit.active.is_(True)).order_by(OrgUnit.code)).all()
    en = user.language == "en"
    choices = {"worker": [(code, name) for code, name in workers],
               "team": [(code, (ne if en and ne else n)) for code, n, ne, kind in orgs if kind == "team"],
               "department": [(code, (ne if en and ne else n)) for code, n, ne, kind in orgs if kind != "team"],
               "service": [(k, t.name(user.language)) for k, t in web.deps.service.catalog.types.items()]}
    for note in c["notes"]:
        note["at_local"] = _local(web, note.get("at"))
    if c["reply"]:
        c["reply"]["at_local"] = _local(web, c["reply"].get("at"))
    c["concluded_local"] = _local(web, c.get("concluded_at"))
    return web.render(request, "assessment_complaint.html", user, {
        "tk": tk, "c": c, "choices": choices, "closable": not form.closable(c),
        "open": tk["status"] in ("accepted", "dispatched", "in_progress")})


def _local(web: object, iso: str | None) -> str:
    from datetime import datetime

    if not iso:
        return ""
    return datetime.fromisoformat(iso).astimezone(web.tz).strftime("%Y-%m-%d %H:%M")  # type: ignore[attr-defined]
