"""Replaying a trace whose recorder sent actions on the same connection (``sent.jsonl``).

Such a trace is a conversation: the recorder sent ``Originate`` at 1.0 s, Asterisk answered
with ``Response: Success`` and, two seconds of events later, ``OriginateResponse``. The
``ActionReplay`` server plays it to a real client the same way: the stream goes on by itself
until the point where the recorder sent an action, and waits there until the client sends
the matching one; then the recorded answer — the ``Response`` and every event carrying the
action's ``ActionID`` (``OriginateResponse``, ``QueueStatus``'s list…) — goes out with the
*client's* ActionID, among the events that came with it, in recorded order.

A client action matches a recorded one by ActionID, else by name and the headers that say
what it acts on (an Originate's Channel and Exten, a queue action's Interface…), the first
unused one. Anything else the client sends (its login, Ping, the reconcile's
``CoreShowChannels`` and ``QueueStatus`` without a queue) is answered as the plain
``ReplayServer`` answers it, from the state the stream has reached.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cti.protocol import AmiParser, Message
from cti.replay import ReplayServer
from cti.trace import TraceError, TraceEvent, _message_bytes

log = logging.getLogger(__name__)

# What an action acts on: the headers a client's action must share with the recorded one.
KEY_HEADERS = {
    "originate": ("Channel", "Exten"),
    "queueadd": ("Queue", "Interface"),
    "queueremove": ("Queue", "Interface"),
    "queuepause": ("Interface", "Paused"),
    "queuestatus": ("Queue",),
    "queuesummary": ("Queue",),
    "stopmixmonitor": ("Channel",),
    "hangup": ("Channel",),
    "redirect": ("Channel", "Exten"),
}
_AID = re.compile(rb"(?:^|\r\n)ActionID: ([^\r\n]*)\r\n")


@dataclass
class RecordedAction:
    action_id: str
    name: str  # lower case
    headers: dict[str, str]
    sent_at: float
    gate: int = 0  # the stream holds before this message until the action is matched
    matched: str | None = None  # the client's ActionID once it sent this action


@dataclass
class Exchange:
    """A recorded connection: every message after the login, and the actions sent on it."""

    messages: list[TraceEvent]
    actions: list[RecordedAction] = field(default_factory=list)


def load_exchange(path: str | Path) -> Exchange:
    """``ami.jsonl`` (responses included) and ``sent.jsonl`` of a scenario folder."""
    folder = Path(path)
    sent = folder / "sent.jsonl"
    actions: list[RecordedAction] = []
    if sent.exists():
        for n, line in enumerate(sent.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                msg = AmiParser(expect_banner=False).feed(item["raw"].encode("utf-8"))[0]
                t = float(item["t"])
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                raise TraceError(f"{sent}:{n}: not a recorded action ({exc})") from None
            headers = {k: v for k, v in msg.headers.items() if k not in ("Action", "ActionID")}
            actions.append(RecordedAction(msg.get("ActionID"), msg.get("Action").lower(), headers, t))
    ids = {a.action_id for a in actions}
    messages: list[TraceEvent] = []
    source = folder / "ami.jsonl"
    for n, chunk in enumerate(source.read_bytes().split(b"\n"), 1):
        if not chunk.strip():
            continue
        got = _message_bytes(f"{source}:{n}", chunk)
        if got is None:
            continue
        raw, t = got
        if raw.startswith(b"Event: "):
            messages.append(TraceEvent(t, raw))
        elif raw.startswith(b"Response: ") and _aid(raw) in ids:
            messages.append(TraceEvent(t, raw))  # the login's answer is the server's own
    # The stream holds where the recorder sent an action; and never before the answer to the
    # action sent before it, so a client that waits for each answer gets it before it sends
    # the next (the recorder sent some at once: their answers crossed its next sends).
    answered_at = 0
    for a in sorted(actions, key=lambda a: a.sent_at):
        a.gate = max(answered_at, next((i for i, m in enumerate(messages) if m.t > a.sent_at),
                                       len(messages)))
        answer = next((i for i, m in enumerate(messages) if m.raw.startswith(b"Response: ")
                       and _aid(m.raw) == a.action_id), None)
        answered_at = max(answered_at, answer + 1) if answer is not None else answered_at
    return Exchange(messages, actions)


def _aid(raw: bytes) -> str:
    m = _AID.search(raw)
    return m.group(1).decode("utf-8", "replace") if m else ""


class ActionReplay(ReplayServer):
    """A ``ReplayServer`` that answers the recorded actions (see the module docstring)."""

    def __init__(self, exchange: Exchange, *, gate_timeout_s: float = 10.0, **kw: object) -> None:
        super().__init__(exchange.messages, **kw)  # type: ignore[arg-type]
        self.recorded = exchange.actions
        self.gate_timeout_s = gate_timeout_s
        self.stalled: RecordedAction | None = None  # the action the client never sent
        self._matched = asyncio.Event()

    @classmethod
    def from_folder(cls, path: str | Path, **kw: Any) -> ActionReplay:
        return cls(load_exchange(path), **kw)

    def match(self, action: Message) -> RecordedAction | None:
        """The recorded action ``action`` stands for (and mark it used), None if none."""
        name, aid = action.get("Action").lower(), action.get("ActionID")
        free = [a for a in self.recorded if a.matched is None and a.name == name]
        found = next((a for a in free if a.action_id == aid), None)
        if found is None and name in KEY_HEADERS:
            keys = KEY_HEADERS[name]
            found = next((a for a in free if all(a.headers.get(k, "") == action.get(k) for k in keys)), None)
        if found is not None:
            found.matched = aid
            self._matched.set()
        return found

    async def _answer(self, action: Message, writer: asyncio.StreamWriter, streaming: bool) -> bool:
        if action.get("Action").lower() not in ("login", "logoff", "ping") and self.match(action):
            self.actions.append(action.get("Action"))
            return False  # the stream carries its answer
        return await super()._answer(action, writer, streaming)

    async def _stream(self, writer: asyncio.StreamWriter) -> None:
        gates = sorted(self.recorded, key=lambda a: a.gate)
        chunk: list[bytes] = []
        while self.position < len(self.events):
            for a in gates:
                if a.gate > self.position or a.matched is not None:
                    continue
                if chunk:
                    writer.write(b"".join(chunk))
                    chunk = []
                    await writer.drain()
                if not await self._wait_for(a):
                    log.error("replay: the trace waits for %s %s, which the client never sent",
                              a.name, a.action_id)
                    self.stalled = a
                    self.done.set()
                    return
            ev = self.events[self.position]
            self._advance(ev)
            chunk.append(self._as_client(ev.raw))
        writer.write(b"".join(chunk))
        await writer.drain()
        self.done.set()

    async def _wait_for(self, a: RecordedAction) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.gate_timeout_s
        while a.matched is None:
            self._matched.clear()
            try:
                await asyncio.wait_for(self._matched.wait(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                return a.matched is not None
        return True

    def _as_client(self, raw: bytes) -> bytes:
        m = _AID.search(raw)
        if m is None:
            return raw
        rec = m.group(1).decode("utf-8", "replace")
        a = next((x for x in self.recorded if x.action_id == rec and x.matched is not None), None)
        if a is None or a.matched is None or a.matched == rec:
            return raw
        return raw.replace(b"ActionID: " + m.group(1) + b"\r\n",
                           b"ActionID: " + a.matched.encode("utf-8") + b"\r\n", 1)
