"""Server-sent event streams: the desk's (screen pops, ticket changes, wallboard figures) and
the wallboard's (figures only, no caller data). ``web.live.LiveHub`` fans them out.

A desk's stream may carry its list too (``list``): the first page of open tickets as the desk
shows it, pushed a moment after tickets change (``ListPush``) — one rendering shared by every
desk, sent on the streams already open, where fifty desks each asking for it again made fifty
requests of the one process for every change on a busy morning (``bench/flood.py``).

A stream belongs to a log-in session: it opens only with an open session and ends — with a
``logout`` event — when the session ends (log-out, an administrator, expiry): at once when it
ended in this process, else at the next check of the store (every ``WebDeps.session_check_s``,
beside the stream: no message waits for it)."""

from __future__ import annotations

import asyncio
import json
import logging
import random
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
from web.listcache import Rendered
from web.live import Client, LiveHub
from web.pages.desk import shared_list

router = APIRouter(prefix="/api", tags=["live"])
log = logging.getLogger(__name__)


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


class ListPush:
    """When to push a stream's list: ``PAUSE_S`` after the first ticket change of a burst (the
    changes of one command and its echoes come together), then at most once every ``GAP_S``
    while changes keep coming, and once more after the last — as the page used to reload it
    (``coalesce`` in ``web/static/app.js``). The pushes come to the stream as ``list-due``
    messages through its queue, so they take their turn with its other messages."""

    PAUSE_S, GAP_S = 0.25, 1.0
    DUE = {"type": "list-due"}

    def __init__(self, hub: LiveHub, client: Client) -> None:
        self.hub, self.client = hub, client
        self.pending = False
        self.last = -1e9  # monotonic time of the last push
        self.etag = ""  # what this stream was last sent

    def lost(self) -> None:
        """The stream lost messages, its ``list-due`` perhaps among them: due again."""
        self.pending = False
        self.changed()

    def changed(self) -> None:
        """A ticket changed (on the server's loop)."""
        if self.pending:
            return
        self.pending = True
        wait = max(self.PAUSE_S, self.last + self.GAP_S - time.monotonic())
        asyncio.get_running_loop().call_later(wait, self.hub.tell, self.client, self.DUE)

    async def frame(self, request: Request, user: CurrentUser) -> bytes | None:
        """The list's frame when it is due, or None when this stream already has this page."""
        self.pending, self.last = False, time.monotonic()
        try:
            page = await shared_list(request, user)
        except Exception:  # the store is away: the page reloads the list itself when it can
            log.exception("desk list push for %s failed", user.username)
            return ServerSentEvent(json.dumps({"stale": True}), event="list").encode()  # type: ignore[no-any-return]
        if page.etag == self.etag:
            return None
        self.etag = page.etag
        return list_frame(page)


def list_frame(page: Rendered) -> bytes:
    """The page as a ``list`` event (its ETag and HTML), encoded once for every stream."""
    out = page.frames.get("list")
    if out is None:
        data = json.dumps({"etag": page.etag, "html": page.body.decode()}, ensure_ascii=False)
        out = page.frames["list"] = ServerSentEvent(data, event="list").encode()
    return out


async def _sse(request: Request, user: CurrentUser, kinds: frozenset[str]) -> EventSourceResponse:
    web = web_state(request)
    hub = web.deps.hub
    every = web.deps.session_check_s
    # a stream with its list hears the ticket changes that make it due (sent on only if asked for)
    client = hub.subscribe(user.username, user.role, kinds | ({"ticket"} if "list" in kinds else set()),
                           session=user.token.session_id)
    pushing = ListPush(hub, client) if "list" in kinds else None
    first = {"login": user.username, "wallboard": user.redact(hub.last_wallboard)}

    async def watch() -> None:
        """The session's check against the store, beside the stream rather than in its way: a
        pop that came when a check was due waited for the check's query (and streams opened
        together came due together, their queries at once every ``every`` seconds). The first
        check comes after a random part of ``every``, so the streams' checks spread out."""
        await asyncio.sleep(every * random.uniform(0.5, 1.0))
        while not client.closed:
            try:
                alive = await run_in_threadpool(_open, web, user.token.session_id)
            except Exception:  # the store is away: keep the stream, check again next time
                alive = True
            if not alive:
                hub.tell(client, {"type": "logout"})
                return
            await asyncio.sleep(every)

    async def events() -> AsyncIterator[dict[str, str] | bytes]:
        yield {"event": "hello", "data": json.dumps(first, ensure_ascii=False)}
        watching = asyncio.create_task(watch())
        try:
            async for out in relay():
                yield out
        finally:
            watching.cancel()

    async def relay() -> AsyncIterator[bytes]:
        async with aclosing(hub.stream(client, heartbeat_s=min(15.0, every))) as stream:
            async for msg in stream:
                if pushing is not None:
                    if msg["type"] == "dropped":
                        pushing.lost()
                    if msg is ListPush.DUE:
                        pushed = await pushing.frame(request, user)
                        if pushed is not None:
                            yield pushed
                        continue
                    if msg["type"] == "ticket":
                        pushing.changed()
                        if "ticket" not in kinds:
                            continue
                yield frame(msg, user.masked, user.redact)
                if msg["type"] == "logout":
                    return

    return EventSourceResponse(events(), headers={"Cache-Control": "no-store",
                                                  "X-Accel-Buffering": "no"})


DESK_KINDS = ("pop", "ticket", "wallboard", "list")


@router.get("/events", response_class=EventSourceResponse)
async def events(request: Request, user: Desk,
                 kinds: Annotated[str, Query(max_length=40, pattern=r"^[a-z,]*$",
                                             description="which of pop, ticket, wallboard, list "
                                                         "(comma-separated; default pop, ticket, "
                                                         "wallboard)")] = "") -> EventSourceResponse:
    """Server-sent events for the desk: ``pop`` (this operator's calls), ``ticket`` (any
    ticket changed), ``wallboard``, ``list`` (the first page of open tickets, ``{"etag",
    "html"}`` as ``GET /desk/list`` gives it, pushed after tickets change and only when it
    changed for this stream; ``{"stale": true}``: load it yourself), ``dropped`` (updates were
    lost: reload), ``ping``, ``logout`` (the session ended: the stream stops). The desk's page
    asks for ``pop,ticket,list``: the wallboard's figures go to every stream that wants them on
    each change."""
    wanted = frozenset(k for k in kinds.split(",") if k) or frozenset(DESK_KINDS) - {"list"}
    unknown = wanted - set(DESK_KINDS)
    if unknown:
        raise HTTPException(422, f"kinds: {', '.join(sorted(unknown))} is not one of {', '.join(DESK_KINDS)}")
    return await _sse(request, user, wanted)


@router.get("/wallboard/events", response_class=EventSourceResponse)
async def wallboard_events(request: Request, user: Reader) -> EventSourceResponse:
    """Server-sent ``wallboard`` events only (no caller data): for the big screen; ``logout``
    when the session ended."""
    return await _sse(request, user, frozenset({"wallboard"}))
