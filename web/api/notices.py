"""Outage notices (停水停电告知) over the API: everyone who reads tickets sees them and who got
each one (viewers with the numbers masked); leads, managers and administrators make, preview
and cancel them (``supervise``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from ticketing.notices import NoticeError, NoticeIn
from web.deps import Reader, Supervisor, web_state
from web.facilities import notice_page, notices_of
from web.security import mask_number

router = APIRouter(prefix="/api/notices", tags=["outage notices"])

NoticeId = Annotated[int, Path(ge=1, le=2_147_483_647, description="the notice's number")]


class FloorIn(BaseModel):
    building: str = Field(min_length=1, max_length=50)
    floor: str = Field(min_length=1, max_length=10)


class NoticeBody(BaseModel):
    """A cut of ``kind`` (water, power, gas, network, other) from ``starts_at`` to ``ends_at``
    (ISO 8601; without a zone, the center's time) for buildings, floors or departments."""

    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=10)
    starts_at: str = Field(max_length=40)
    ends_at: str = Field(max_length=40)
    text: str = Field("", max_length=200, description="what the SMS adds (60 characters at most)")
    buildings: list[Annotated[str, Field(max_length=50)]] = Field(default_factory=list, max_length=50)
    floors: list[FloorIn] = Field(default_factory=list, max_length=200)
    departments: list[Annotated[str, Field(max_length=32)]] = Field(default_factory=list, max_length=200)


class CancelBody(BaseModel):
    reason: str = Field("", max_length=200)


def _notice(web: Any, body: NoticeBody) -> NoticeIn:
    tz = web.tz
    return NoticeIn(body.kind, _when(body.starts_at, "starts_at", tz), _when(body.ends_at, "ends_at", tz),
                    body.text, tuple(body.buildings), tuple((f.building, f.floor) for f in body.floors),
                    tuple(body.departments))


def _when(value: str, name: str, tz: Any) -> datetime:
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise NoticeError(f"{name}: {value!r} is not a date and time (YYYY-MM-DDTHH:MM)") from None
    return when.replace(tzinfo=tz) if when.tzinfo is None else when


@router.get("")
def list_notices(request: Request, user: Reader,
                 state: Annotated[str, Query(pattern="^(all|scheduled|cancelled)$")] = "all",
                 page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> dict[str, Any]:
    """Notices, the latest cut first, with their SMS counts."""
    with web_state(request).deps.store.session() as s:
        return notice_page(s, state, page)


@router.post("", status_code=201)
def create_notice(request: Request, body: NoticeBody, user: Supervisor) -> dict[str, Any]:
    """A notice: one SMS to each affected department's contacts, due the lead time before the
    cut. A bad field is a 400 that names it."""
    web = web_state(request)
    return notices_of(web).create(user.username, _notice(web, body))


@router.post("/preview")
def preview_notice(request: Request, body: NoticeBody, user: Supervisor) -> dict[str, Any]:
    """The departments a notice would reach and their contacts; nothing is sent."""
    web = web_state(request)
    return notices_of(web).affected(_notice(web, body)).as_dict()


@router.get("/{notice_id}")
def get_notice(request: Request, notice_id: NoticeId, user: Reader) -> dict[str, Any]:
    """The notice and who got it: each recipient with the state of their SMS."""
    found = notices_of(web_state(request)).detail(notice_id)
    if found is None:
        raise HTTPException(404, f"no notice {notice_id}")
    if user.masked:
        for r in found["recipients"]:
            r["number"] = mask_number(r["number"])
    return found


@router.post("/{notice_id}/cancel")
def cancel_notice(request: Request, notice_id: NoticeId, body: CancelBody, user: Supervisor) -> dict[str, Any]:
    """Cancel a notice: SMS not yet sent are not; those who had it are told."""
    return notices_of(web_state(request)).cancel(user.username, notice_id, body.reason)
