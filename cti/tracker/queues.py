"""Queue events of a hotline call: it joins, leaves or is abandoned; an operator is rung,
answers, completes or lets it ring out. Ringing and answering pop the operator's desk."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from cti.protocol import Message
from cti.tracker.calls import Call, Operator, int_field
from cti.tracker.events import Pop, TrackerEvent


class QueueEvents:
    """Handlers for a call's way through the queue (a part of ``CallTracker``)."""

    # the tracker's state this part uses
    _now: float
    _by_interface: dict[str, Operator]
    _by_name: dict[str, Operator]

    if TYPE_CHECKING:
        def _update_waiting(self, call: Call) -> None: ...
        def _set_operator(self, member: str, interface: str, **changes: Any) -> None: ...

    def _on_join(self, msg: Message, call: Call | None, out: list[TrackerEvent]) -> None:
        if call is None:
            return
        call.queue = msg.get("Queue") or call.queue
        if call.joined_at is None:
            call.joined_at = self._now
            call.position = int_field(msg.get("Position"))
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
        call.abandon_wait_s = int_field(msg.get("HoldTime"))
        call.position = call.position or int_field(msg.get("OriginalPosition"))
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
        call.wait_s = int_field(msg.get("HoldTime"))
        self._pop("connected", msg, call, out)

    def _on_agent_complete(self, msg: Message, call: Call | None, out: list[TrackerEvent]) -> None:
        if call is None:
            return
        call.talk_s = int_field(msg.get("TalkTime"))
        call.complete_reason = msg.get("Reason")
        call.agent = call.agent or msg.get("MemberName") or None
        if call.answered_at is None:  # AgentConnect was lost: the complete still proves it
            call.answered_at = self._now
            self._update_waiting(call)
        if call.wait_s is None:
            call.wait_s = int_field(msg.get("HoldTime"))

    def _on_ring_no_answer(self, msg: Message, call: Call | None,
                           out: list[TrackerEvent]) -> None:
        self._set_operator(msg.get("MemberName"), msg.get("Interface"), state="idle")

    def _pop(self, stage: Literal["ringing", "connected"], msg: Message, call: Call,
             out: list[TrackerEvent]) -> None:
        """Pop the operator's desk, once per operator and stage of a call."""
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
