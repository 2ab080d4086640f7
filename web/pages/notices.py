"""Outage notice pages (停水停电告知): the notices a page at a time with their SMS counts and,
for leads and managers, the form (with a preview of who it would reach); one notice with the
list of who got it and the state of each SMS. The forms post to ``web.api.notices``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from ticketing.notices import KINDS, TEXT_LIMIT
from web import explain
from web.deps import ReadPage, web_state
from web.facilities import notice_choices, notice_page, notices_of
from web.names import Names
from web.security import mask_number

router = APIRouter(include_in_schema=False)


@router.get("/notices", response_class=HTMLResponse)
def notices_page(request: Request, user: ReadPage,
                 state: Annotated[str, Query(pattern="^(all|scheduled|cancelled)$")] = "all",
                 page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    web = web_state(request)
    with web.deps.store.session() as s:
        notices = notice_page(s, state, page)
        choices = notice_choices(s) if user.can("supervise") else {"buildings": {}, "departments": []}
    return web.render(request, "notices.html", user, {
        "notices": notices, "state": state, "kinds": KINDS, "text_limit": TEXT_LIMIT,
        "lead_hours": web.deps.settings.notices.lead_hours, **choices})


@router.get("/notices/{notice_id}", response_class=HTMLResponse)
def notice_page_one(request: Request, notice_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
                    user: ReadPage) -> Response:
    web = web_state(request)
    notice = notices_of(web).detail(notice_id)
    if notice is None:
        raise HTTPException(404, "no such notice")
    if user.masked:
        for r in notice["recipients"]:
            r["number"] = mask_number(r["number"])
    language = web.language(user)
    with web.deps.store.session() as s:  # who made it, by name
        notice["created_by_name"] = explain.actor(notice["created_by"], web.words(language),
                                                  Names(s, web.words(language), language).people([notice["created_by"]]))
    return web.render(request, "notice.html", user, {"notice": notice})
