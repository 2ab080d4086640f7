"""A hotline call's recording: ``MixMonitor`` on the PBX writes ``<uniqueid>.wav`` and says
so — ``MixMonitorStart`` (read class ``call``) and the ``MIXMONITOR_FILENAME`` variable
(``VarSet``, or a ``ChanVariable`` header with ``channelvars``), which names the file exactly.

The recording may start before the channel counts as a hotline call (the recorded trace's
6002 runs MixMonitor, then ``Goto(6001,1)``): what is seen of a channel not yet tracked is
kept, a bounded while, and taken over when the call starts.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from cti.protocol import Message
from cti.tracker.calls import RECORDING_VARIABLE, Call
from cti.tracker.events import TrackerEvent


class RecordingEvents:
    """``MixMonitorStart`` and the early file name (a part of ``CallTracker``)."""

    calls: dict[str, Call]
    _early_recordings: OrderedDict[str, str]
    _early_memory: int

    if TYPE_CHECKING:
        def _inbound(self, msg: Message, call: Call | None) -> bool: ...

    def _on_mixmonitor(self, msg: Message, call: Call | None, out: list[TrackerEvent]) -> None:
        uid = msg.get("Uniqueid")
        if call is None:
            if uid and (msg.get("Linkedid") or uid) == uid:
                self._remember_recording(uid, f"{uid}.wav", exact=False)
            return
        if self._inbound(msg, call) and RECORDING_VARIABLE not in call.variables:
            call.recording = call.recording or f"{uid}.wav"

    def _remember_recording(self, uid: str, name: str, exact: bool = True) -> None:
        if exact or uid not in self._early_recordings:
            self._early_recordings[uid] = name
        while len(self._early_recordings) > self._early_memory:
            self._early_recordings.popitem(last=False)

    def _take_early_recording(self, call: Call) -> None:
        name = self._early_recordings.pop(call.uniqueid, None)
        if name is not None:
            call.recording = name
