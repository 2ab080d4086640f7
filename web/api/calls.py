"""Callers and calls: who is calling from a number (the screen pop's lookup) and the hotline
calls the CTI listener recorded."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from ticketing.calls import list_calls
from ticketing.context import caller_context
from web.deps import Desk, web_state

router = APIRouter(prefix="/api", tags=["calls"])


@router.get("/context")
def context(request: Request, user: Desk,
            number: Annotated[str, Query(max_length=40)] = "") -> dict[str, Any]:
    """Who is calling from ``number``: directory entry, location, recent and open tickets."""
    web = web_state(request)
    with web.deps.store.reading() as s:
        return user.redact(caller_context(s, number, web.deps.clock.now()).as_dict(),
                           [number])


@router.get("/calls")
def calls(request: Request, user: Desk,
          hours: Annotated[int, Query(ge=1, le=24 * 31)] = 24,
          limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    """Hotline calls of the last ``hours`` hours (as the CTI listener recorded them)."""
    web = web_state(request)
    with web.deps.store.session() as s:
        rows = list_calls(s, web.deps.clock.now() - timedelta(hours=hours), limit)
    return user.redact(rows, [r["caller_num"] for r in rows])
