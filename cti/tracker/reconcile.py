"""Reconcile after a reconnect: the picture repaired from ``CoreShowChannels`` and
``QueueStatus``.

``begin_reconcile`` marks the moment the actions are sent; calls touched by a live event
after it prove themselves. ``end_reconcile`` then starts the hotline calls it missed,
finishes those that ended while it was away (answered, if a queue member's leg is up),
restores who is waiting in which queue, oldest first, and every operator's state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cti.protocol import Message
from cti.tracker.calls import Call, Operator, int_field
from cti.tracker.events import TrackerEvent


@dataclass
class Snapshot:
    """The answers to ``CoreShowChannels`` and ``QueueStatus`` after a (re)connect."""

    channels: list[Message] = field(default_factory=list)  # CoreShowChannel events
    queue_entries: list[Message] = field(default_factory=list)  # QueueEntry events
    queue_members: list[Message] = field(default_factory=list)  # QueueMember events


def _hms(value: str) -> int:
    """``CoreShowChannel`` Duration ``HH:MM:SS`` in seconds."""
    total = 0
    for part in value.split(":"):
        n = int_field(part)
        if n is None:
            return 0
        total = total * 60 + n
    return total



class Reconcile:
    """Repairing the picture after a reconnect (a part of ``CallTracker``)."""

    # the tracker's state this part uses
    calls: dict[str, Call]
    _finished: dict[str, None]
    _by_interface: dict[str, Operator]
    _waiting: dict[str, float]
    _seq: int
    _reconcile_from: int | None
    _now: float

    if TYPE_CHECKING:
        def _is_hotline(self, context: str, exten: str) -> bool: ...
        def _start(self, uid: str, linked: str, msg: Message, now: float,
                   out: list[TrackerEvent]) -> Call: ...
        def _absorb_chanvars(self, msg: Message, call: Call) -> None: ...
        def _finish(self, call: Call, out: list[TrackerEvent]) -> None: ...
        def _on_member(self, msg: Message, call: Call | None, out: list[TrackerEvent]) -> None: ...
        def _update_waiting(self, call: Call) -> None: ...
        def _counters(self, out: list[TrackerEvent]) -> None: ...

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
                call.position = int_field(entry.get("Position")) or call.position
                if call.joined_at is None:
                    call.joined_at = self._now - (int_field(entry.get("Wait")) or 0)
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
