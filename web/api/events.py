"""Server-sent event streams: the desk's (screen pops, ticket changes, wallboard figures) and
the wallboard's (figures only, no caller data). ``web.live.LiveHub`` fans them out."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from sse_starlette.sse import EventSourceResponse

from web.auth import CurrentUser
from web.deps import Desk, Reader, web_state

router = APIRouter(prefix="/api", tags=["live"])


async def _sse(request: Request, user: CurrentUser, kinds: frozenset[str]) -> EventSourceResponse:
    hub = web_state(request).deps.hub
    client = hub.subscribe(user.username, user.role, kinds)
    first = {"type": "hello", "data": {"login": user.username, "wallboard": hub.last_wallboard}}

    async def events() -> AsyncIterator[dict[str, str]]:
        yield {"event": "hello", "data": json.dumps(first["data"], ensure_ascii=False)}
        async for msg in hub.stream(client):
            yield {"event": msg["type"], "data": json.dumps(msg.get("data", {}), ensure_ascii=False,
                                                            default=str)}

    return EventSourceResponse(events(), headers={"Cache-Control": "no-store",
                                                  "X-Accel-Buffering": "no"})


@router.get("/events", response_class=EventSourceResponse)
async def events(request: Request, user: Desk) -> EventSourceResponse:
    """Server-sent events for the desk: ``pop`` (this operator's calls), ``ticket`` (any
    ticket changed), ``wallboard``, ``dropped`` (updates were lost: reload), ``ping``."""
    return await _sse(request, user, frozenset({"pop", "ticket", "wallboard"}))


@router.get("/wallboard/events", response_class=EventSourceResponse)
async def wallboard_events(request: Request, user: Reader) -> EventSourceResponse:
    """Server-sent ``wallboard`` events only (no caller data): for the big screen."""
    return await _sse(request, user, frozenset({"wallboard"}))
