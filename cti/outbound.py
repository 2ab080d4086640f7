"""The far leg of a click-to-call, followed through the AMI events. Pure, no I/O.

``Originate`` says only whether the operator's own phone answered (its ``OriginateResponse``
names that Local channel's uniqueid). The rest happens on that channel in the ``desk-out``
context: its ``Dial`` to the number ends with ``DialEnd`` (``DialStatus`` ANSWER, BUSY,
NOANSWER, CONGESTION, CHANUNAVAIL…) and the call with its ``Hangup``. ``OutboundLegs.watch``
names a uniqueid and two callbacks; events of it that came before the watch (the PBX's events
and the Originate's answer travel separately) are kept a short while and applied then.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from cti.protocol import Message

DIAL_STATUS = {"ANSWER": "answered", "BUSY": "busy", "NOANSWER": "no_answer",
               "CONGESTION": "congestion", "CHANUNAVAIL": "failed", "CANCEL": "cancelled",
               "DONTCALL": "rejected", "TORTURE": "rejected", "INVALIDARGS": "failed"}
EVENTS = frozenset({"DialEnd", "Hangup"})


@dataclass
class _Watch:
    on_far: Callable[[str, str], None]  # (outcome, detail)
    on_end: Callable[[int | None], None]  # talk seconds (None: the far end never answered)
    answered_at: float | None = None
    far_done: bool = False


class OutboundLegs:
    """Follows originated channels in the ``context`` (the dialplan's ``desk-out``)."""

    def __init__(self, context: str = "desk-out", keep: int = 200) -> None:
        self.context, self.keep = context, keep
        self.active = 0  # calls placed and not yet watched or ended: only then is anything kept
        self._watched: dict[str, _Watch] = {}
        self._early: OrderedDict[str, list[tuple[Message, float]]] = OrderedDict()

    def placing(self, n: int = 1) -> None:
        """A call is being placed: keep this context's events until it is watched."""
        self.active += n

    def watch(self, uniqueid: str, on_far: Callable[[str, str], None],
              on_end: Callable[[int | None], None]) -> None:
        w = _Watch(on_far, on_end)
        self._watched[uniqueid] = w
        for msg, now in self._early.pop(uniqueid, []):
            self._apply(uniqueid, w, msg, now)

    def handle(self, messages: list[Message], now: float) -> None:
        """A client subscriber: every batch of events."""
        if not self.active and not self._watched:
            return
        for m in messages:
            if m.event not in EVENTS:
                continue
            uid = m.get("Uniqueid")
            w = self._watched.get(uid)
            if w is not None:
                self._apply(uid, w, m, now)
            elif self.active and m.get("Context") == self.context:
                self._early.setdefault(uid, []).append((m, now))
                while len(self._early) > self.keep:
                    self._early.popitem(last=False)

    def done(self) -> None:
        """A call placed has been watched, or failed before it could be."""
        self.active = max(0, self.active - 1)
        if not self.active:
            self._early.clear()

    def _apply(self, uid: str, w: _Watch, m: Message, now: float) -> None:
        if m.event == "DialEnd" and not w.far_done:
            status = m.get("DialStatus")
            w.far_done = True
            outcome = DIAL_STATUS.get(status, "failed")
            if outcome == "answered":
                w.answered_at = now
            w.on_far(outcome, f"DialStatus {status}")
        elif m.event == "Hangup":
            self._watched.pop(uid, None)
            if not w.far_done:
                w.far_done = True
                w.on_far("no_answer", f"hung up before the number answered ({m.get('Cause-txt')})")
            w.on_end(None if w.answered_at is None else max(0, round(now - w.answered_at)))
