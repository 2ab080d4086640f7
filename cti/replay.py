"""A loopback AMI server that plays a recorded trace to a real client over TCP.

It sends a banner, answers the client's ``Login``, then streams the recorded events (the
recorder's own responses are left out), paced by the recorded times × ``speed`` or as fast
as the socket takes them. It answers ``Ping``, ``CoreShowChannels`` and ``QueueStatus`` from
the state the stream has reached (channels up, callers in queues, members' states), so a
client's reconcile sees what a real Asterisk would. ``drop_after`` closes the connection
after that many events; the next login gets a new ``FullyBooted`` and the stream resumes
at ``resume_at`` (default: where it dropped; later = events lost during the outage, which
still advance the server's state).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field

from cti.decoding import escape_c
from cti.listener import CtiListener
from cti.protocol import AmiParser, Message, format_action
from cti.trace import TraceError, TraceEvent, load_trace
from cti.tracker import DEFAULT_VARIABLES, CallRecord

__all__ = ["ReplayServer", "TraceError", "TraceEvent", "load_trace", "replay_calls"]

log = logging.getLogger(__name__)

BANNER = b"Asterisk Call Manager/13.0.0\r\n"


@dataclass
class _State:
    """What Asterisk would report at the current point of the stream."""

    channels: dict[str, dict[str, str]] = field(default_factory=dict)
    entries: dict[str, dict[str, str]] = field(default_factory=dict)  # uniqueid → queue entry
    members: dict[str, dict[str, str]] = field(default_factory=dict)  # interface → member
    uptime: int = 100

    def apply(self, m: Message, now: float) -> None:
        ev = m.event
        if ev == "FullyBooted":
            self.uptime = int(m.get("Uptime") or self.uptime)
        uid = m.get("Uniqueid")
        if ev == "Newchannel":
            self.channels[uid] = {**m.headers, "_started": str(now)}
        elif ev == "Hangup":
            self.channels.pop(uid, None)
            self.entries.pop(uid, None)
        elif ev == "VarSet" and uid in self.channels:
            self.channels[uid]["_var_" + m.get("Variable")] = m.get("Value")
        elif uid in self.channels and "Context" in m:
            ch = self.channels[uid]
            for key in ("Context", "Exten", "CallerIDNum", "CallerIDName", "ChannelState",
                        "ChannelStateDesc"):
                if key in m:
                    ch[key] = m.get(key)
        if ev == "QueueCallerJoin":
            self.entries[uid] = {**m.headers, "_joined": str(now)}
        elif ev in ("QueueCallerLeave", "QueueCallerAbandon"):
            self.entries.pop(uid, None)
        elif ev in ("QueueMemberStatus", "QueueMemberPause", "QueueMemberAdded"):
            self.members[m.get("Interface")] = m.headers
        elif ev == "QueueMemberRemoved":
            self.members.pop(m.get("Interface"), None)


def _event(fields: dict[str, str] | list[tuple[str, str]]) -> bytes:
    pairs = fields.items() if isinstance(fields, dict) else fields
    return ("".join(f"{k}: {v}\r\n" for k, v in pairs) + "\r\n").encode("utf-8")


def _hms(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


class ReplayServer:
    """Serves one trace to one client at a time on 127.0.0.1 (port 0: chosen by the OS)."""

    def __init__(self, events: list[TraceEvent], *, speed: float | None = None,
                 drop_after: int | None = None, resume_at: int | None = None,
                 secret: str | None = None, track_state: bool = True,
                 chunk_bytes: int = 65536,
                 channelvars: tuple[str, ...] = DEFAULT_VARIABLES) -> None:
        self.channelvars = frozenset(channelvars)
        self.events, self.speed, self.secret = events, speed, secret
        self.drop_after, self.resume_at = drop_after, resume_at
        self.track_state, self.chunk_bytes = track_state, chunk_bytes
        self.position = 0
        self.state = _State()
        self.connections = 0
        self.logins = 0
        self.actions: list[str] = []
        self.done = asyncio.Event()
        self._dropped = False
        self._server: asyncio.AbstractServer | None = None
        self._clients: set[asyncio.Task[None]] = set()
        self._started = time.time()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self._server = await asyncio.start_server(self._serve, host, port)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._clients):
            task.cancel()
        await asyncio.gather(*self._clients, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients.add(task)
        self.connections += 1
        stream: asyncio.Task[None] | None = None
        try:
            writer.write(BANNER)
            parser = AmiParser(expect_banner=False)
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                for action in parser.feed(data):
                    started = await self._answer(action, writer, stream is not None)
                    if started and stream is None:
                        stream = asyncio.create_task(self._stream(writer))
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            if stream is not None:
                stream.cancel()
                await asyncio.gather(stream, return_exceptions=True)
            writer.close()
            self._clients.discard(task)

    async def _answer(self, action: Message, writer: asyncio.StreamWriter, streaming: bool) -> bool:
        name, aid = action.get("Action").lower(), action.get("ActionID")
        self.actions.append(action.get("Action"))
        if name == "login":
            if self.secret is not None and action.get("Secret") != self.secret:
                writer.write(_event({"Response": "Error", "ActionID": aid,
                                     "Message": "Authentication failed"}))
                return False
            self.logins += 1
            writer.write(_event({"Response": "Success", "ActionID": aid,
                                 "Message": "Authentication accepted"}))
            if self.logins > 1 or (self.events and self.events[0].message.event != "FullyBooted"):
                uptime = self.state.uptime + int(time.time() - self._started)
                writer.write(_event({"Event": "FullyBooted", "Privilege": "system,all",
                                     "Uptime": str(uptime), "LastReload": str(uptime),
                                     "Status": "Fully Booted"}))
            return True
        if name == "ping":
            writer.write(_event({"Response": "Success", "ActionID": aid, "Ping": "Pong",
                                 "Timestamp": f"{time.time():.6f}"}))
        elif name == "coreshowchannels":
            writer.write(self._channels(aid))
        elif name == "queuestatus":
            writer.write(self._queues(aid))
        elif name == "logoff":
            writer.write(_event({"Response": "Goodbye", "ActionID": aid,
                                 "Message": "Thanks for all the fish."}))
        else:
            writer.write(_event({"Response": "Error", "ActionID": aid,
                                 "Message": f"{action.get('Action')} is not replayed"}))
        return False

    def _channels(self, aid: str) -> bytes:
        now = time.time()
        parts = [_event({"Response": "Success", "ActionID": aid, "EventList": "start",
                         "Message": "Channels will follow"})]
        for uid, ch in self.state.channels.items():
            # What ``channelvars=`` in manager.conf adds to every channel's events.
            chanvars = [("ChanVariable", f"{k[5:]}={v}") for k, v in ch.items()
                        if k.startswith("_var_") and k[5:] in self.channelvars]
            parts.append(_event([*{
                "Event": "CoreShowChannel", "ActionID": aid, "Channel": ch.get("Channel", ""),
                "ChannelState": ch.get("ChannelState", ""), "CallerIDNum": ch.get("CallerIDNum", ""),
                # a channel snapshot's name goes out C-escaped (QueueEntry's below does not)
                "CallerIDName": escape_c(ch.get("CallerIDName", "")), "Context": ch.get("Context", ""),
                "Extension": ch.get("Exten", ""), "Priority": "1", "Uniqueid": uid,
                "Linkedid": ch.get("Linkedid", uid), "Application": "", "ApplicationData": "",
                "Duration": _hms(now - float(ch.get("_started", now))), "BridgeId": ""}.items(),
                *chanvars]))
        parts.append(_event({"Event": "CoreShowChannelsComplete", "ActionID": aid,
                             "EventList": "Complete", "ListItems": str(len(parts) - 1)}))
        return b"".join(parts)

    def _queues(self, aid: str) -> bytes:
        now = time.time()
        parts = [_event({"Response": "Success", "ActionID": aid, "EventList": "start",
                         "Message": "Queue status will follow"})]
        for iface, m in self.state.members.items():
            parts.append(_event({"Event": "QueueMember", "ActionID": aid,
                                 "Queue": m.get("Queue", ""), "Name": m.get("MemberName", ""),
                                 "Location": iface, "StateInterface": m.get("StateInterface", ""),
                                 "Status": m.get("Status", "0"), "Paused": m.get("Paused", "0"),
                                 "PausedReason": m.get("PausedReason", ""),
                                 "InCall": m.get("InCall", "0")}))
        for uid, e in self.state.entries.items():
            parts.append(_event({"Event": "QueueEntry", "ActionID": aid, "Queue": e.get("Queue", ""),
                                 "Position": e.get("Position", ""), "Channel": e.get("Channel", ""),
                                 "Uniqueid": uid, "CallerIDNum": e.get("CallerIDNum", ""),
                                 "CallerIDName": e.get("CallerIDName", ""),
                                 "Wait": str(int(now - float(e.get("_joined", now))))}))
        parts.append(_event({"Event": "QueueStatusComplete", "ActionID": aid,
                             "EventList": "Complete", "ListItems": str(len(parts) - 1)}))
        return b"".join(parts)

    async def _stream(self, writer: asyncio.StreamWriter) -> None:
        if self._dropped and self.resume_at is not None:
            self._skip_to(self.resume_at)
        last_t: float | None = None
        chunk: list[bytes] = []
        size = 0
        while self.position < len(self.events):
            if self.drop_after is not None and not self._dropped and self.position >= self.drop_after:
                self._dropped = True
                writer.write(b"".join(chunk))
                writer.transport.abort()
                return
            ev = self.events[self.position]
            if self.speed is not None and last_t is not None and ev.t > last_t:
                if chunk:
                    writer.write(b"".join(chunk))
                    chunk, size = [], 0
                    await writer.drain()
                await asyncio.sleep((ev.t - last_t) / self.speed)
            last_t = ev.t
            self._advance(ev)
            chunk.append(ev.raw)
            size += len(ev.raw)
            if size >= self.chunk_bytes:
                writer.write(b"".join(chunk))
                chunk, size = [], 0
                await writer.drain()
        writer.write(b"".join(chunk))
        await writer.drain()
        self.done.set()

    def _advance(self, ev: TraceEvent) -> None:
        self.position += 1
        if self.track_state:
            self.state.apply(ev.message, time.time())

    def _skip_to(self, index: int) -> None:
        """Events lost during an outage still happened on the PBX."""
        while self.position < min(index, len(self.events)):
            self._advance(self.events[self.position])


def login_action(username: str, secret: str, action_id: str = "login") -> bytes:
    """A Login as a peer library would send it (bench and tests)."""
    return format_action("Login", action_id, {"Username": username, "Secret": secret})


async def replay_calls(events: list[TraceEvent], ami: object, *, speed: float | None = None,
                       drop_after: int | None = None, resume_at: int | None = None,
                       listener_kw: dict[str, object] | None = None,
                       timeout_s: float = 60.0) -> tuple[list[CallRecord], CtiListener]:
    """Serve ``events`` on loopback to the listener ``onestop serve`` runs, built from
    ``ami`` (``settings.ami``) with host/port pointed at the replay server; return the
    finished calls in the order they started, and the (stopped) listener."""
    server = ReplayServer(events, speed=speed, drop_after=drop_after, resume_at=resume_at)
    port = await server.start()
    local = _LocalAmi(ami, port)
    listener = CtiListener.from_settings(local, **(listener_kw or {}))  # type: ignore[arg-type]
    records: list[CallRecord] = []
    listener.on_record.append(records.append)
    await listener.start()
    try:
        await asyncio.wait_for(server.done.wait(), timeout_s)
        await _settled(listener, server, timeout_s)
    finally:
        await listener.stop()
        await server.close()
    for call in listener.tracker.calls.values():
        log.warning("replay: call %s still up at the end of the trace", call.uniqueid)
    return sorted(records, key=lambda r: _uid_key(r.uniqueid)), listener


async def _settled(listener: CtiListener, server: ReplayServer, timeout_s: float) -> None:
    """Everything sent has been read, handled and reconciled."""
    deadline = time.monotonic() + timeout_s
    while True:
        await listener.client.wait_ready(timeout_s)
        await listener.client.action("Ping")  # its answer comes after every earlier byte
        await listener.flush(timeout_s)
        if listener.reconciled_login >= listener.client.stats["logins"] or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.02)


def _uid_key(uniqueid: str) -> tuple[int, ...] | tuple[str]:
    try:
        return tuple(int(p) for p in uniqueid.split("."))
    except ValueError:
        return (uniqueid,)


class _LocalAmi:
    """``settings.ami`` with the address of the replay server and quick reconnects."""

    def __init__(self, ami: object, port: int) -> None:
        self._ami = ami
        self.host, self.port = "127.0.0.1", port
        self.reconnect_min_s, self.reconnect_max_s = 0.02, 0.2

    def __getattr__(self, name: str) -> object:
        return getattr(self._ami, name)
