"""What the tracker knows about a live hotline call (``Call``) and what the call log keeps of
a finished one (``CallRecord``), with the queue members the desk knows (``Operator``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

# The channel variables the IVR sets that a call record carries (ivr/ sets them).
DEFAULT_VARIABLES = ("SERVICE_TYPE", "QUEUE", "TRANSFER_TO", "IVR_ACTION", "IVR_REASON",
                     "LOCATION_CODE", "TICKET_ID")

# MixMonitor's file, as Asterisk names it (cti/tracker/recordings.py)
RECORDING_VARIABLE = "MIXMONITOR_FILENAME"

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
    recording: str = ""  # MixMonitor's file (its name; the path when Asterisk said it)
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


def int_field(value: str) -> int | None:
    """An AMI header as a number; None when it is missing or not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _utc(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def call_record(call: Call, ended_at: float) -> CallRecord:
    """The call-log record of ``call`` as it stands, ended at ``ended_at`` (epoch seconds)."""
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
    recording = call.variables.get(RECORDING_VARIABLE) or call.recording
    if recording:
        extra["recording"] = recording
    return CallRecord(
        uniqueid=call.uniqueid, started_at=_utc(call.started_at) or datetime.now(UTC),
        linkedid=call.linkedid, caller_num=call.caller_num, caller_name=call.caller_name,
        service_type=call.service_type, queue=call.queue, outcome=outcome,
        agent=call.agent if outcome == "answered" else None,
        wait_s=call.wait_s if outcome == "answered" else None, talk_s=call.talk_s,
        hangup_cause=call.hangup_cause, answered_at=_utc(call.answered_at),
        ended_at=_utc(ended_at), extra=extra)
