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
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from sse_starlette.event import ServerSentEvent
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from web import sessions
from web.auth import CurrentUser
from web.deps import Desk, Reader, web_state

router = APIRouter(prefix="/api", tags=["live"])


def _open(web: Any, session_id: int) -> bool:
    now = web.deps.clock.now()
    with web.deps.store.reading() as s:
        is_open, stale = sessions.still_open(s, session_id, now, web.deps.settings.web)
    if stale:
        with web.deps.store.session() as s:
            sessions.touch(s, session_id, now)
    return is_open


def frame(msg: dict[str, Any], masked: bool, redact: Any) -> bytes:
    """``msg`` as an SSE frame, as a viewer (``masked``: numbers masked) or anyone else sees it.
    The hub hands the same message to every stream: it is encoded once for each of the two and
    the bytes kept on it (fifty desks used to encode each ticket change fifty times)."""
    frames = msg.setdefault("_frames", {})
    out = frames.get(masked)
    if out is None:
        data = redact(msg.get("data", {}))
        out = frames[masked] = ServerSentEvent(json.dumps(data, ensure_ascii=False, default=str),
                                               event=msg["type"]).encode()
    return out  # type: ignore[no-any-return]


async def _sse(request: Request, user: CurrentUser, kinds: frozenset[str]) -> EventSourceResponse:
    web = web_state(request)
    hub = web.deps.hub
    every = web.deps.session_check_s
    client = hub.subscribe(user.username, user.role, kinds, session=user.token.session_id)
    first = {"login": user.username, "wallboard": user.redact(hub.last_wallboard)}

    async def events() -> AsyncIterator[dict[str, str] | bytes]:
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
                yield frame(msg, user.masked, user.redact)
                if msg["type"] == "logout":
                    return

    return EventSourceResponse(events(), headers={"Cache-Control": "no-store",
                                                  "X-Accel-Buffering": "no"})


DESK_KINDS = ("pop", "ticket", "wallboard")


@router.get("/events", response_class=EventSourceResponse)
async def events(request: Request, user: Desk,
                 kinds: Annotated[str, Query(max_length=40, pattern=r"^[a-z,]*$",
                                             description="which of pop, ticket, wallboard (comma-separated; "
                                                         "default all)")] = "") -> EventSourceResponse:
    """Server-sent events for the desk: ``pop`` (this operator's calls), ``ticket`` (any
    ticket changed), ``wallboard``, ``dropped`` (updates were lost: reload), ``ping``,
    ``logout`` (the session ended: the stream stops). The desk's page asks for ``pop,ticket``:
    the wallboard's figures go to every stream that wants them on each change."""
    wanted = frozenset(k for k in kinds.split(",") if k) or frozenset(DESK_KINDS)
    unknown = wanted - set(DESK_KINDS)
    if unknown:
        raise HTTPException(422, f"kinds: {', '.join(sorted(unknown))} is not one of {', '.join(DESK_KINDS)}")
    return await _sse(request, user, wanted)


@router.get("/wallboard/events", response_class=EventSourceResponse)
async def wallboard_events(request: Request, user: Reader) -> EventSourceResponse:
    """Server-sent ``wallboard`` events only (no caller data): for the big screen; ``logout``
    when the session ended."""
    return await _sse(request, user, frozenset({"wallboard"}))
