"""``CallTracker``: AMI events in, one record per inbound hotline call out. Pure, no I/O.

``handle`` finds the call an event belongs to — starting it when the event is the first we
see of a hotline channel, or following a leg to its call by ``Linkedid`` — and hands the
event to its handler: ``channels`` (the inbound channel's own events), ``queues`` (queue and
agent events, pops), ``operators`` (member states, counters); ``reconcile`` repairs the
picture after a reconnect. Finishing a call is here too: its uniqueid is then remembered
(the last ``finished_memory`` of them) so late or repeated events of it are ignored.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from cti.protocol import Message
from cti.tracker.calls import (
    DEFAULT_VARIABLES,
    RECORDING_VARIABLE,
    Call,
    CallRecord,
    Operator,
    call_record,
)
from cti.tracker.channels import ChannelEvents
from cti.tracker.events import CallFinished, CallStarted, TrackerEvent
from cti.tracker.operators import OperatorStates
from cti.tracker.queues import QueueEvents
from cti.tracker.reconcile import Reconcile
from cti.tracker.recordings import RecordingEvents

log = logging.getLogger(__name__)


class CallTracker(ChannelEvents, QueueEvents, OperatorStates, Reconcile, RecordingEvents):
    """Follows hotline calls through the AMI event stream."""

    def __init__(self, hotline_context: str = "from-pstn",
                 hotline_extensions: Iterable[str] = ("6001",),
                 operators: Sequence[Operator] = (),
                 variables: Iterable[str] = DEFAULT_VARIABLES,
                 finished_memory: int = 20000) -> None:
        self.hotline_context = hotline_context
        self.hotline_extensions = frozenset(hotline_extensions)
        # the IVR's variables, and MixMonitor's file name (a recorded call's recording)
        self.variables = frozenset(variables) | {RECORDING_VARIABLE}
        self._early_recordings: OrderedDict[str, str] = OrderedDict()
        self._early_memory = 1000
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
            "MixMonitorStart": self._on_mixmonitor,
        }
        # Events that can create a call when they are the first we see of the inbound channel.
        self._channel_events = {"Newchannel", "NewCallerid", "VarSet", "QueueCallerJoin",
                                "QueueCallerLeave", "QueueCallerAbandon", "AgentCalled",
                                "AgentConnect", "AgentComplete", "Hold", "Unhold", "Hangup",
                                "MixMonitorStart"}
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
        if self._early_recordings:
            self._take_early_recording(call)
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

    # --- finishing -------------------------------------------------------------------

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
        return call_record(call, ended_at if ended_at is not None else self._now)
