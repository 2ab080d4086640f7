"""Where an operator's time goes — talk, wrap-up, pause — from the tracker's events. Pure.

- **talk**: a hotline call answered by the operator, from the answer for its ``TalkTime``
  (the tracker's call record);
- **wrap-up** (话后整理): after a call ends, until the operator is rung again, pauses or logs
  out, at most the queue's wrap-up time (``wrapup_s``); a pause with the reason
  ``after_call`` counts as wrap-up too;
- **pause**: from ``QueueMemberPause`` paused to unpaused (or logged out), with its reason.

``OperatorClock`` is fed the tracker's counters (the operators' states) and finished calls with
the time they were received, and hands out ``Activity`` intervals as they close; the listener
stores them (``ActivitySink``) for the statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cti.tracker import CallRecord

WRAPUP_REASON = "after_call"
BUSY = frozenset({"ringing", "in_call", "busy", "on_hold", "paused", "logged_out"})


@dataclass(frozen=True)
class Activity:
    member: str  # the queue member name (the tracker's operator key)
    login: str  # the desk log-in it is mapped to, "" if none
    kind: str  # talk | wrapup | pause
    reason: str
    started_at: datetime
    ended_at: datetime

    @property
    def seconds(self) -> int:
        return max(0, round((self.ended_at - self.started_at).total_seconds()))


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class OperatorClock:
    def __init__(self, wrapup_s: float = 5.0) -> None:
        self.wrapup_s = wrapup_s
        self._state: dict[str, dict[str, Any]] = {}  # member → its last known state
        self._paused: dict[str, tuple[float, str]] = {}  # member → (since, reason)
        self._wrapup: dict[str, float] = {}  # member → since
        self.logins: dict[str, str] = {}  # member → login

    def counters(self, operators: dict[str, dict[str, Any]], now: float) -> list[Activity]:
        """The tracker's operators after a change (``CountersChanged.operators``)."""
        out: list[Activity] = []
        for member, op in operators.items():
            if op.get("login"):
                self.logins[member] = str(op["login"])
            state = str(op.get("state", "unknown"))
            paused, reason = bool(op.get("paused")), str(op.get("reason") or "")
            was = self._paused.get(member)
            if was is not None and (not paused or state == "logged_out" or reason != was[1]):
                out.append(self._closed(member, "wrapup" if was[1] == WRAPUP_REASON else "pause",
                                        was[1], was[0], now))
                del self._paused[member]
            if paused and state != "logged_out" and member not in self._paused:
                self._paused[member] = (now, reason)
            if member in self._wrapup and state in BUSY:
                out.extend(self._end_wrapup(member, now))
            self._state[member] = {"state": state, "paused": paused}
        out.extend(self.tick(now))
        return out

    def call(self, record: CallRecord) -> list[Activity]:
        """A finished hotline call: the operator's talk, and the wrap-up it begins."""
        if record.outcome != "answered" or not record.agent or record.answered_at is None:
            return []
        member = record.agent
        out: list[Activity] = []
        answered = record.answered_at.timestamp()
        talk = record.talk_s if record.talk_s is not None else (
            (record.ended_at.timestamp() - answered) if record.ended_at else 0)
        out.append(Activity(member, self.logins.get(member, ""), "talk", "", record.answered_at,
                            _utc(answered + max(0.0, float(talk)))))
        ended = record.ended_at.timestamp() if record.ended_at else answered + float(talk)
        out.extend(self._end_wrapup(member, ended))  # a call during the last one's wrap-up
        if self.wrapup_s > 0 and self._state.get(member, {}).get("state") not in ("paused", "logged_out"):
            self._wrapup[member] = ended
        return out

    def tick(self, now: float) -> list[Activity]:
        """Close the wrap-ups whose time is up (called with every change and on a timer)."""
        out: list[Activity] = []
        for member, since in list(self._wrapup.items()):
            if now >= since + self.wrapup_s:
                out.extend(self._end_wrapup(member, since + self.wrapup_s))
        return out

    def _end_wrapup(self, member: str, now: float) -> list[Activity]:
        since = self._wrapup.pop(member, None)
        if since is None:
            return []
        end = min(now, since + self.wrapup_s)
        return [self._closed(member, "wrapup", "", since, end)] if end > since else []

    def _closed(self, member: str, kind: str, reason: str, since: float, until: float) -> Activity:
        return Activity(member, self.logins.get(member, ""), kind, reason, _utc(since), _utc(until))
