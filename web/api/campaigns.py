"""定期满意度调查: satisfaction campaigns — made, started, paused, resumed, cancelled by
leads and managers, their results read by all — and the SMS opt-out list (退订) the desk
keeps when a requester asks by phone. ``campaign_list`` and ``campaign_detail`` are shared
with the pages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from ticketing.campaigns import campaigns, results
from ticketing.model import OrgUnit
from ticketing.model_feedback import CampaignTarget, RequesterNumber, SurveyCampaign
from ticketing.service import CampaignSpec
from web.deps import Reader, Supervisor, Writer, web_state
from web.security import mask_number

router = APIRouter(prefix="/api", tags=["satisfaction campaigns"])

CampaignId = Annotated[int, Path(ge=1, le=2_147_483_647, description="campaign number")]
Page = Annotated[int, Query(ge=1, le=10_000)]
Code = Annotated[str, Field(min_length=1, max_length=32)]


class CampaignIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    channel: Literal["sms", "ivr"]
    audience: Literal["departments", "requesters"]
    org_codes: list[Code] = Field(default_factory=list, max_length=200)
    service_types: list[Code] = Field(default_factory=list, max_length=20)
    since_days: int = Field(30, ge=1, le=366)
    quiet_start: str = Field("", pattern=r"^$|^([01]\d|2[0-3]):[0-5]\d$")
    quiet_end: str = Field("", pattern=r"^$|^([01]\d|2[0-3]):[0-5]\d$")
    per_hour: int = Field(0, ge=0, le=3600)
    note: str = Field("", max_length=2000)


class StatusIn(BaseModel):
    status: Literal["paused", "running", "cancelled"]


class NumberIn(BaseModel):
    number: str = Field(min_length=3, max_length=20, pattern=r"^[+0-9 \-]+$")


def _local(web: Any, when: Any) -> str:
    return when.astimezone(web.tz).strftime("%Y-%m-%d %H:%M") if when else ""


def _row(web: Any, c: SurveyCampaign, counts: dict[str, int]) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "channel": c.channel, "audience": c.audience, "status": c.status,
            "org_codes": list(c.org_codes or []), "service_types": list(c.service_types or []),
            "since_days": c.since_days, "quiet": f"{c.quiet_start}–{c.quiet_end}", "per_hour": c.per_hour,
            "created_by": c.created_by, "created_local": _local(web, c.created_at),
            "started_local": _local(web, c.started_at), "finished_local": _local(web, c.finished_at),
            "targets": counts.get("targets", 0), "answered": counts.get("answered", 0), "note": c.note}


def campaign_list(web: Any, page: int = 1, per_page: int = 20) -> dict[str, Any]:
    with web.deps.store.session() as s:
        rows, total = campaigns(s, page, per_page)
        ids = [c.id for c in rows]
        counts = {cid: {"targets": n, "answered": a} for cid, n, a in s.execute(
            select(CampaignTarget.campaign_id, func.count(), func.count(CampaignTarget.score))
            .where(CampaignTarget.campaign_id.in_(ids)).group_by(CampaignTarget.campaign_id))}
        return {"total": total, "page": page, "per_page": per_page,
                "rows": [_row(web, c, counts.get(c.id, {})) for c in rows]}


def campaign_detail(web: Any, campaign_id: int, language: str) -> dict[str, Any]:
    with web.deps.store.session() as s:
        c = s.get(SurveyCampaign, campaign_id)
        if c is None:
            raise HTTPException(404, f"no campaign {campaign_id}")
        got = results(s, campaign_id, web.tz)
        orgs = {code: (en if language == "en" and en else name) for code, name, en in s.execute(
            select(OrgUnit.code, OrgUnit.name, OrgUnit.name_en))}
        row = _row(web, c, {"targets": got["total"]["targets"], "answered": got["total"]["answered"]})
    types = web.deps.service.catalog.types
    for g in got["by_department"]:
        g["name"] = orgs.get(g["group"], g["group"])
    for g in got["by_service"]:
        g["name"] = types[g["group"]].name(language) if g["group"] in types else g["group"]
    row["org_names"] = [orgs.get(code, code) for code in row["org_codes"]]
    row["service_names"] = [types[k].name(language) if k in types else k for k in row["service_types"]]
    return {"campaign": row, "results": got}


@router.get("/campaigns")
def list_campaigns(request: Request, user: Reader, page: Page = 1) -> dict[str, Any]:
    """Satisfaction campaigns, newest first, with how many were asked and answered."""
    return campaign_list(web_state(request), page)


@router.post("/campaigns")
def create_campaign(request: Request, body: CampaignIn, user: Supervisor) -> dict[str, Any]:
    """A draft campaign (start it to list its numbers and begin asking)."""
    web = web_state(request)
    cid = web.deps.service.create_campaign(user.username, CampaignSpec(
        body.name, body.channel, body.audience, tuple(body.org_codes), tuple(body.service_types),
        body.since_days, body.quiet_start, body.quiet_end, body.per_hour, body.note))
    return campaign_detail(web, cid, user.language)


@router.get("/campaigns/{campaign_id}")
def get_campaign(request: Request, campaign_id: CampaignId, user: Reader) -> dict[str, Any]:
    """The campaign and its results: in all, by department, by service, by day."""
    return campaign_detail(web_state(request), campaign_id, user.language)


@router.post("/campaigns/{campaign_id}/start")
def start_campaign(request: Request, campaign_id: CampaignId, user: Supervisor) -> dict[str, Any]:
    """List the campaign's numbers (opted-out ones skipped) and begin, at its hourly pace."""
    web = web_state(request)
    web.deps.service.start_campaign(user.username, campaign_id)
    return campaign_detail(web, campaign_id, user.language)


@router.post("/campaigns/{campaign_id}/status")
def campaign_status(request: Request, campaign_id: CampaignId, body: StatusIn, user: Supervisor) -> dict[str, Any]:
    """Pause, resume (running) or cancel a campaign."""
    web = web_state(request)
    web.deps.service.set_campaign_status(user.username, campaign_id, body.status)
    return campaign_detail(web, campaign_id, user.language)


@router.get("/requesters/opted-out")
def opted_out(request: Request, user: Reader, page: Page = 1) -> dict[str, Any]:
    """The numbers that opted out of requester SMS and surveys (masked for viewers)."""
    web = web_state(request)
    where = (RequesterNumber.opted_out_at.is_not(None),)
    with web.deps.store.session() as s:
        total = s.scalar(select(func.count()).select_from(RequesterNumber).where(*where)) or 0
        rows = s.scalars(select(RequesterNumber).where(*where).order_by(RequesterNumber.opted_out_at.desc())
                         .limit(20).offset((page - 1) * 20)).all()
        return {"total": total, "page": page, "rows": [
            {"number": mask_number(r.number) if user.masked else r.number, "via": r.opt_out_via,
             "at_local": _local(web, r.opted_out_at)} for r in rows]}


@router.post("/requesters/opt-out")
def opt_out(request: Request, body: NumberIn, user: Writer) -> dict[str, bool]:
    """Put a number on the opt-out list (the requester asked by phone)."""
    return {"changed": web_state(request).deps.service.opt_out(user.username, body.number)}


@router.post("/requesters/opt-in")
def opt_in(request: Request, body: NumberIn, user: Writer) -> dict[str, bool]:
    """Take a number off the opt-out list (the requester asked by phone)."""
    return {"changed": web_state(request).deps.service.opt_in(user.username, body.number)}
