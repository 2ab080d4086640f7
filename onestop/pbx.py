"""An emulated Asterisk for the demo and the end-to-end tests.

It plays Asterisk's side of both protocols over real loopback sockets, so OneStop's own AMI
listener and FastAGI server run exactly as in production:

- an AMI server (banner, Login, Ping, CoreShowChannels, QueueStatus, Originate, QueuePause,
  Hangup; outbound calls in ``onestop/pbx_outbound.py``) that streams the events of each call in the shapes recorded from a real Asterisk
  (``tests/fixtures/traces``): Newchannel on ``from-pstn``/``6001``, the IVR's VarSet,
  QueueCallerJoin, AgentCalled, AgentConnect, AgentComplete, Hangup…;
- a FastAGI *client* that connects to the IVR like ``AGI(agi://host:4573/ivr)`` does, sends the
  ``agi_*`` environment and answers the IVR's commands with the caller's key presses.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import re
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from onestop.pbx_outbound import OutboundCalls

log = logging.getLogger(__name__)

BANNER = b"Asterisk Call Manager/13.0.0\r\n"


@dataclass
class Operator:
    interface: str  # Local/101@agents/n
    name: str  # Operator Li
    paused: bool = False
    busy: bool = False
    calls_taken: int = 0
    reason: str = ""


@dataclass
class CallScript:
    """What one simulated caller does."""

    caller_num: str
    caller_name: str
    digits: list[str] = field(default_factory=lambda: ["1"])  # answers to the IVR, in order
    patience_s: float = 30.0  # gives up in the queue after this
    talk_s: float = 4.0
    hangup_in_ivr: bool = False


@dataclass
class CallResult:
    uniqueid: str
    variables: dict[str, str]
    outcome: str  # answered | abandoned | ended_in_ivr
    agent: str = ""


@dataclass
class _Channel:
    name: str
    uniqueid: str
    linkedid: str
    caller_num: str
    caller_name: str
    context: str
    exten: str
    state: int = 4
    priority: int = 1
    connected_num: str = "<unknown>"
    connected_name: str = "<unknown>"

    def headers(self, prefix: str = "") -> list[tuple[str, str]]:
        desc = {0: "Down", 4: "Ring", 5: "Ringing", 6: "Up"}.get(self.state, "Up")
        return [(prefix + k, v) for k, v in (
            ("Channel", self.name), ("ChannelState", str(self.state)), ("ChannelStateDesc", desc),
            ("CallerIDNum", self.caller_num or "<unknown>"),
            ("CallerIDName", self.caller_name or "<unknown>"),
            ("ConnectedLineNum", self.connected_num), ("ConnectedLineName", self.connected_name),
            ("Language", "en"), ("AccountCode", ""), ("Context", self.context),
            ("Exten", self.exten), ("Priority", str(self.priority)),
            ("Uniqueid", self.uniqueid), ("Linkedid", self.linkedid))]


def format_message(pairs: list[tuple[str, str]]) -> bytes:
    return "".join(f"{k}: {v}\r\n" for k, v in pairs).encode() + b"\r\n"


def _clean(value: str) -> str:
    # Asterisk never puts CR/LF inside a header value; neither do we.
    return value.replace("\r", " ").replace("\n", " ")


class EmulatedPbx(OutboundCalls):
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
        self._live: dict[str, _Channel] = {}
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
                action = await _read_message(reader)
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
                               *((k, _clean(v)) for k, v in pairs)])
        for w in list(self._clients):
            if w.is_closing():
                self._clients.discard(w)
                continue
            w.write(data)

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds * self.time_scale)

    def _uid(self) -> str:
        return f"{self._epoch}.{next(self._seq)}"

    # --- calls -------------------------------------------------------------------------

    async def place_call(self, script: CallScript) -> CallResult:
        """Run one inbound hotline call to its end; returns what happened."""
        uid = self._uid()
        ch = _Channel(f"IAX2/127.0.0.1:4569-{random.randint(1000, 9999)}", uid, uid,
                      script.caller_num, script.caller_name, self.context, self.exten)
        self._live[uid] = ch
        try:
            return await self._run_call(ch, script)
        finally:
            self._live.pop(uid, None)
            if uid in self._waiting:
                self._waiting.remove(uid)

    async def _run_call(self, ch: _Channel, script: CallScript) -> CallResult:
        self._emit("Newchannel", *ch.headers())
        ch.state, ch.priority = 6, 2
        self._emit("Newstate", *ch.headers())
        self._record(ch)
        ch.priority = 3
        self._emit("Newexten", *ch.headers(), ("Extension", self.exten), ("Application", "AGI"),
                   ("AppData", f"agi://{self.agi_host}:{self.agi_port}/ivr"), privilege="dialplan,all")
        variables, hung_up = await self._agi_session(ch, "ivr", script.digits, script.hangup_in_ivr)
        for name, value in variables.items():
            self._emit("VarSet", *ch.headers(), ("Variable", name), ("Value", value),
                       privilege="dialplan,all")
        if hung_up:
            await self._hangup(ch, "16", "Normal Clearing")
            return CallResult(ch.uniqueid, variables, "ended_in_ivr")
        return await self._queue(ch, script, variables)

    async def _queue(self, ch: _Channel, script: CallScript, variables: dict[str, str]) -> CallResult:
        ch.priority = 6
        self._waiting.append(ch.uniqueid)
        self._emit("QueueCallerJoin", *ch.headers(), ("Queue", self.queue),
                   ("Position", str(self._waiting.index(ch.uniqueid) + 1)),
                   ("Count", str(len(self._waiting))), privilege="agent,all")
        joined = time.monotonic()
        deadline = joined + script.patience_s * self.time_scale
        while True:
            op = self._free_operator() if self._waiting[0] == ch.uniqueid else None
            if op is not None:
                op.busy = True
                local = await self._ring(ch, op, joined)
                if local is not None:
                    break
                op.busy = False
                self._member_status(op)
            if time.monotonic() >= deadline:
                pos = self._waiting.index(ch.uniqueid) + 1
                self._waiting.remove(ch.uniqueid)
                self._emit("QueueCallerAbandon", *ch.headers(), ("Queue", self.queue),
                           ("Position", str(pos)), ("OriginalPosition", str(pos)),
                           ("HoldTime", str(int(time.monotonic() - joined))), privilege="agent,all")
                self._emit("QueueCallerLeave", *ch.headers(), ("Queue", self.queue),
                           ("Position", str(pos)), ("Count", str(len(self._waiting))), privilege="agent,all")
                await self._hangup(ch, "16", "Normal Clearing")
                return CallResult(ch.uniqueid, variables, "abandoned")
            await asyncio.sleep(0.05 * self.time_scale)
        await self._sleep(script.talk_s)
        hold = int(round((time.monotonic() - joined) / self.time_scale))
        self._emit("AgentComplete", *ch.headers(), *local.headers("Dest"), ("Queue", self.queue),
                   ("Interface", op.interface), ("MemberName", op.name), ("HoldTime", str(hold)),
                   ("TalkTime", str(int(script.talk_s))), ("Reason", "agent"), privilege="agent,all")
        op.busy = False
        op.calls_taken += 1
        self._member_status(op)
        await self._hangup(local, "16", "Normal Clearing")
        await self._hangup(ch, "16", "Normal Clearing")
        return CallResult(ch.uniqueid, variables, "answered", op.name)

    async def _ring(self, ch: _Channel, op: Operator, joined: float) -> _Channel | None:
        local = self._local_for(op, ch)
        self._emit("Newchannel", *local.headers())
        self._emit("AgentCalled", *ch.headers(), *local.headers("Dest"), ("Queue", self.queue),
                   ("Interface", op.interface), ("MemberName", op.name), privilege="agent,all")
        await self._sleep(self.ring_s)
        if ch.uniqueid not in self._live:
            return None
        wait = int(round((time.monotonic() - joined) / self.time_scale))
        pos = self._waiting.index(ch.uniqueid) + 1
        self._waiting.remove(ch.uniqueid)
        self._emit("QueueCallerLeave", *ch.headers(), ("Queue", self.queue), ("Position", str(pos)),
                   ("Count", str(len(self._waiting))), privilege="agent,all")
        self._emit("VarSet", *ch.headers(), ("Variable", "QUEUEWAIT"), ("Value", str(wait)),
                   privilege="dialplan,all")
        local.state = 6
        self._emit("AgentConnect", *ch.headers(), *local.headers("Dest"), ("Queue", self.queue),
                   ("Interface", op.interface), ("MemberName", op.name), ("HoldTime", str(wait)),
                   ("RingTime", str(int(self.ring_s))), privilege="agent,all")
        return local

    def _member_status(self, op: Operator) -> None:
        """The device state change Asterisk reports when a member is free again: without it a
        listener would show the operator in the call (or ringing) until the next call."""
        state_if = op.interface.removesuffix("/n")
        self._emit("QueueMemberStatus", ("Queue", self.queue), ("MemberName", op.name),
                   ("Interface", op.interface), ("StateInterface", state_if), ("Membership", "static"),
                   ("Penalty", "0"), ("CallsTaken", str(op.calls_taken)), ("InCall", "0"),
                   ("Status", "1"), ("Paused", "1" if op.paused else "0"), ("PausedReason", op.reason),
                   ("Ringinuse", "0"), ("Wrapuptime", "0"), privilege="agent,all")

    def _local_for(self, op: Operator, ch: _Channel) -> _Channel:
        """The queue member's Local channel (``;1`` leg), linked to the inbound call."""
        m = re.match(r"Local/(\d+)@(\w+)", op.interface)
        ext, ctx = (m.group(1), m.group(2)) if m else ("100", "agents")
        n = next(self._local_seq)
        return _Channel(f"Local/{ext}@{ctx}-{n:08x};1", self._uid(), ch.linkedid, self.exten,
                        "<unknown>", ctx, ext, state=0)

    async def _hangup(self, ch: _Channel, cause: str, text: str) -> None:
        self._emit("HangupRequest", *ch.headers(), ("Cause", cause))
        self._emit("Hangup", *ch.headers(), ("Cause", cause), ("Cause-txt", text))

    # --- FastAGI, Asterisk's side ---------------------------------------------------------

    async def _agi_session(self, ch: _Channel, script_name: str, digits: list[str],
                           hang_up: bool, extra_vars: dict[str, str] | None = None) -> tuple[dict[str, str], bool]:
        """Connect to the FastAGI server and answer its commands. Returns the variables it set
        and whether the caller hung up during the session."""
        variables: dict[str, str] = {}
        known = {"CALLERID(num)": ch.caller_num, "CALLERID(name)": ch.caller_name, **(extra_vars or {})}
        presses = list(digits)
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.agi_host, self.agi_port), 2.0)
        except (OSError, TimeoutError):
            log.warning("FastAGI server %s:%s unreachable: AGISTATUS=FAILURE", self.agi_host, self.agi_port)
            return {"AGISTATUS": "FAILURE"}, False
        env = {"network": "yes", "network_script": script_name,
               "request": f"agi://{self.agi_host}:{self.agi_port}/{script_name}",
               "channel": ch.name, "language": "en", "type": ch.name.split("/")[0],
               "uniqueid": ch.uniqueid, "version": "GIT-master-emulated",
               "callerid": ch.caller_num or "unknown", "calleridname": ch.caller_name or "unknown",
               "callingpres": "0", "callingani2": "0", "callington": "0", "callingtns": "0",
               "dnid": "unknown", "rdnis": "unknown", "context": ch.context, "extension": ch.exten,
               "priority": str(ch.priority), "enhanced": "0.0", "accountcode": "", "threadid": "1"}
        writer.write("".join(f"agi_{k}: {_clean(v)}\n" for k, v in env.items()).encode() + b"\n")
        hung_up = False
        try:
            while True:
                line = await asyncio.wait_for(reader.readline(), 30)
                if not line:
                    break
                command = line.decode("utf-8", "replace").strip()
                if hung_up:
                    writer.write(b"511 Command Not Permitted on a dead channel or intercept routine\n")
                    continue
                if hang_up and not presses and _wants_digit(command):
                    writer.write(b"200 result=-1\nHANGUP\n")
                    hung_up = True
                    continue
                reply = _agi_reply(command, presses, variables, known)
                writer.write(reply.encode())
                await writer.drain()
                if command.upper().startswith("HANGUP"):
                    break
        except (TimeoutError, ConnectionError):
            log.warning("FastAGI session for %s ended abnormally", ch.uniqueid)
        finally:
            writer.close()
        return variables, hung_up

    def _free_operator(self) -> Operator | None:
        free = [op for op in self.operators if not op.paused and not op.busy]
        if not free:
            return None
        return free[next(self._rr) % len(free)]


def _wants_digit(command: str) -> bool:
    word = command.split(" ", 2)
    head = " ".join(word[:2]).upper()
    return head in ("WAIT FOR", "GET DATA", "STREAM FILE", "GET OPTION", "RECORD FILE")


def _agi_reply(command: str, presses: list[str], variables: dict[str, str], known: dict[str, str]) -> str:
    upper = command.upper()
    if upper.startswith("SET VARIABLE"):
        _, _, rest = command.partition(" VARIABLE ")
        name, _, value = rest.strip().partition(" ")
        variables[name] = value.strip().strip('"')
        return "200 result=1\n"
    if upper.startswith("GET VARIABLE") or upper.startswith("GET FULL VARIABLE"):
        name = command.split(" ")[-1].strip('"')
        found = variables.get(name, known.get(name))
        return f"200 result=1 ({found})\n" if found is not None else "200 result=0\n"
    if upper.startswith("WAIT FOR DIGIT") or upper.startswith("STREAM FILE") or upper.startswith("GET OPTION"):
        key = presses.pop(0)[:1] if presses and upper.startswith("WAIT FOR DIGIT") else ""
        suffix = " endpos=8000" if not upper.startswith("WAIT") else ""
        return f"200 result={ord(key) if key else 0}{suffix}\n"
    if upper.startswith("GET DATA"):
        value = presses.pop(0) if presses else ""
        return f"200 result={value} (timeout)\n" if not value else f"200 result={value}\n"
    if upper.startswith("RECORD FILE"):
        return "200 result=0 (timeout) endpos=0\n"
    if upper.startswith(("ANSWER", "SAY ", "EXEC", "HANGUP", "VERBOSE", "NOOP", "SET ", "CHANNEL STATUS")):
        return "200 result=0\n" if upper.startswith(("ANSWER", "SAY ", "EXEC")) else "200 result=1\n"
    return "510 Invalid or unknown command\n"


async def _read_message(reader: asyncio.StreamReader) -> dict[str, str] | None:
    headers: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if not line:
            return None
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        if not text:
            if headers:
                return headers
            continue
        key, _, value = text.partition(":")
        name = key.strip().lower()
        if name == "variable" and name in headers:
            headers[name] += "," + value.strip()
        else:
            headers[name] = value.strip()
