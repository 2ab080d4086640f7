"""The dispatcher's board (workers on duty, their open work, each order's SMS state) and the
wallboard's figures now. Their live updates come by ``web.api.events``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from web import queries
from web.deps import Reader, web_state

router = APIRouter(prefix="/api", tags=["board"])


@router.get("/wallboard")
def wallboard_now(request: Request, user: Reader) -> dict[str, Any]:
    """The wallboard's figures now: ticket figures and the last CTI figures."""
    web = web_state(request)
    return user.redact({"tickets": web.feed.wallboard_figures()["tickets"],
                        **web.deps.hub.last_cti})


@router.get("/board")
def board(request: Request, user: Reader) -> dict[str, Any]:
    """Workers on duty with their open work and each order's SMS state; undispatched and
    overdue tickets."""
    web = web_state(request)
    with web.deps.store.session() as s:
        data = queries.board(s, web.deps.clock.now(), user.language, user.masked,
                             web.words(web.language(user)))
    data["workers_total"] = data.pop("page").total
    return data
