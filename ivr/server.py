"""The FastAGI server: accepts Asterisk's connections and runs the route each one asks for.

``agi://HOST:4573/ivr`` runs the hotline menu, ``agi://HOST:4573/survey`` the satisfaction
survey. Every session has deadlines of its own, so a port scan, a half-open connection or a
peer that never sends the blank line costs one idle task and never the others' time; a bad
line ends only its own session, with a log line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from ivr.protocol import AgiParser, EnvReady, ProtocolError, clean_text
from ivr.session import READ_CHUNK, AgiCommandError, AgiError, AgiHangup, AgiSession

log = logging.getLogger(__name__)

Handler = Callable[[AgiSession], Awaitable[None]]


@dataclass
class ServerStats:
    started: int = 0
    completed: int = 0
    hung_up: int = 0
    refused: int = 0  # no environment, garbled, unknown route, over capacity
    errors: int = 0  # a handler raised: our bug, logged with its traceback
    active: int = 0
    peak_active: int = 0


class FastAgiServer:
    """asyncio FastAGI server. ``routes`` maps a request path (``"ivr"``) to a handler."""

    def __init__(self, routes: Mapping[str, Handler], host: str = "127.0.0.1", port: int = 4573,
                 env_timeout_s: float = 5.0, max_sessions: int = 2000) -> None:
        self.routes = dict(routes)
        self.host, self.port = host, port
        self.env_timeout_s = env_timeout_s
        self.max_sessions = max_sessions
        self.stats = ServerStats()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        """Listen; returns the port bound (useful with ``port=0``)."""
        self._server = await asyncio.start_server(self._accept, self.host, self.port,
                                                  limit=READ_CHUNK, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("FastAGI listening on %s:%s, routes %s", self.host, self.port, sorted(self.routes))
        return self.port

    async def serve_forever(self) -> None:
        if self._server is None:
            await self.start()
        assert self._server is not None
        await self._server.serve_forever()

    async def stop(self) -> None:
        """Stop listening and end the sessions in progress."""
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.stats.active += 1
        self.stats.peak_active = max(self.stats.peak_active, self.stats.active)
        try:
            await self._session(reader, writer)
        except asyncio.CancelledError:
            # stop() ends sessions by cancelling them; this is the top of the task, and
            # asyncio's stream callback would report a cancelled task as an error.
            log.info("FastAGI %s: session cancelled by server stop", _peer(writer))
        finally:
            self.stats.active -= 1
            self._tasks.discard(task)
            writer.close()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = _peer(writer)
        if self.stats.active > self.max_sessions:
            self.stats.refused += 1
            log.warning("FastAGI %s: over %d sessions, connection refused", peer, self.max_sessions)
            return
        parser = AgiParser()
        try:
            env_msg, rest = await self._read_env(reader, parser)
        except TimeoutError:
            self.stats.refused += 1
            log.warning("FastAGI %s: no complete agi_* environment within %.0f s, closed",
                        peer, self.env_timeout_s)
            return
        except (ProtocolError, ConnectionError) as exc:
            self.stats.refused += 1
            log.warning("FastAGI %s: closed before a valid environment: %s", peer, exc)
            return
        if env_msg is None:
            self.stats.refused += 1
            log.info("FastAGI %s: connected and closed without a request (port scan?)", peer)
            return
        if parser.replaced:
            log.warning("FastAGI %s: %d environment line(s) neither UTF-8 nor GB18030, unreadable "
                        "bytes replaced", peer, parser.replaced)
        session = AgiSession(env_msg.env, reader, writer, parser, rest)
        await self._run(session, peer)

    async def _read_env(self, reader: asyncio.StreamReader,
                        parser: AgiParser) -> tuple[EnvReady | None, list]:  # type: ignore[type-arg]
        async with asyncio.timeout(self.env_timeout_s):
            while True:
                data = await reader.read(READ_CHUNK)
                if not data:
                    return None, []
                msgs = parser.feed(data)
                if msgs:
                    first = msgs[0]
                    assert isinstance(first, EnvReady)
                    return first, msgs[1:]

    async def _run(self, session: AgiSession, peer: str) -> None:
        path = session.env.path
        handler = self.routes.get(path)
        if handler is None:
            self.stats.refused += 1
            log.warning("FastAGI %s: unknown route %r (known: %s)", peer, clean_text(path),
                        ", ".join(sorted(self.routes)))
            return
        _check_caller_id(session, peer)
        self.stats.started += 1
        try:
            await handler(session)
            self.stats.completed += 1
        except AgiHangup as exc:
            self.stats.hung_up += 1
            log.info("FastAGI %s %s: session ended, caller gone (%s)", peer, session.name, exc)
        except ProtocolError as exc:
            self.stats.refused += 1
            log.warning("FastAGI %s %s: garbled reply, session closed: %s", peer, session.name, exc)
        except (AgiCommandError, AgiError) as exc:
            self.stats.errors += 1
            log.error("FastAGI %s %s: session ended: %s", peer, session.name, exc)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            self.stats.hung_up += 1
            log.info("FastAGI %s %s: connection lost: %s", peer, session.name, exc)
        except Exception:
            self.stats.errors += 1
            log.exception("FastAGI %s %s: handler %r failed", peer, session.name, path)


def _check_caller_id(session: AgiSession, peer: str) -> None:
    # Caller ID arrives unescaped from whoever placed the call. We never pass it on unquoted;
    # odd values are logged so a probe shows up, and the caller still gets the menu.
    name, num = session.env.get("calleridname"), session.env.get("callerid")
    # "unknown" is how Asterisk says the call has no name: ordinary, not a probe
    if name != "unknown" and (session.caller_name != name or len(name) > 80 or '"' in name
                              or "\\" in name):
        log.warning("FastAGI %s %s: suspicious caller ID name %r, neutralised",
                    peer, session.name, name[:120])
    if num not in ("", "unknown") and session.caller_number != num:
        log.warning("FastAGI %s %s: caller number %r is not a number, kept as %r",
                    peer, session.name, num[:60], session.caller_number)


def _peer(writer: asyncio.StreamWriter) -> str:
    info = writer.get_extra_info("peername")
    return f"{info[0]}:{info[1]}" if isinstance(info, tuple) else "?"
