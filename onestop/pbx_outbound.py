"""The emulated PBX's outbound calls, queue actions and recordings (a part of ``EmulatedPbx``).

``Originate`` goes where its Context says, in the shapes the recorded traffic has
(``tests/fixtures/traces``: survey_callback, worker_ack_call, click_to_call,
originate_outcomes):

- ``survey-out``: the reporter answers and presses the score (``survey_scores``);
- ``worker-out``: the field worker's phone (``workers``: number → a digit to press, or
  ``busy``/``noanswer``/``congestion``/``failed``); answered, the FastAGI ``ack`` route runs;
- ``desk-out``: the operator's own phone (``Local/<ext>@agents``) rings and answers, then the
  number is dialled (``far_ends``: number → answer | busy | noanswer), DialBegin/DialEnd,
  the talk and the hang-ups.

An unanswered call's ``OriginateResponse`` says ``Failure`` with the Reason Asterisk gives
(3 no answer, 5 busy, 8 congestion, 0 failed) and ``Uniqueid: <unknown>``.

With ``recordings_dir`` set, every hotline call is recorded as the dialplan sample does it
(``MixMonitor(${UNIQUEID}.wav)``): the VarSet ``MIXMONITOR_FILENAME`` and ``MixMonitorStart``
go out and a short WAV file (a tone, 8 kHz mono) is written there.
"""

from __future__ import annotations

import logging
import math
import re
import struct
import wave
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

log = logging.getLogger(__name__)

FAIL_REASONS = {"noanswer": "3", "busy": "5", "congestion": "8", "failed": "0"}
DIAL_STATUS = {"noanswer": "NOANSWER", "busy": "BUSY", "congestion": "CONGESTION", "failed": "CHANUNAVAIL"}


class OutboundCalls:
    """``Originate`` by context, the desk's queue actions, MixMonitor (mixed into
    ``EmulatedPbx``)."""

    survey_scores: dict[str, str]
    workers: dict[str, str]
    far_ends: dict[str, str]
    on_survey_done: Callable[[str, dict[str, str]], None] | None
    originated: list[tuple[str, str, str]]  # (context, channel, outcome)
    recordings_dir: str

    if TYPE_CHECKING:
        from onestop.pbx import Operator, _Channel

        operators: list[Operator]
        queue: str
        _waiting: list[str]

        def _emit(self, event: str, *pairs: tuple[str, str], privilege: str = "call,all") -> None: ...
        async def _sleep(self, seconds: float) -> None: ...
        def _uid(self) -> str: ...
        async def _hangup(self, ch: _Channel, cause: str, text: str) -> None: ...
        async def _agi_session(self, ch: _Channel, script_name: str, digits: list[str], hang_up: bool,
                               extra_vars: dict[str, str] | None = None) -> tuple[dict[str, str], bool]: ...
        _live: dict[str, _Channel]

    async def _originate(self, aid: str, action: dict[str, str]) -> None:
        raw_vars = action.get("variable", "")
        extra = dict(p.split("=", 1) for p in raw_vars.split(",") if "=" in p)
        context = action.get("context", "")
        try:
            if context == "worker-out":
                await self._worker_call(aid, action, extra)
            elif context == "desk-out":
                await self._desk_call(aid, action, extra)
            else:
                await self._survey_call(aid, action, extra)
        except Exception:  # an emulator bug must not take the PBX down
            log.exception("emulated PBX: originate %s failed", aid)

    def _fail(self, aid: str, channel: str, how: str, context: str) -> None:
        self.originated.append((context, channel, how))
        self._emit("OriginateResponse", ("ActionID", aid), ("Response", "Failure"), ("Channel", channel),
                   ("Context", context), ("Exten", "s"), ("Reason", FAIL_REASONS.get(how, "0")),
                   ("Uniqueid", "<unknown>"), ("CallerIDNum", "<unknown>"), ("CallerIDName", "<unknown>"))

    def _answered(self, aid: str, ch: Any, requested: str) -> None:
        self.originated.append((ch.context, requested, "answered"))
        self._emit("OriginateResponse", ("ActionID", aid), ("Response", "Success"), ("Channel", ch.name),
                   ("Context", ch.context), ("Exten", ch.exten), ("Reason", "4"), ("Uniqueid", ch.uniqueid),
                   ("CallerIDNum", "<unknown>"), ("CallerIDName", "<unknown>"))

    async def _survey_call(self, aid: str, action: dict[str, str], extra: dict[str, str]) -> None:
        """An outbound survey call: the reporter answers and presses their score."""
        from onestop.pbx import _Channel

        ticket = extra.get("TICKET_ID", "")
        digit = self.survey_scores.get(ticket, "5")
        uid = self._uid()
        ch = _Channel(action.get("channel", "IAX2/pstn"), uid, uid, "", "", action.get("context", "survey-out"),
                      action.get("exten", "s"), state=6)
        await self._sleep(1.0)
        if digit == "":
            self._fail(aid, ch.name, "noanswer", ch.context)
            return
        self._live[uid] = ch
        self._answered(aid, ch, ch.name)
        variables, _ = await self._agi_session(ch, "survey", [digit], False, extra)
        self._live.pop(uid, None)
        await self._hangup(ch, "16", "Normal Clearing")
        if self.on_survey_done is not None:
            self.on_survey_done(ticket, variables)

    async def _worker_call(self, aid: str, action: dict[str, str], extra: dict[str, str]) -> None:
        """The acknowledgement call: the worker's phone rings 2 s, then answers and presses
        a key for the ``ack`` route — or is busy, never answers, or the trunk fails."""
        from onestop.pbx import _Channel

        channel = action.get("channel", "")
        number = channel.rsplit("/", 1)[-1]
        how = self.workers.get(number, "1")
        await self._sleep(2.0)
        if how in FAIL_REASONS:
            if how == "noanswer":
                await self._sleep(max(0.0, float(action.get("timeout", "30000")) / 1000 - 2.0))
            self._fail(aid, channel, how, "worker-out")
            return
        uid = self._uid()
        ch = _Channel(f"{channel}-{uid[-4:]}", uid, uid, number, "", "worker-out", "s", state=6)
        self._live[uid] = ch
        self._emit("Newchannel", *ch.headers())
        self._answered(aid, ch, channel)
        await self._agi_session(ch, "ack", [how] if how else [], False, extra)
        self._live.pop(uid, None)
        await self._hangup(ch, "16", "Normal Clearing")

    async def _desk_call(self, aid: str, action: dict[str, str], extra: dict[str, str]) -> None:
        """Click-to-call: the operator's Local channel answers after 2 s, then ``desk-out``
        dials the number; the far end answers after 1 s and talks 4 s, or does not."""
        from onestop.pbx import _Channel

        channel, number = action.get("channel", ""), action.get("exten", "")
        m = re.match(r"Local/(\w+)@(\w+)", channel)
        ext, ctx = (m.group(1), m.group(2)) if m else ("100", "agents")
        uid = self._uid()
        op = _Channel(f"Local/{ext}@{ctx}-{uid[-4:]};1", uid, uid, "8000", "OneStop Desk", ctx, ext, state=0)
        self._live[uid] = op
        self._emit("Newchannel", *op.headers())
        self._emit("DialBegin", *op.headers("Dest"), ("DialString", f"{ext}@{ctx}"))
        await self._sleep(2.0)
        if self.far_ends.get(f"op:{ext}") in FAIL_REASONS:  # the operator's own phone
            self._live.pop(uid, None)
            self._fail(aid, channel, self.far_ends[f"op:{ext}"], "desk-out")
            return
        op.state, op.context, op.exten, op.priority = 6, "desk-out", number, 2
        self._emit("DialEnd", *op.headers("Dest"), ("DialStatus", "ANSWER"))
        self._answered(aid, op, channel)
        far_uid = self._uid()
        far = _Channel(f"IAX2/pstn-{far_uid[-4:]}", far_uid, op.linkedid, number, "OneStop Desk", "", number,
                       state=5)
        self._emit("Newchannel", *far.headers())
        self._emit("DialBegin", *op.headers(), *far.headers("Dest"), ("DialString", number))
        how = self.far_ends.get(number, "answer")
        await self._sleep(1.0)
        if how in DIAL_STATUS:
            self._emit("DialEnd", *op.headers(), *far.headers("Dest"), ("DialStatus", DIAL_STATUS[how]))
            await self._hangup(far, "17" if how == "busy" else "19", "User busy" if how == "busy" else "No answer")
        else:
            far.state = 6
            self._emit("DialEnd", *op.headers(), *far.headers("Dest"), ("DialStatus", "ANSWER"))
            await self._sleep(4.0)
            await self._hangup(far, "16", "Normal Clearing")
        self._live.pop(uid, None)
        await self._hangup(op, "16", "Normal Clearing")

    def _record(self, ch: Any) -> None:
        """MixMonitor on a hotline call: its events, and the file (a second of 440 Hz)."""
        if not self.recordings_dir:
            return
        path = Path(self.recordings_dir) / f"{ch.uniqueid}.wav"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with wave.open(str(path), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(8000)
                w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000)))
                                       for i in range(8000)))
        except OSError:
            log.warning("emulated PBX: recording %s could not be written", path)
        self._emit("VarSet", *ch.headers(), ("Variable", "MIXMONITOR_FILENAME"), ("Value", str(path)),
                   privilege="dialplan,all")
        self._emit("MixMonitorStart", *ch.headers())

    def _queue_action(self, w: Any, name: str, aid: str, action: dict[str, str]) -> None:
        """QueueAdd / QueueRemove / QueuePause with the events Asterisk sends (as recorded in
        queue_member_ops, "Not there" included), QueueSummary."""
        from onestop.pbx import format_message

        iface = action.get("interface", "")
        op = next((o for o in self.operators if o.interface == iface), None)
        if name == "queuesummary":
            free = [o for o in self.operators if not o.paused and not o.busy]
            w.write(format_message([("Response", "Success"), ("ActionID", aid), ("EventList", "start"),
                                    ("Message", "Queue summary will follow")]))
            w.write(format_message([("Event", "QueueSummary"), ("ActionID", aid), ("Queue", self.queue),
                                    ("LoggedIn", str(len(self.operators))), ("Available", str(len(free))),
                                    ("Callers", str(len(self._waiting))), ("HoldTime", "0"), ("TalkTime", "0"),
                                    ("LongestHoldTime", "0")]))
            w.write(format_message([("Event", "QueueSummaryComplete"), ("ActionID", aid),
                                    ("EventList", "Complete"), ("ListItems", "1")]))
            return
        if name == "queueadd":
            if op is not None:
                w.write(format_message([("Response", "Error"), ("ActionID", aid),
                                        ("Message", "Unable to add interface: Already there")]))
                return
            from onestop.pbx import Operator, format_message

            op = Operator(iface, action.get("membername") or iface,
                          paused=action.get("paused", "false").lower() in ("1", "true", "yes"))
            self.operators.append(op)
            w.write(format_message([("Response", "Success"), ("ActionID", aid), ("Message", "Added interface to queue")]))
            self._member_event("QueueMemberAdded", op)
            return
        if op is None:
            what = "remove" if name == "queueremove" else "pause"
            w.write(format_message([("Response", "Error"), ("ActionID", aid),
                                    ("Message", f"Unable to {what} interface: Not there")]))
            return
        if name == "queueremove":
            self.operators.remove(op)
            w.write(format_message([("Response", "Success"), ("ActionID", aid),
                                    ("Message", "Removed interface from queue")]))
            self._member_event("QueueMemberRemoved", op)
            return
        op.paused = action.get("paused", "true").lower() in ("1", "true", "yes")
        op.reason = action.get("reason", "") if op.paused else ""
        w.write(format_message([("Response", "Success"), ("ActionID", aid),
                                ("Message", f"Interface {'paused' if op.paused else 'unpaused'} successfully")]))
        self._member_event("QueueMemberPause", op)

    def _member_event(self, event: str, op: Operator) -> None:
        self._emit(event, ("Queue", self.queue), ("MemberName", op.name), ("Interface", op.interface),
                   ("StateInterface", op.interface.removesuffix("/n")), ("Membership", "dynamic"),
                   ("Penalty", "0"), ("CallsTaken", str(op.calls_taken)), ("InCall", "1" if op.busy else "0"),
                   ("Status", "2" if op.busy else "1"), ("Paused", "1" if op.paused else "0"),
                   ("PausedReason", op.reason), ("Ringinuse", "0"), ("Wrapuptime", "0"), privilege="agent,all")
