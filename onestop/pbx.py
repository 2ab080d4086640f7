"""An emulated Asterisk for the demo and the end-to-end tests.

It plays Asterisk's side of both protocols over real loopback sockets, so OneStop's own AMI
listener and FastAGI server run exactly as in production:

- an AMI server (banner, Login, Ping, CoreShowChannels, QueueStatus, Originate, QueuePause,
  Hangup, Logoff) — this module;
- the hotline calls it streams the events of, in the shapes recorded from a real Asterisk
  (``tests/fixtures/traces``): Newchannel on ``from-pstn``/``6001``, the IVR's VarSet,
  QueueCallerJoin, AgentCalled, AgentConnect, AgentComplete, Hangup…, with a FastAGI *client*
  that connects to the IVR like ``AGI(agi://host:4573/ivr)`` does — ``onestop/pbx_calls.py``;
- outbound calls, the desk's queue actions and recordings — ``onestop/pbx_outbound.py``;
- operators, channels, call scripts and the AMI message format — ``onestop/pbx_model.py``
  (``Operator``, ``CallScript`` and ``CallResult`` are importable from here too).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Coroutine
from typing import Any

from onestop.pbx_calls import InboundCalls
from onestop.pbx_model import (
    BANNER,
    CallResult,
    CallScript,
    Channel,
    Operator,
    clean,
    format_message,
    read_message,
)
from onestop.pbx_outbound import OutboundCalls

__all__ = ["BANNER", "CallResult", "CallScript", "EmulatedPbx", "Operator", "format_message"]


class EmulatedPbx(InboundCalls, OutboundCalls):
    """One hotline PBX: AMI server + FastAGI caller side + a queue of operators; its outbound
    calls (survey, acknowledgement, click-to-call) are ``OutboundCalls``."""

    def __init__(self, agi_host: str = "127.0.0.1", agi_port: int = 4573,
                 operators: list[Operator] | None = None, username: str = "onestop",
                 secret: str = "demo", hotline_context: str = "from-pstn", hotline_exten: str = "6001",
                 queue: str = "hotline", time_scale: float = 1.0, ring_s: float = 2.0) -> None:
        self.agi_host, self.agi_port = agi_host, agi_port
        self.operators = operators or [Operator("Local/101@agents/n", "Operator Li"),
                                       Operator("Local/102@agents/n", "Operator Wang")]
        self.username, self.secret = username, secret
        self.context, self.exten, self.queue = hotline_context, hotline_exten, queue
        self.time_scale, self.ring_s = time_scale, ring_s
        self._clients: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self._epoch = int(time.time())
        self._seq = itertools.count(1)
        self._local_seq = itertools.count(1)
        self._live: dict[str, Channel] = {}
        self._waiting: list[str] = []
        self._rr = itertools.count()
        self.port = 0
        self.survey_scores: dict[str, str] = {}  # ticket id → digit the reporter presses
        self.workers: dict[str, str] = {}  # mobile → key pressed on the acknowledgement call, or busy…
        self.far_ends: dict[str, str] = {}  # number → answer | busy | noanswer (click-to-call)
        self.originated: list[tuple[str, str, str]] = []
        self.recordings_dir = ""  # set: hotline calls are recorded there (MixMonitor)
        self.on_survey_done: Callable[[str, dict[str, str]], None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # --- AMI server --------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self._server = await asyncio.start_server(self._serve_client, host, port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for w in list(self._clients):
            w.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def drop_clients(self) -> None:
        """Close every AMI connection, as an Asterisk restart or a network blip does."""
        for w in list(self._clients):
            w.close()
        self._clients.clear()
        self._epoch += 1  # a restart starts a new uptime

    async def _serve_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(BANNER)
        authed = False
        try:
            while True:
                action = await read_message(reader)
                if action is None:
                    break
                name = action.get("action", "").lower()
                aid = action.get("actionid", "")
                if name == "login":
                    authed = (action.get("username") == self.username
                              and action.get("secret") == self.secret)
                    if not authed:
                        writer.write(format_message([("Response", "Error"), ("ActionID", aid),
                                                     ("Message", "Authentication failed")]))
                        break
                    writer.write(format_message([("Response", "Success"), ("ActionID", aid),
                                                 ("Message", "Authentication accepted")]))
                    writer.write(format_message([("Event", "FullyBooted"), ("Privilege", "system,all"),
                                                 ("Uptime", "66"), ("LastReload", "66"),
                                                 ("Status", "Fully Booted")]))
                    self._clients.add(writer)
                elif not authed:
                    writer.write(format_message([("Response", "Error"), ("ActionID", aid),
                                                 ("Message", "Permission denied")]))
                else:
                    self._answer_action(writer, name, aid, action)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client went away, or the PBX is shutting down
        finally:
            self._clients.discard(writer)
            writer.close()

    def _answer_action(self, w: asyncio.StreamWriter, name: str, aid: str, action: dict[str, str]) -> None:
        ok = [("Response", "Success"), ("ActionID", aid)]
        if name == "ping":
            w.write(format_message([*ok, ("Ping", "Pong"), ("Timestamp", f"{time.time():.6f}")]))
        elif name == "coreshowchannels":
            w.write(format_message([*ok, ("EventList", "start"), ("Message", "Channels will follow")]))
            for ch in self._live.values():
                w.write(format_message([("Event", "CoreShowChannel"), ("ActionID", aid), *ch.headers(),
                                        ("Application", "Queue"), ("ApplicationData", self.queue),
                                        ("Duration", "00:00:05"), ("BridgeId", "")]))
            w.write(format_message([("Event", "CoreShowChannelsComplete"), ("ActionID", aid),
                                    ("EventList", "Complete"), ("ListItems", str(len(self._live)))]))
        elif name == "queuestatus":
            w.write(format_message([*ok, ("EventList", "start"), ("Message", "Queue status will follow")]))
            w.write(format_message([("Event", "QueueParams"), ("ActionID", aid), ("Queue", self.queue),
                                    ("Max", "0"), ("Strategy", "rrmemory"),
                                    ("Calls", str(len(self._waiting)))]))
            for op in self.operators:
                w.write(format_message([("Event", "QueueMember"), ("ActionID", aid), ("Queue", self.queue),
                                        ("Name", op.name), ("Location", op.interface),
                                        ("StateInterface", op.interface), ("Paused", "1" if op.paused else "0"),
                                        ("PausedReason", op.reason),
                                        ("InCall", "1" if op.busy else "0"),
                                        ("Status", "2" if op.busy else "1")]))
            for pos, uid in enumerate(self._waiting, 1):
                waiting = self._live.get(uid)
                if waiting:
                    w.write(format_message([("Event", "QueueEntry"), ("ActionID", aid), ("Queue", self.queue),
                                            ("Position", str(pos)), *waiting.headers(), ("Wait", "1")]))
            w.write(format_message([("Event", "QueueStatusComplete"), ("ActionID", aid),
                                    ("EventList", "Complete"), ("ListItems", "0")]))
        elif name in ("queuepause", "queueadd", "queueremove", "queuesummary"):
            self._queue_action(w, name, aid, action)
        elif name == "originate":
            w.write(format_message([*ok, ("Message", "Originate successfully queued")]))
            self._spawn(self._originate(aid, action))
        elif name == "logoff":
            w.write(format_message([("Response", "Goodbye"), ("ActionID", aid)]))
        else:
            w.write(format_message([("Response", "Error"), ("ActionID", aid),
                                    ("Message", "Invalid/unknown command")]))

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _emit(self, event: str, *pairs: tuple[str, str], privilege: str = "call,all") -> None:
        data = format_message([("Event", event), ("Privilege", privilege),
                               *((k, clean(v)) for k, v in pairs)])
        for w in list(self._clients):
            if w.is_closing():
                self._clients.discard(w)
                continue
            w.write(data)

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds * self.time_scale)

    def _uid(self) -> str:
        return f"{self._epoch}.{next(self._seq)}"
