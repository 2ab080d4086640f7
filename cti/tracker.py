"""Call tracking: AMI events in, one record per inbound hotline call out. Pure, no I/O.

A *hotline call* is the channel that enters the dialplan at the hotline's context and
extension (``from-pstn``/``6001`` by default) as the first channel of its call
(``Uniqueid == Linkedid``). Every other channel (the Local legs of the queue members, the
agent's side, any other call on the PBX) is either tied to a hotline call by its ``Linkedid``
or ignored.

``CallTracker.handle(msg, now)`` returns typed events: ``CallStarted``, ``Pop`` (an operator
is rung / has answered), ``CallFinished`` (the record for the call log) and
``CountersChanged`` (for the wallboard). Handling is idempotent: a duplicated event changes
nothing and emits nothing twice; events of a call that has already finished are ignored;
events that arrive out of order still build the call (any event of the inbound channel
creates it).

After a reconnect, ``begin_reconcile``/``end_reconcile`` repair the picture from the answers
to ``CoreShowChannels`` and ``QueueStatus`` (see ``Snapshot``).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from cti.protocol import Message

log = logging.getLogger(__name__)

DEFAULT_VARIABLES = ("SERVICE_TYPE", "QUEUE", "TRANSFER_TO", "IVR_ACTION", "IVR_REASON",
                     "LOCATION_CODE", "TICKET_ID")

# QueueMemberStatus "Status" is an ast_device_state.
DEVICE_STATES = {"0": "unknown", "1": "idle", "2": "in_call", "3": "busy", "4": "invalid",
                 "5": "unavailable", "6": "ringing", "7": "in_call", "8": "on_hold"}

Outcome = Literal["answered", "abandoned", "ended_in_ivr"]


@dataclass(frozen=True)
class Operator:
    """A queue member the desk knows: the interface Asterisk rings, its name, the desk login."""

    interface: str
    name: str = ""
    login: str = ""


@dataclass
class Call:
    """What is known about one live hotline call."""

    uniqueid: str
    linkedid: str
    channel: str
    started_at: float
    caller_num: str = ""
    caller_name: str = ""
    dialed: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    queue: str | None = None
    position: int | None = None
    joined_at: float | None = None
    left_queue: bool = False
    abandoned: bool = False
    abandon_wait_s: int | None = None
    rung: list[str] = field(default_factory=list)
    agent: str | None = None
    agent_interface: str = ""
    wait_s: int | None = None
    answered_at: float | None = None
    talk_s: int | None = None
    complete_reason: str = ""
    holds: int = 0
    on_hold: bool = False
    transfers: list[dict[str, str]] = field(default_factory=list)
    hangup_cause: str = ""
    hangup_code: str = ""
    touched: int = 0  # sequence number of the last event that changed it (reconcile)
    reconciled: bool = False
    pops: set[tuple[str, str]] = field(default_factory=set)  # (member, stage) already popped

    @property
    def service_type(self) -> str:
        return self.variables.get("SERVICE_TYPE", "")

    @property
    def waiting(self) -> bool:
        return self.joined_at is not None and not self.left_queue and self.answered_at is None


@dataclass(frozen=True)
class CallRecord:
    """A finished call, as the call log stores it (field names match the core's CallFacts)."""

    uniqueid: str
    started_at: datetime
    linkedid: str = ""
    caller_num: str = ""
    caller_name: str = ""
    service_type: str = ""
    queue: str | None = None
    outcome: Outcome = "ended_in_ivr"
    agent: str | None = None
    wait_s: int | None = None
    talk_s: int | None = None
    hangup_cause: str = ""
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The keys ``onestop cti replay`` prints (and a trace's ``calls.jsonl`` holds)."""
        return {"uniqueid": self.uniqueid, "caller_num": self.caller_num,
                "caller_name": self.caller_name, "service_type": self.service_type,
                "queue": self.queue, "outcome": self.outcome, "agent": self.agent,
                "wait_s": self.wait_s}

    def facts(self) -> dict[str, Any]:
        """Keyword arguments for ``ticketing.calls.CallFacts`` ("" where it wants text)."""
        return {"uniqueid": self.uniqueid, "started_at": self.started_at,
                "linkedid": self.linkedid, "caller_num": self.caller_num,
                "caller_name": self.caller_name, "service_type": self.service_type,
                "queue": self.queue or "", "outcome": self.outcome, "agent": self.agent or "",
                "wait_s": self.wait_s, "talk_s": self.talk_s, "hangup_cause": self.hangup_cause,
                "answered_at": self.answered_at, "ended_at": self.ended_at,
                "extra": dict(self.extra)}


@dataclass(frozen=True)
class CallStarted:
    uniqueid: str
    caller_num: str
    caller_name: str


@dataclass(frozen=True)
class Pop:
    """An operator is rung (``ringing``) or has answered (``connected``)."""

    stage: Literal["ringing", "connected"]
    uniqueid: str
    linkedid: str
    caller_num: str
    caller_name: str
    variables: dict[str, str]
    queue: str
    member_name: str
    interface: str
    login: str  # "" when the member is not mapped to a desk login in the settings
    wait_s: int | None = None


@dataclass(frozen=True)
class CallFinished:
    record: CallRecord


@dataclass(frozen=True)
class CountersChanged:
    calls_waiting: int
    longest_wait_s: float
    operators: dict[str, dict[str, Any]]

    def payload(self) -> dict[str, Any]:
        return {"calls_waiting": self.calls_waiting, "longest_wait_s": self.longest_wait_s,
                "operators": self.operators}


TrackerEvent = CallStarted | Pop | CallFinished | CountersChanged


@dataclass
class Snapshot:
    """The answers to ``CoreShowChannels`` and ``QueueStatus`` after a (re)connect."""

    channels: list[Message] = field(default_factory=list)  # CoreShowChannel events
    queue_entries: list[Message] = field(default_factory=list)  # QueueEntry events
    queue_members: list[Message] = field(default_factory=list)  # QueueMember events


def _int(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _utc(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def _hms(value: str) -> int:
    """``CoreShowChannel`` Duration ``HH:MM:SS`` in seconds."""
    total = 0
    for part in value.split(":"):
        n = _int(part)
        if n is None:
            return 0
        total = total * 60 + n
    return total


class CallTracker:
    """Follows hotline calls through the AMI event stream."""

    def __init__(self, hotline_context: str = "from-pstn",
                 hotline_extensions: Iterable[str] = ("6001",),
                 operators: Sequence[Operator] = (),
                 variables: Iterable[str] = DEFAULT_VARIABLES,
                 finished_memory: int = 20000) -> None:
        self.hotline_context = hotline_context
        self.hotline_extensions = frozenset(hotline_extensions)
        self.variables = frozenset(variables)
        self.calls: dict[str, Call] = {}
        self._by_linkedid: dict[str, str] = {}
        self._finished: OrderedDict[str, None] = OrderedDict()
        self._finished_memory = finished_memory
        self._waiting: dict[str, float] = {}  # uniqueid → joined_at, in join order
        self._dirty = False
        self._seq = 0
        self._reconcile_from: int | None = None
        self._now = 0.0
        self._msg: Message | None = None  # the message being handled and its Uniqueid
        self._uid = ""
        self.operators: dict[str, dict[str, Any]] = {}
        self._by_interface: dict[str, Operator] = {}
        self._by_name: dict[str, Operator] = {}
        for op in operators:
            self._by_interface[op.interface] = op
            if op.name:
                self._by_name[op.name] = op
            self.operators[op.name or op.interface] = {"state": "unknown", "paused": False,
                                                       "reason": "", "login": op.login}
        self._handlers = {
            "VarSet": self._on_varset, "QueueCallerJoin": self._on_join,
            "QueueCallerLeave": self._on_leave, "QueueCallerAbandon": self._on_abandon,
            "AgentCalled": self._on_agent_called, "AgentConnect": self._on_agent_connect,
            "AgentComplete": self._on_agent_complete, "AgentRingNoAnswer": self._on_ring_no_answer,
            "Hold": self._on_hold, "Unhold": self._on_unhold, "BlindTransfer": self._on_transfer,
            "AttendedTransfer": self._on_transfer, "Hangup": self._on_hangup,
            "QueueMemberStatus": self._on_member, "QueueMemberPause": self._on_member,
            "QueueMemberAdded": self._on_member, "QueueMember": self._on_member,
            "QueueMemberRemoved": self._on_member_removed,
        }
        # Events that can create a call when they are the first we see of the inbound channel.
        self._channel_events = {"Newchannel", "NewCallerid", "VarSet", "QueueCallerJoin",
                                "QueueCallerLeave", "QueueCallerAbandon", "AgentCalled",
                                "AgentConnect", "AgentComplete", "Hold", "Unhold", "Hangup"}
        self.wanted_events = frozenset(self._channel_events | set(self._handlers))
        # One lookup per event: (does it name a channel, its handler).
        self._routes: dict[str, tuple[bool, Callable[[Message, Call | None, list[TrackerEvent]],
                                                      None] | None]] = {
            name: (name in self._channel_events, self._handlers.get(name))
            for name in self.wanted_events}

    # --- the entry point -------------------------------------------------------------

    def handle(self, msg: Message, now: float) -> list[TrackerEvent]:
        """Apply one AMI message received at ``now`` (epoch seconds)."""
        name = msg.event
        route = self._routes.get(name)
        if route is None:
            return []
        if name == "VarSet" and msg.get("Variable") not in self.variables:
            return []  # most VarSets are Asterisk's own bookkeeping (BRIDGEPEER, QUEUEWAIT…)
        self._now = now
        out: list[TrackerEvent] = []
        channel, handler = route
        if channel:
            uid = msg.get("Uniqueid")
            self._msg, self._uid = msg, uid  # _inbound asks again: answer from here
            call = self._call_for(msg, uid, name, now, out)
        else:
            call = None
        if handler is not None:
            handler(msg, call, out)
        elif call is not None and name == "NewCallerid":
            self._refresh_caller(msg, call)
        if self._dirty:
            self._dirty = False
            out.append(self.counters())
        return out

    # --- which call an event belongs to ----------------------------------------------

    def _call_for(self, msg: Message, uid: str, name: str, now: float,
                  out: list[TrackerEvent]) -> Call | None:
        call = self.calls.get(uid)
        if call is not None:
            self._seq += 1  # _touch, inline: most events of a call land here
            call.touched = self._seq
            if "ChanVariable" in msg.text:
                self._absorb_chanvars(msg, call)
            return call
        if not uid or uid in self._finished or name == "Hangup":
            return None  # a Hangup counts only for the inbound channel, which is tracked
        linked = msg.get("Linkedid") or uid
        if linked != uid:
            owner = self._by_linkedid.get(linked)
            return self.calls.get(owner) if owner else None  # a leg of a tracked call
        if not self._is_hotline(msg.get("Context"), msg.get("Exten")):
            return None
        return self._start(uid, linked, msg, now, out)

    def _is_hotline(self, context: str, exten: str) -> bool:
        return context == self.hotline_context and exten in self.hotline_extensions

    def _start(self, uid: str, linked: str, msg: Message, now: float,
               out: list[TrackerEvent]) -> Call:
        call = Call(uniqueid=uid, linkedid=linked, channel=msg.get("Channel"), started_at=now,
                    caller_num=msg.get("CallerIDNum"), caller_name=msg.get("CallerIDName"),
                    dialed=msg.get("Exten") or msg.get("Extension"))
        self.calls[uid] = call
        self._by_linkedid[linked] = uid
        self._touch(call)
        self._absorb_chanvars(msg, call)
        out.append(CallStarted(uid, call.caller_num, call.caller_name))
        return call

    def _touch(self, call: Call) -> None:
        """Number the change, so a reconcile knows what it has seen since it began."""
        self._seq += 1
        call.touched = self._seq

    def _inbound(self, msg: Message, call: Call | None) -> bool:
        """Whether ``msg`` is about the inbound channel itself (not one of its legs)."""
        if call is None:
            return False
        uid = self._uid if msg is self._msg else msg.get("Uniqueid")
        return uid == call.uniqueid

    def _refresh_caller(self, msg: Message, call: Call) -> None:
        if msg.event == "NewCallerid" and self._inbound(msg, call):
            call.caller_num = msg.get("CallerIDNum")
            call.caller_name = msg.get("CallerIDName")

    def _absorb_chanvars(self, msg: Message, call: Call) -> None:
        if "ChanVariable" not in msg.text or msg.get("Uniqueid") != call.uniqueid:
            return
        for name, value in msg.chan_variables().items():
            if name in self.variables and value:
                call.variables[name] = value

    # --- call events ---------------------------------------------------------------

    def _on_varset(self, msg: Message, call: Call | None, out: list[TrackerEvent]) -> None:
        if call is None or not self._inbound(msg, call):
            return
        var = msg.get("Variable")
        if var in self.variables:
            call.variables[var] = msg.get("Value")

    def _on_join(self, msg: Message, call: Call | None, out: list[TrackerEvent]) -> None:
        if call is None:
            return
        call.queue = msg.get("Queue") or call.queue
        if call.joined_at is None:
            call.joined_at = self._now
            call.position = _int(msg.get("Position"))
            self._update_waiting(call)

    def _on_leave(self, msg: Message, call: Call | None, out: list[TrackerEvent]) -> None:
        if call is not None:
            call.queue = call.queue or msg.get("Queue") or None
            call.left_queue = True
            self._update_waiting(call)

    def _on_abandon(self, msg: Message, call: Call | None, out: list[TrackerEvent]) -> None:
        if call is None:
            return
        call.queue = call.queue or msg.get("Queue") or None
        call.abandoned = call.left_queue = True
        call.abandon_wait_s = _int(msg.get("HoldTime"))
        call.position = call.position or _int(msg.get("OriginalPosition"))
        self._update_waiting(call)

    def _on_agent_called(self, msg: Message, call: Call | None, out: list[TrackerEvent]) -> None:
        member = msg.get("MemberName")
        self._set_operator(member, msg.get("Interface"), state="ringing")
        if call is None:
            return
        call.queue = call.queue or msg.get("Queue") or None
        if member not in call.rung:
            call.rung.append(member)
        self._pop("ringing", msg, call, out)

    def _on_agent_connect(self, msg: Message, call: Call | None, out: list[TrackerEvent]) -> None:
        self._set_operator(msg.get("MemberName"), msg.get("Interface"), state="in_call")
        if call is None:
            return
        call.queue = call.queue or msg.get("Queue") or None
        if call.answered_at is None:
            call.answered_at = self._now
            call.left_queue = True
            self._update_waiting(call)
        call.agent = msg.get("MemberName") or call.agent
        call.agent_interface = msg.get("Interface") or call.agent_interface
        call.wait_s = _int(msg.get("HoldTime"))
        self._pop("connected", msg, call, out)

    def _on_agent_complete(self, msg: Message, call: Call | None, out: list[TrackerEvent]) -> None:
        if call is None:
            return
        call.talk_s = _int(msg.get("TalkTime"))
        call.complete_reason = msg.get("Reason")
        call.agent = call.agent or msg.get("MemberName") or None
        if call.answered_at is None:  # AgentConnect was lost: the complete still proves it
            call.answered_at = self._now
            self._update_waiting(call)
        if call.wait_s is None:
            call.wait_s = _int(msg.get("HoldTime"))

    def _on_ring_no_answer(self, msg: Message, call: Call | None,
                           out: list[TrackerEvent]) -> None:
        self._set_operator(msg.get("MemberName"), msg.get("Interface"), state="idle")

    def _on_hold(self, msg: Message, call: Call | None, out: list[TrackerEvent]) -> None:
        if call is not None and not call.on_hold:
            call.on_hold = True
            call.holds += 1

    def _on_unhold(self, msg: Message, call: Call | None, out: list[TrackerEvent]) -> None:
        if call is not None:
            call.on_hold = False

    def _on_transfer(self, msg: Message, call: Call | None, out: list[TrackerEvent]) -> None:
        if call is None:
            for key in ("TransfereeLinkedid", "TransfererLinkedid", "OrigTransfererLinkedid"):
                owner = self._by_linkedid.get(msg.get(key))
                if owner:
                    call = self.calls.get(owner)
                    break
        if call is None:
            return
        kind = "blind" if msg.event == "BlindTransfer" else "attended"
        target = msg.get("Extension") or msg.get("SecondTransfererExten") or msg.get("DestType")
        entry = {"kind": kind, "to": target, "context": msg.get("Context"),
                 "result": msg.get("Result")}
        if entry not in call.transfers:
            call.transfers.append(entry)

    def _on_hangup(self, msg: Message, call: Call | None, out: list[TrackerEvent]) -> None:
        if call is None or not self._inbound(msg, call):
            return
        call.hangup_cause = msg.get("Cause-txt")
        call.hangup_code = msg.get("Cause")
        self._finish(call, out)

    # --- pops, finishing -----------------------------------------------------------

    def _pop(self, stage: Literal["ringing", "connected"], msg: Message, call: Call,
             out: list[TrackerEvent]) -> None:
        interface = msg.get("Interface")
        member = msg.get("MemberName")
        key = (interface or member, stage)
        if key in call.pops:
            return
        call.pops.add(key)
        op = self._by_interface.get(interface) or self._by_name.get(member)
        out.append(Pop(stage=stage, uniqueid=call.uniqueid, linkedid=call.linkedid,
                       caller_num=call.caller_num, caller_name=call.caller_name,
                       variables=dict(call.variables), queue=call.queue or "",
                       member_name=member, interface=interface, login=op.login if op else "",
                       wait_s=call.wait_s))

    def _finish(self, call: Call, out: list[TrackerEvent]) -> None:
        self.calls.pop(call.uniqueid, None)
        self._by_linkedid.pop(call.linkedid, None)
        if self._waiting.pop(call.uniqueid, None) is not None:
            self._dirty = True
        self._finished[call.uniqueid] = None
        while len(self._finished) > self._finished_memory:
            self._finished.popitem(last=False)
        out.append(CallFinished(self.record(call)))

    def record(self, call: Call, ended_at: float | None = None) -> CallRecord:
        """The call-log record of ``call`` as it stands."""
        if call.answered_at is not None:
            outcome: Outcome = "answered"
        elif call.joined_at is not None or call.abandoned or call.queue:
            outcome = "abandoned"
        else:
            outcome = "ended_in_ivr"
        extra: dict[str, Any] = {"variables": dict(call.variables), "rung": list(call.rung),
                                 "dialed": call.dialed, "channel": call.channel}
        if call.abandon_wait_s is not None:
            extra["abandon_wait_s"] = call.abandon_wait_s
        if call.position is not None:
            extra["queue_position"] = call.position
        if call.holds:
            extra["holds"] = call.holds
        if call.transfers:
            extra["transfers"] = list(call.transfers)
        if call.complete_reason:
            extra["complete_reason"] = call.complete_reason
        if call.hangup_code:
            extra["hangup_code"] = call.hangup_code
        if call.reconciled:
            extra["reconciled"] = True
        return CallRecord(
            uniqueid=call.uniqueid, started_at=_utc(call.started_at) or datetime.now(UTC),
            linkedid=call.linkedid, caller_num=call.caller_num, caller_name=call.caller_name,
            service_type=call.service_type, queue=call.queue, outcome=outcome,
            agent=call.agent if outcome == "answered" else None,
            wait_s=call.wait_s if outcome == "answered" else None, talk_s=call.talk_s,
            hangup_cause=call.hangup_cause, answered_at=_utc(call.answered_at),
            ended_at=_utc(ended_at if ended_at is not None else self._now), extra=extra)

    # --- operators and counters ----------------------------------------------------

    def _operator_key(self, member: str, interface: str) -> str:
        op = self._by_interface.get(interface) or self._by_name.get(member)
        if op is not None:
            return op.name or op.interface
        return member or interface

    def _set_operator(self, member: str, interface: str, **changes: Any) -> None:
        key = self._operator_key(member, interface)
        if not key:
            return
        entry = self.operators.setdefault(key, {"state": "unknown", "paused": False, "reason": "",
                                                "login": ""})
        if entry.get("paused") and "paused" not in changes:
            changes.pop("state", None)
        before = dict(entry)
        entry.update(changes)
        if entry.get("paused"):
            entry["state"] = "paused"
        if entry != before:
            self._dirty = True

    def _on_member(self, msg: Message, call: Call | None, out: list[TrackerEvent]) -> None:
        member = msg.get("MemberName") or msg.get("Name")
        interface = msg.get("Interface") or msg.get("Location")
        paused = msg.get("Paused") == "1"
        state = DEVICE_STATES.get(msg.get("Status"), "unknown")
        if msg.get("InCall") == "1" and state == "idle":
            state = "in_call"
        self._set_operator(member, interface, paused=paused, state="paused" if paused else state,
                           reason=msg.get("PausedReason") if paused else "")

    def _on_member_removed(self, msg: Message, call: Call | None,
                           out: list[TrackerEvent]) -> None:
        self._set_operator(msg.get("MemberName"), msg.get("Interface"), state="logged_out",
                           paused=False, reason="")

    def counters(self, now: float | None = None) -> CountersChanged:
        """The wallboard figures at ``now`` (default: the last event's time)."""
        now = self._now if now is None else now
        oldest = next(iter(self._waiting.values()), None)  # dict order is join order
        longest = round(max(0.0, now - oldest), 1) if oldest is not None else 0.0
        ops = {k: dict(v) for k, v in self.operators.items()}
        return CountersChanged(calls_waiting=len(self._waiting), longest_wait_s=longest,
                               operators=ops)

    def _update_waiting(self, call: Call) -> None:
        if call.waiting and call.joined_at is not None:
            if call.uniqueid not in self._waiting:
                self._waiting[call.uniqueid] = call.joined_at
                self._dirty = True
        elif self._waiting.pop(call.uniqueid, None) is not None:
            self._dirty = True

    def _counters(self, out: list[TrackerEvent]) -> None:
        if self._dirty:
            self._dirty = False
            out.append(self.counters())

    # --- reconcile after a reconnect -----------------------------------------------

    def begin_reconcile(self) -> None:
        """Mark the point where the reconcile actions are sent: calls changed after it are
        live proof of themselves and are not judged by the snapshot."""
        self._reconcile_from = self._seq

    def end_reconcile(self, snap: Snapshot, now: float) -> list[TrackerEvent]:
        """Repair the picture from ``snap``: start calls we missed, finish calls that ended
        while we were away, restore queue waiting and operators' states."""
        self._now = now
        since = self._reconcile_from if self._reconcile_from is not None else self._seq
        out: list[TrackerEvent] = []
        alive = {m.get("Uniqueid"): m for m in snap.channels}
        for uid, ch in alive.items():
            if uid not in self.calls and uid not in self._finished and self._is_hotline(
                    ch.get("Context"), ch.get("Extension") or ch.get("Exten")) and (
                    ch.get("Linkedid") or uid) == uid:
                call = self._start(uid, uid, ch, now - _hms(ch.get("Duration")), out)
                call.reconciled = True
        for uid in list(self.calls):
            call = self.calls[uid]
            if uid in alive:
                self._absorb_chanvars(alive[uid], call)
            if uid in alive or call.touched > since:
                continue  # in the list, or events after the reconcile began prove it alive
            call.reconciled = True
            self._infer_answer(call, snap)
            self._finish(call, out)
        self._apply_queue(snap, since, out)
        for member in snap.queue_members:
            self._on_member(member, None, out)
        self._reconcile_from = None
        self._counters(out)
        return out

    def _apply_queue(self, snap: Snapshot, since: int, out: list[TrackerEvent]) -> None:
        entries = {m.get("Uniqueid"): m for m in snap.queue_entries}
        for uid, call in self.calls.items():
            entry = entries.get(uid)
            if entry is not None:
                call.queue = entry.get("Queue") or call.queue
                call.position = _int(entry.get("Position")) or call.position
                if call.joined_at is None:
                    call.joined_at = self._now - (_int(entry.get("Wait")) or 0)
                call.left_queue = False
            elif call.waiting and call.touched <= since:
                call.left_queue = True
                self._infer_answer(call, snap)
            self._update_waiting(call)
        # Reconciled joins may be older than live ones: restore the oldest-first order.
        self._waiting = dict(sorted(self._waiting.items(), key=lambda kv: kv[1]))

    def _infer_answer(self, call: Call, snap: Snapshot) -> None:
        """A call that left the queue while we were away was answered if one of its legs is
        (or was, at snapshot time) a queue member's channel."""
        if call.answered_at is not None or call.joined_at is None or call.abandoned:
            return
        members = {op.interface: op.name or op.interface for op in self._by_interface.values()}
        for m in snap.queue_members:
            members.setdefault(m.get("Location"), m.get("Name") or m.get("Location"))
        for ch in snap.channels:
            if ch.get("Linkedid") != call.linkedid or ch.get("Uniqueid") == call.uniqueid:
                continue
            for interface, name in members.items():
                if interface and ch.get("Channel").startswith(interface.removesuffix("/n") + "-"):
                    call.agent, call.agent_interface = name, interface
                    call.answered_at = self._now
                    call.left_queue = True
                    return
