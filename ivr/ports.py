"""What the IVR needs from the rest of OneStop, as small Protocols.

The composition root wires the real things (the core's phone directory, business calendar,
ticket service and survey queue, the CTI AMI client's Originate); ``ivr/fakes.py`` holds
in-memory twins for tests, the bench and ``onestop ivr simulate``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol


@dataclass(frozen=True)
class Caller:
    """A number the phone directory knows."""

    person: str = ""
    department: str = ""  # the department's name or org code, as the directory has it
    org_code: str = ""
    vip: bool = False
    location_code: str = ""  # the caller's usual room, if the directory knows it


class Directory(Protocol):
    def lookup(self, number: str) -> Caller | None:
        """The caller behind ``number`` (digits only), ``None`` if unknown."""


class Hours(Protocol):
    def is_open(self, now: datetime) -> bool:
        """Whether the service center's desk is staffed at ``now`` (tz-aware)."""


@dataclass(frozen=True)
class LocationInfo:
    code: str
    name: str = ""


class SelfService(Protocol):
    def find_location(self, code: str) -> LocationInfo | None:
        """The room with this keyable code, ``None`` if there is none."""

    def create_ticket(self, caller_num: str, location_code: str, service_type: str) -> int:
        """Create a self-service ticket; returns its number."""


class SurveyStore(Protocol):
    def service_of(self, ticket_id: int) -> str | None:
        """The ticket's service type, ``None`` if there is no such ticket."""

    def save_result(self, ticket_id: int, score: int, comment_file: str) -> None:
        """Store the reporter's score (1–5); ``comment_file`` is a recording's path or ""."""


class DueSurvey(Protocol):
    """One call-back the queue hands out (the core's ``SurveyView``)."""

    @property
    def id(self) -> int: ...
    @property
    def ticket_id(self) -> int: ...
    @property
    def number(self) -> str: ...
    @property
    def attempts(self) -> int: ...


Outcome = Literal["answered", "no_answer", "busy", "failed"]


class SurveyQueue(Protocol):
    def claim_due(self, limit: int) -> Sequence[DueSurvey]: ...

    def mark_calling(self, survey_id: int, action_id: str) -> None: ...

    def mark_result(self, survey_id: int, score: int | None, outcome: str) -> str:
        """Record the call's fate; returns the survey's new status (done | retry | manual)."""


@dataclass(frozen=True)
class OriginateRequest:
    action_id: str  # "survey-1042"
    channel: str  # "IAX2/pstn/13800000000"
    context: str  # "survey-out"
    exten: str = "s"
    priority: int = 1
    variables: Mapping[str, str] = field(default_factory=dict)  # TICKET_ID, SURVEY_ID
    timeout_s: float = 30.0
    caller_id: str = ""


class Originator(Protocol):
    async def originate(self, request: OriginateRequest) -> Outcome:
        """Place the call (AMI ``Originate`` with ``Async: true``) and return once Asterisk
        reports its fate: OriginateResponse reason 4 → answered, 3 → no_answer,
        5 → busy, anything else → failed."""


# --- the field worker's acknowledgement call -------------------------------------------------


@dataclass(frozen=True)
class CallAttempt:
    """An Originate's fate with its reason: ``outcome`` answered | no_answer | busy |
    congestion | rejected | failed; ``detail`` "Reason 5" or the refusal's words."""

    outcome: str
    detail: str = ""
    uniqueid: str = ""


class Dialler(Protocol):
    async def place(self, request: OriginateRequest) -> CallAttempt:
        """Place the call (AMI ``Originate``, ``Async: true``) and return once Asterisk
        reports its fate, with the reason."""


@dataclass(frozen=True)
class AckInfo:
    """What the acknowledgement call reads to the worker."""

    ticket_id: int
    call_id: int | None
    location_code: str = ""


class AckStore(Protocol):
    def ack_info(self, ticket_id: int, call_id: int | None) -> AckInfo | None:
        """The ticket's acknowledgement call in progress, ``None`` if there is none."""

    def answer(self, ticket_id: int, result: str, call_id: int | None) -> str:
        """The worker's key: ``accepted`` | ``declined`` | ``no_key``; the ticket moves as for
        an SMS reply. Returns what was recorded."""


class DueAck(Protocol):
    """One due acknowledgement call (the core's ``AckCallView``)."""

    @property
    def id(self) -> int: ...
    @property
    def ticket_id(self) -> int: ...
    @property
    def staff_code(self) -> str: ...
    @property
    def number(self) -> str: ...


class AckQueue(Protocol):
    def claim_due(self, limit: int) -> Sequence[DueAck]: ...

    def mark_dialing(self, call_id: int, action_id: str) -> None: ...

    def result(self, call_id: int, outcome: str, detail: str, uniqueid: str) -> None:
        """The call's fate: answered (the key follows through ``AckStore.answer``) or why not."""

    def no_key(self, ticket_id: int, call_id: int) -> None:
        """Answered, but no session reported a key in time."""
