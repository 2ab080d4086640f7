"""In-memory twins of the IVR's ports: they record what they were asked."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ivr.ports import AckInfo, CallAttempt, Caller, LocationInfo, OriginateRequest, Outcome


@dataclass
class FakeDirectory:
    entries: dict[str, Caller] = field(default_factory=dict)
    looked_up: list[str] = field(default_factory=list)

    def lookup(self, number: str) -> Caller | None:
        self.looked_up.append(number)
        return self.entries.get(number)


@dataclass
class FixedHours:
    open: bool = True

    def is_open(self, now: datetime) -> bool:
        return self.open


@dataclass
class FakeSelfService:
    locations: dict[str, str] = field(default_factory=dict)  # code → name
    next_id: int = 1001
    created: list[tuple[str, str, str, int]] = field(default_factory=list)

    def find_location(self, code: str) -> LocationInfo | None:
        name = self.locations.get(code)
        return LocationInfo(code, name) if name is not None else None

    def create_ticket(self, caller_num: str, location_code: str, service_type: str) -> int:
        ticket_id = self.next_id
        self.next_id += 1
        self.created.append((caller_num, location_code, service_type, ticket_id))
        return ticket_id


@dataclass
class FakeSurveyStore:
    services: dict[int, str] = field(default_factory=dict)  # ticket → service type
    results: dict[int, tuple[int, str]] = field(default_factory=dict)  # ticket → (score, comment)

    def service_of(self, ticket_id: int) -> str | None:
        return self.services.get(ticket_id)

    def save_result(self, ticket_id: int, score: int, comment_file: str) -> None:
        self.results[ticket_id] = (score, comment_file)


@dataclass
class DueCall:
    id: int
    ticket_id: int
    number: str
    attempts: int = 0


@dataclass
class FakeSurveyQueue:
    """Mirrors the core's ``SurveyQueue`` rules: retry until ``max_attempts``, then manual."""

    due: list[DueCall] = field(default_factory=list)
    max_attempts: int = 3
    calling: dict[int, str] = field(default_factory=dict)
    results: list[tuple[int, int | None, str]] = field(default_factory=list)
    status: dict[int, str] = field(default_factory=dict)
    claimed: dict[int, DueCall] = field(default_factory=dict)

    def claim_due(self, limit: int) -> list[DueCall]:
        taken, self.due = self.due[:limit], self.due[limit:]
        for call in taken:
            call.attempts += 1
            self.status[call.id] = "calling"
            self.claimed[call.id] = call
        return taken

    def mark_calling(self, survey_id: int, action_id: str) -> None:
        self.calling[survey_id] = action_id

    def mark_result(self, survey_id: int, score: int | None, outcome: str) -> str:
        self.results.append((survey_id, score, outcome))
        call = self.claimed[survey_id]
        if score is not None:
            status = "done"
        elif call.attempts < self.max_attempts:
            status = "retry"
            self.due.append(call)  # due again at once: the fake has no clock
        else:
            status = "manual"
        self.status[survey_id] = status
        return status


@dataclass
class FakeOriginator:
    """Answers every call with ``outcome`` (or per number); may run a survey when answered."""

    outcome: Outcome = "answered"
    by_number: dict[str, Outcome] = field(default_factory=dict)
    requests: list[OriginateRequest] = field(default_factory=list)
    on_answer: Callable[[OriginateRequest], None] | None = None
    ready: bool = True  # logged in to Asterisk (AmiOriginator.ready)

    async def originate(self, request: OriginateRequest) -> Outcome:
        self.requests.append(request)
        await asyncio.sleep(0)
        number = request.channel.rsplit("/", 1)[-1]
        outcome = self.by_number.get(number, self.outcome)
        if outcome == "answered" and self.on_answer is not None:
            self.on_answer(request)
        return outcome


@dataclass
class FakeAckStore:
    """Tickets with an acknowledgement call in progress (ticket → room code) and the answers."""

    calls: dict[int, str] = field(default_factory=dict)
    answers: list[tuple[int, str, int | None]] = field(default_factory=list)

    def ack_info(self, ticket_id: int, call_id: int | None) -> AckInfo | None:
        if ticket_id not in self.calls:
            return None
        return AckInfo(ticket_id, call_id, self.calls[ticket_id])

    def answer(self, ticket_id: int, result: str, call_id: int | None) -> str:
        self.answers.append((ticket_id, result, call_id))
        return result


@dataclass
class DueAckCall:
    id: int
    ticket_id: int
    number: str
    staff_code: str = "W001"
    location_code: str = ""
    attempts: int = 1


@dataclass
class FakeAckQueue:
    due: list[DueAckCall] = field(default_factory=list)
    dialing: dict[int, str] = field(default_factory=dict)
    results: list[tuple[int, str, str, str]] = field(default_factory=list)
    no_keys: list[tuple[int, int]] = field(default_factory=list)

    def claim_due(self, limit: int) -> list[DueAckCall]:
        taken, self.due = self.due[:limit], self.due[limit:]
        return taken

    def mark_dialing(self, call_id: int, action_id: str) -> None:
        self.dialing[call_id] = action_id

    def result(self, call_id: int, outcome: str, detail: str, uniqueid: str) -> None:
        self.results.append((call_id, outcome, detail, uniqueid))

    def no_key(self, ticket_id: int, call_id: int) -> None:
        self.no_keys.append((ticket_id, call_id))


@dataclass
class FakeDialler:
    """Every call's fate by number (default ``attempt``); may run a session when answered."""

    attempt: CallAttempt = field(default_factory=lambda: CallAttempt("answered", "Reason 4", "1.1"))
    by_number: dict[str, CallAttempt] = field(default_factory=dict)
    requests: list[OriginateRequest] = field(default_factory=list)
    on_answer: Callable[[OriginateRequest], None] | None = None

    async def place(self, request: OriginateRequest) -> CallAttempt:
        self.requests.append(request)
        await asyncio.sleep(0)
        attempt = self.by_number.get(request.channel.rsplit("/", 1)[-1], self.attempt)
        if attempt.outcome == "answered" and self.on_answer is not None:
            self.on_answer(request)
        return attempt
