"""Events of the hotline channel itself: its caller ID, the IVR's variables (``VarSet`` and
the ``ChanVariable`` headers), hold, transfers and its hangup, which finishes the call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cti.protocol import Message
from cti.tracker.calls import RECORDING_VARIABLE, Call
from cti.tracker.events import TrackerEvent


class ChannelEvents:
    """Handlers for the inbound channel's own events (a part of ``CallTracker``)."""

    # the tracker's state this part uses
    variables: frozenset[str]
    calls: dict[str, Call]
    _by_linkedid: dict[str, str]

    _early_recordings: dict[str, str]

    if TYPE_CHECKING:
        def _inbound(self, msg: Message, call: Call | None) -> bool: ...
        def _finish(self, call: Call, out: list[TrackerEvent]) -> None: ...
        def _remember_recording(self, uid: str, name: str, exact: bool = True) -> None: ...

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

    def _on_varset(self, msg: Message, call: Call | None, out: list[TrackerEvent]) -> None:
        if call is None:
            if msg.get("Variable") == RECORDING_VARIABLE:  # a recording before the call counts
                uid = msg.get("Uniqueid")
                if uid and (msg.get("Linkedid") or uid) == uid:
                    self._remember_recording(uid, msg.get("Value"))
            return
        if not self._inbound(msg, call):
            return
        var = msg.get("Variable")
        if var in self.variables:
            call.variables[var] = msg.get("Value")

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
        if call is None:
            if self._early_recordings:
                self._early_recordings.pop(msg.get("Uniqueid"), None)
            return
        if not self._inbound(msg, call):
            return
        call.hangup_cause = msg.get("Cause-txt")
        call.hangup_code = msg.get("Cause")
        self._finish(call, out)
