"""满意度调查 pages: the campaigns with the form that makes one (leads and managers), one
campaign's results by department, service and day with its controls, and the SMS opt-out
list the desk keeps."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from ticketing.model import OrgUnit
from web.api.campaigns import campaign_detail, campaign_list, opted_out
from web.deps import ReadPage, web_state
from web.pages import service_types

router = APIRouter(include_in_schema=False)


@router.get("/campaigns", response_class=HTMLResponse)
def campaigns_page(request: Request, user: ReadPage,
                   page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    web = web_state(request)
    data = campaign_list(web, page)
    with web.deps.store.session() as s:
        orgs = s.execute(select(OrgUnit.code, OrgUnit.name, OrgUnit.name_en).where(
            OrgUnit.active.is_(True), OrgUnit.kind.in_(("ward", "department", "office")))
            .order_by(OrgUnit.kind.desc(), OrgUnit.code)).all()
    en = user.language == "en"
    defaults = web.deps.service.assessment
    return web.render(request, "assessment_campaigns.html", user, {
        "data": data, "pages": -(-data["total"] // data["per_page"]),
        "orgs": [(code, ne if en and ne else n) for code, n, ne in orgs],
        "service_types": service_types(web, user.language),
        "quiet": [t.strftime("%H:%M") for t in defaults.campaign_quiet], "per_hour": defaults.campaign_per_hour,
        "optouts": opted_out(request, user, 1)})


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(request: Request, user: ReadPage,
                  campaign_id: Annotated[int, Path(ge=1, le=2_147_483_647)]) -> Response:
    web = web_state(request)
    detail = campaign_detail(web, campaign_id, user.language)
    return web.render(request, "assessment_campaign.html", user, {
        "c": detail["campaign"], "r": detail["results"],
        "chart": {"scores": detail["results"]["total"]["scores"],
                  "days": [{"day": g["group"], "answered": g["answered"], "satisfaction": g["satisfaction"]}
                           for g in detail["results"]["by_day"]]}})
