"""LiveHub: fan-out of screen pops, ticket updates and wallboard figures to SSE clients.

Publishers (the CTI adapter's reader, the change feed, a web command) may run on any thread;
each client is an asyncio queue on the server's event loop. A publish never waits for a
browser: the queue is bounded, and when a slow client's queue is full its oldest message is
dropped and the client is told how many it missed (so the page can reload what it shows).

With an SSE stream open uvicorn's graceful shutdown waits for the stream forever unless
``timeout_graceful_shutdown`` is set (LIBRARIES.md): run uvicorn with e.g. 3 s, and
``LiveHub.close()`` on shutdown ends every stream.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

BROADCAST = "*"  # the channel every client hears: ticket updates and wallboard figures
# The keys of the wallboard's queue panel that telephony publishes live (web/wallboard.py)
QUEUE_KEYS = frozenset({"calls_waiting", "longest_wait_s", "operators", "offered_today",
                        "answered_today", "answered_in_sl_today", "abandoned_today",
                        "sl_threshold_s", "service_level", "abandon_rate", "logged_in", "available"})


@dataclass(eq=False)
class Client:
    """One connected browser tab."""

    id: int
    login: str
    role: str
    kinds: frozenset[str]  # which messages it wants: pop, ticket, wallboard
    queue: asyncio.Queue[dict[str, Any]]
    session: int = 0  # the log-in session it belongs to (0: none)
    dropped: int = 0
    reported: int = 0  # drops the client has been told of
    closed: bool = False


class LiveHub:
    def __init__(self, queue_size: int = 256) -> None:
        self.queue_size = queue_size
        self._loop: asyncio.AbstractEventLoop | None = None
        self._clients: dict[int, Client] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.published = 0
        self.dropped_total = 0
        self.last_wallboard: dict[str, Any] = {}
        self.last_cti: dict[str, Any] = {}

    # --- lifecycle -----------------------------------------------------------------------

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called by the app at start-up with the server's loop."""
        self._loop = loop

    def close(self) -> None:
        """End every stream (server shutdown)."""
        for c in self.clients():
            self._deliver(c, {"type": "bye"})
            c.closed = True

    def clients(self) -> list[Client]:
        with self._lock:
            return list(self._clients.values())

    def wants(self, kind: str) -> bool:
        """Whether an open stream takes ``kind`` messages."""
        return any(kind in c.kinds for c in self.clients())

    def subscribe(self, login: str, role: str,
                  kinds: frozenset[str] = frozenset({"pop", "ticket", "wallboard"}),
                  session: int = 0) -> Client:
        """Register a tab (on the server's loop); read it with :meth:`stream`."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        c = Client(next(self._ids), login, role, kinds, asyncio.Queue(self.queue_size), session)
        with self._lock:
            self._clients[c.id] = c
        return c

    def unsubscribe(self, client: Client) -> None:
        client.closed = True
        with self._lock:
            self._clients.pop(client.id, None)

    def end_session(self, session: int) -> None:
        """A log-in session ended (any thread): its streams get ``logout`` and stop."""
        if session:
            self._publish(BROADCAST, {"type": "logout", "session": session})

    async def stream(self, client: Client, heartbeat_s: float = 15.0) -> AsyncGenerator[dict[str, Any], None]:
        """Messages for ``client`` until it is closed (``bye``: the server stops; ``logout``:
        its session ended); a ``ping`` when idle keeps proxies open."""
        try:
            while not client.closed:
                try:
                    msg = await asyncio.wait_for(client.queue.get(), heartbeat_s)
                except TimeoutError:
                    msg = {"type": "ping"}
                if client.dropped > client.reported:
                    # Said before the next message, so the page knows to reload its state.
                    yield {"type": "dropped", "data": {"missed": client.dropped - client.reported}}
                    client.reported = client.dropped
                yield msg
                if msg.get("type") in ("bye", "logout"):
                    return
        finally:
            self.unsubscribe(client)

    def tell(self, client: Client, msg: dict[str, Any]) -> None:
        """A message for one stream alone (on the server's loop), e.g. that its list is due."""
        if not client.closed:
            self._deliver(client, msg)

    # --- publishing (any thread) ---------------------------------------------------------

    def publish_pop(self, login: str, payload: dict[str, Any]) -> None:
        """A screen pop for the operator logged in as ``login`` (every tab of theirs)."""
        self._publish(login, {"type": "pop", "data": payload})

    def publish_wallboard(self, payload: dict[str, Any]) -> None:
        """Live figures, e.g. the CTI adapter's ``{"calls_waiting", "longest_wait_s",
        "operators"}`` or the ticket figures; merged into the last known state."""
        if QUEUE_KEYS & payload.keys():  # telephony's live figures (web.wallboard's queue panel)
            self.last_cti = {**self.last_cti, **{k: v for k, v in payload.items() if k in QUEUE_KEYS}}
        self.last_wallboard = {**self.last_wallboard, **payload}
        self._publish(BROADCAST, {"type": "wallboard", "data": payload})

    def publish_ticket(self, ticket: dict[str, Any]) -> None:
        """A ticket changed (created, dispatched, replied to…)."""
        self._publish(BROADCAST, {"type": "ticket", "data": ticket})

    def _publish(self, channel: str, msg: dict[str, Any]) -> None:
        loop = self._loop
        self.published += 1
        if loop is None or loop.is_closed():
            return  # nobody has ever connected: nothing to deliver
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._fan_out(channel, msg)
        else:
            try:
                loop.call_soon_threadsafe(self._fan_out, channel, msg)
            except RuntimeError:  # the loop closed between the check and the call
                log.debug("live hub: loop closed, %s message dropped", msg.get("type"))

    def _fan_out(self, channel: str, msg: dict[str, Any]) -> None:
        kind = msg["type"]
        if kind == "logout":
            for c in self.clients():
                if c.session == msg["session"]:
                    self._deliver(c, {"type": "logout"})
            return
        for c in self.clients():
            if kind in c.kinds and (channel == BROADCAST or c.login == channel):
                self._deliver(c, msg)

    def _deliver(self, c: Client, msg: dict[str, Any]) -> None:
        if c.queue.full():
            c.queue.get_nowait()  # the oldest goes: a slow tab must not hold up the others
            c.dropped += 1
            self.dropped_total += 1
            if c.dropped == 1 or c.dropped % 100 == 0:
                log.warning("live hub: client %s (%s) is slow; %d message(s) dropped",
                            c.id, c.login, c.dropped)
        c.queue.put_nowait(msg)
