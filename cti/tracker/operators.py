"""Operators' states and the wallboard's counters.

An operator (a queue member) is keyed by the name the settings give its interface, else by
Asterisk's member name; its state follows ``QueueMember*`` events and the calls it is rung
for, and a paused operator stays "paused" whatever its device does. The counters are the
calls waiting and the longest wait; any change of either marks them for the next event.
"""

from __future__ import annotations

from typing import Any

from cti.protocol import Message
from cti.tracker.calls import Call, Operator
from cti.tracker.events import CountersChanged, TrackerEvent

# QueueMemberStatus "Status" is an ast_device_state.
DEVICE_STATES = {"0": "unknown", "1": "idle", "2": "in_call", "3": "busy", "4": "invalid",
                 "5": "unavailable", "6": "ringing", "7": "in_call", "8": "on_hold"}


class OperatorStates:
    """Operators and counters (a part of ``CallTracker``)."""

    # the tracker's state this part uses
    operators: dict[str, dict[str, Any]]
    _by_interface: dict[str, Operator]
    _by_name: dict[str, Operator]
    _waiting: dict[str, float]  # uniqueid → joined_at, in join order
    _dirty: bool  # the counters changed since they were last emitted
    _now: float

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
