"""The emulated PBX's inbound hotline calls (a part of ``EmulatedPbx``): a caller's script
played out as Asterisk would — the channel comes up, the IVR runs over FastAGI (the emulator
is the FastAGI *client*: it sends the ``agi_*`` environment and answers the IVR's commands with
the caller's key presses), the call waits in the queue, an operator's Local channel rings and
connects, they talk, both hang up — every step as the AMI events recorded from a real Asterisk
(``tests/fixtures/traces``).
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from typing import TYPE_CHECKING

from onestop.pbx_model import CallResult, CallScript, Channel, Operator, clean

log = logging.getLogger(__name__)


class InboundCalls:
    """Hotline calls from a ``CallScript`` to their end (mixed into ``EmulatedPbx``)."""

    agi_host: str
    agi_port: int
    operators: list[Operator]
    context: str
    exten: str
    queue: str
    time_scale: float
    ring_s: float
    _live: dict[str, Channel]
    _waiting: list[str]

    if TYPE_CHECKING:
        import itertools

        _rr: itertools.count[int]
        _local_seq: itertools.count[int]

        def _emit(self, event: str, *pairs: tuple[str, str], privilege: str = "call,all") -> None: ...
        async def _sleep(self, seconds: float) -> None: ...
        def _uid(self) -> str: ...
        def _record(self, ch: Channel) -> None: ...

    async def place_call(self, script: CallScript) -> CallResult:
        """Run one inbound hotline call to its end; returns what happened."""
        uid = self._uid()
        ch = Channel(f"IAX2/127.0.0.1:4569-{random.randint(1000, 9999)}", uid, uid,
                      script.caller_num, script.caller_name, self.context, self.exten)
        self._live[uid] = ch
        try:
            return await self._run_call(ch, script)
        finally:
            self._live.pop(uid, None)
            if uid in self._waiting:
                self._waiting.remove(uid)

    async def _run_call(self, ch: Channel, script: CallScript) -> CallResult:
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

    async def _queue(self, ch: Channel, script: CallScript, variables: dict[str, str]) -> CallResult:
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

    async def _ring(self, ch: Channel, op: Operator, joined: float) -> Channel | None:
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

    def _local_for(self, op: Operator, ch: Channel) -> Channel:
        """The queue member's Local channel (``;1`` leg), linked to the inbound call."""
        m = re.match(r"Local/(\d+)@(\w+)", op.interface)
        ext, ctx = (m.group(1), m.group(2)) if m else ("100", "agents")
        n = next(self._local_seq)
        return Channel(f"Local/{ext}@{ctx}-{n:08x};1", self._uid(), ch.linkedid, self.exten,
                        "<unknown>", ctx, ext, state=0)

    async def _hangup(self, ch: Channel, cause: str, text: str) -> None:
        self._emit("HangupRequest", *ch.headers(), ("Cause", cause))
        self._emit("Hangup", *ch.headers(), ("Cause", cause), ("Cause-txt", text))

    def _free_operator(self) -> Operator | None:
        free = [op for op in self.operators if not op.paused and not op.busy]
        if not free:
            return None
        return free[next(self._rr) % len(free)]

    # --- FastAGI, Asterisk's side ---------------------------------------------------------

    async def _agi_session(self, ch: Channel, script_name: str, digits: list[str],
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
        writer.write("".join(f"agi_{k}: {clean(v)}\n" for k, v in env.items()).encode() + b"\n")
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
