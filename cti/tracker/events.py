"""What the tracker emits: a call started, an operator popped, a call finished, the
wallboard's counters changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from cti.tracker.calls import CallRecord


@dataclass(frozen=True)
class CallStarted:
    uniqueid: str
    caller_num: str
    caller_name: str


@dataclass(frozen=True)
class Pop:
    """An operator is rung (``ringing``) or has answered (``connected``)."""

    stage: Literal["ringing", "connected"]
    uniqueid: str
    linkedid: str
    caller_num: str
    caller_name: str
    variables: dict[str, str]
    queue: str
    member_name: str
    interface: str
    login: str  # "" when the member is not mapped to a desk login in the settings
    wait_s: int | None = None


@dataclass(frozen=True)
class CallFinished:
    record: CallRecord


@dataclass(frozen=True)
class CountersChanged:
    calls_waiting: int
    longest_wait_s: float
    operators: dict[str, dict[str, Any]]

    def payload(self) -> dict[str, Any]:
        return {"calls_waiting": self.calls_waiting, "longest_wait_s": self.longest_wait_s,
                "operators": self.operators}


TrackerEvent = CallStarted | Pop | CallFinished | CountersChanged
