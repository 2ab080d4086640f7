"""Server-sent event streams: the desk's (screen pops, ticket changes, wallboard figures) and
the wallboard's (figures only, no caller data). ``web.live.LiveHub`` fans them out.

A stream belongs to a log-in session: it opens only with an open session and ends — with a
``logout`` event — when the session ends (log-out, an administrator, expiry): at once when it
ended in this process, else at the next check of the store (``WebDeps.session_check_s``)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from fastapi import APIRouter, Request
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from web import sessions
from web.auth import CurrentUser
from web.deps import Desk, Reader, web_state

router = APIRouter(prefix="/api", tags=["live"])


def _open(web: Any, session_id: int) -> bool:
    with web.deps.store.session() as s:
        return sessions.still_open(s, session_id, web.deps.clock.now(), web.deps.settings.web)


async def _sse(request: Request, user: CurrentUser, kinds: frozenset[str]) -> EventSourceResponse:
    web = web_state(request)
    hub = web.deps.hub
    every = web.deps.session_check_s
    client = hub.subscribe(user.username, user.role, kinds, session=user.token.session_id)
    first = {"login": user.username, "wallboard": user.redact(hub.last_wallboard)}

    async def events() -> AsyncIterator[dict[str, str]]:
        yield {"event": "hello", "data": json.dumps(first, ensure_ascii=False)}
        checked = time.monotonic()
        async with aclosing(hub.stream(client, heartbeat_s=min(15.0, every))) as stream:
            async for msg in stream:
                if msg["type"] != "logout" and time.monotonic() - checked >= every:
                    checked = time.monotonic()
                    try:
                        alive = await run_in_threadpool(_open, web, user.token.session_id)
                    except Exception:  # the store is away: keep the stream, check again next time
                        alive = True
                    if not alive:
                        msg = {"type": "logout"}
                data = user.redact(msg.get("data", {}))  # per role: viewers' numbers masked
                yield {"event": msg["type"], "data": json.dumps(data, ensure_ascii=False, default=str)}
                if msg["type"] == "logout":
                    return

    return EventSourceResponse(events(), headers={"Cache-Control": "no-store",
                                                  "X-Accel-Buffering": "no"})


@router.get("/events", response_class=EventSourceResponse)
async def events(request: Request, user: Desk) -> EventSourceResponse:
    """Server-sent events for the desk: ``pop`` (this operator's calls), ``ticket`` (any
    ticket changed), ``wallboard``, ``dropped`` (updates were lost: reload), ``ping``,
    ``logout`` (the session ended: the stream stops)."""
    return await _sse(request, user, frozenset({"pop", "ticket", "wallboard"}))


@router.get("/wallboard/events", response_class=EventSourceResponse)
async def wallboard_events(request: Request, user: Reader) -> EventSourceResponse:
    """Server-sent ``wallboard`` events only (no caller data): for the big screen; ``logout``
    when the session ended."""
    return await _sse(request, user, frozenset({"wallboard"}))
