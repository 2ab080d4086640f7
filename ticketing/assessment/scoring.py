"""The monthly score of workers, teams and service departments: a pure function of rows.

``score_month(config, tickets, complaints, org, level, as_of)`` reads nothing but its
arguments, so the figures can be recomputed from the raw tickets by anyone holding the written
formula (docs/assessment.md, which this follows line by line):

1. A ticket belongs to its lead worker (``assignee``), the worker's team (班组) and the team's
   service department (the team's parent org unit). Cancelled and merged tickets, and the
   service types in ``[model] exclude``, are not scored.
2. A ticket's score is the weighted mean of the components it has (weights per service type):
   response 100 if accepted in time else 0 (0 too if still not accepted past its due time at
   ``as_of``), completion likewise, satisfaction the points of its call-back score, grade the
   points of the lead's grade, rework 0 if it was ever reopened else 100 (once done).
3. Quality Q is the mean ticket score; workload W = min(100, 100 × Σ 1/target(type) over done
   tickets ÷ workers); the score is (1 − ω)·Q + ω·W − D, held within 0–100, where D sums the
   severity points of justified complaints against the entity; the grade is the best one
   whose ``min`` the score reaches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ticketing.assessment.config import COMPONENTS, AssessmentConfig

LEVELS = ("worker", "team", "department")
OPEN_STATUSES = frozenset({"accepted", "dispatched", "in_progress"})
NOT_SCORED = frozenset({"cancelled", "merged"})


@dataclass(frozen=True)
class TicketFacts:
    """What scoring reads of one ticket."""

    id: int
    service_type: str
    status: str
    assignee: str
    response_met: bool | None = None
    completion_met: bool | None = None
    worker_accepted_at: datetime | None = None
    done_at: datetime | None = None
    response_due: datetime | None = None
    completion_due: datetime | None = None
    satisfaction: int | None = None
    grade: str = ""
    reopen_count: int = 0


@dataclass(frozen=True)
class ComplaintFacts:
    """A complaint ticket's finding: against whom, how serious, justified or not."""

    ticket_id: int
    target_kind: str  # worker | team | department | service
    target_code: str
    severity: str  # minor | normal | serious
    outcome: str  # justified | unjustified | "" (not concluded)


@dataclass(frozen=True)
class Organisation:
    """Who belongs where: a worker's team, a team's service department, a team's workers."""

    team_of: dict[str, str] = field(default_factory=dict)
    department_of: dict[str, str] = field(default_factory=dict)
    workers_in: dict[str, int] = field(default_factory=dict)

    def entity_of(self, worker: str, level: str) -> str:
        if level == "worker":
            return worker
        team = self.team_of.get(worker, "")
        return team if level == "team" else self.department_of.get(team, "")

    def members(self, key: str, level: str) -> int:
        if level == "worker":
            return 1
        if level == "team":
            return max(1, self.workers_in.get(key, 0))
        return max(1, sum(n for team, n in self.workers_in.items() if self.department_of.get(team) == key))


@dataclass
class EntityScore:
    level: str
    key: str
    tickets: int = 0
    scored: int = 0
    done: int = 0
    response_n: int = 0
    response_met: int = 0
    completion_n: int = 0
    completion_met: int = 0
    satisfaction_n: int = 0
    satisfaction_sum: int = 0
    graded: dict[str, int] = field(default_factory=dict)
    reworked: int = 0
    complaints: int = 0  # justified, against it (and, rolled up, its members)
    deduction: float = 0.0
    quality: float | None = None
    workload: float | None = None
    score: float | None = None
    grade: str = ""
    rank: int | None = None
    _ticket_scores: list[float] = field(default_factory=list, repr=False)
    _workload_units: float = field(default=0.0, repr=False)

    @property
    def response_rate(self) -> float | None:
        return self.response_met / self.response_n if self.response_n else None

    @property
    def completion_rate(self) -> float | None:
        return self.completion_met / self.completion_n if self.completion_n else None

    @property
    def satisfaction(self) -> float | None:
        return self.satisfaction_sum / self.satisfaction_n if self.satisfaction_n else None

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "key": self.key, "tickets": self.tickets, "scored": self.scored,
                "done": self.done, "response_rate": self.response_rate,
                "completion_rate": self.completion_rate, "satisfaction": self.satisfaction,
                "satisfaction_n": self.satisfaction_n, "graded": dict(self.graded),
                "reworked": self.reworked, "complaints": self.complaints,
                "deduction": self.deduction, "quality": self.quality, "workload": self.workload,
                "score": self.score, "grade": self.grade, "rank": self.rank}


def ticket_components(config: AssessmentConfig, t: TicketFacts, as_of: datetime) -> dict[str, float]:
    """The components a ticket has (0–100 each); those it lacks are left out."""
    out: dict[str, float] = {}
    open_ = t.status in OPEN_STATUSES
    if t.response_met is not None:
        out["response"] = 100.0 if t.response_met else 0.0
    elif open_ and t.worker_accepted_at is None and t.response_due is not None and t.response_due < as_of:
        out["response"] = 0.0
    if t.completion_met is not None:
        out["completion"] = 100.0 if t.completion_met else 0.0
    elif open_ and t.completion_due is not None and t.completion_due < as_of:
        out["completion"] = 0.0
    if t.satisfaction is not None and t.satisfaction in config.satisfaction_points:
        out["satisfaction"] = config.satisfaction_points[t.satisfaction]
    if t.grade:
        points = config.grade_points().get(t.grade)
        if points is not None:
            out["grade"] = points
    if t.reopen_count > 0:
        out["rework"] = 0.0
    elif t.done_at is not None:
        out["rework"] = 100.0
    return out


def ticket_score(config: AssessmentConfig, t: TicketFacts, as_of: datetime) -> float | None:
    """The weighted mean of the ticket's components, ``None`` when it has none weighed."""
    weights = config.rules(t.service_type).weights
    parts = ticket_components(config, t, as_of)
    total = sum(weights[c] for c in COMPONENTS if c in parts)
    if total <= 0:
        return None
    return sum(weights[c] * parts[c] for c in COMPONENTS if c in parts) / total


def scored_tickets(config: AssessmentConfig, tickets: Iterable[TicketFacts]) -> list[TicketFacts]:
    return [t for t in tickets if t.status not in NOT_SCORED and t.service_type not in config.exclude
            and t.assignee]


def score_month(config: AssessmentConfig, tickets: Iterable[TicketFacts],
                complaints: Iterable[ComplaintFacts], org: Organisation, level: str,
                as_of: datetime) -> list[EntityScore]:
    """Every entity of ``level`` with tickets or justified complaints, best score first."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    entities: dict[str, EntityScore] = {}

    def entity(key: str) -> EntityScore:
        if key not in entities:
            entities[key] = EntityScore(level, key)
        return entities[key]

    for t in scored_tickets(config, tickets):
        key = org.entity_of(t.assignee, level)
        if not key:
            continue
        _add_ticket(config, entity(key), t, as_of)
    for c in complaints:
        if c.outcome != "justified":
            continue
        points = config.severity_points.get(c.severity, config.severity_points["normal"])
        for key in _complaint_entities(config, org, c, level):
            e = entity(key)
            e.complaints += 1
            e.deduction += points
    for e in entities.values():
        _finish(config, org, e)
    ranked = sorted(entities.values(), key=lambda e: (e.score is None, -(e.score or 0.0), e.key))
    for i, e in enumerate(ranked, start=1):
        e.rank = i if e.score is not None else None
    return ranked


def _add_ticket(config: AssessmentConfig, e: EntityScore, t: TicketFacts, as_of: datetime) -> None:
    e.tickets += 1
    parts = ticket_components(config, t, as_of)
    if "response" in parts:
        e.response_n += 1
        e.response_met += parts["response"] == 100.0
    if "completion" in parts:
        e.completion_n += 1
        e.completion_met += parts["completion"] == 100.0
    if t.satisfaction is not None:
        e.satisfaction_n += 1
        e.satisfaction_sum += t.satisfaction
    if "grade" in parts:
        e.graded[t.grade] = e.graded.get(t.grade, 0) + 1
    if t.reopen_count > 0:
        e.reworked += 1
    if t.done_at is not None:
        e.done += 1
        e._workload_units += 1.0 / config.rules(t.service_type).workload_target
    s = ticket_score(config, t, as_of)
    if s is not None:
        e.scored += 1
        e._ticket_scores.append(s)


def _complaint_entities(config: AssessmentConfig, org: Organisation, c: ComplaintFacts,
                        level: str) -> list[str]:
    """The entities of ``level`` a justified complaint counts against."""
    kind, code = c.target_kind, c.target_code
    if kind == level:
        return [code]
    if not config.complaints_roll_up:
        return []
    if kind == "worker" and level in ("team", "department"):
        key = org.entity_of(code, level)
        return [key] if key else []
    if kind == "team" and level == "department":
        dept = org.department_of.get(code, "")
        return [dept] if dept else []
    return []


def _finish(config: AssessmentConfig, org: Organisation, e: EntityScore) -> None:
    if e._ticket_scores:
        e.quality = sum(e._ticket_scores) / len(e._ticket_scores)
    e.workload = min(100.0, 100.0 * e._workload_units / org.members(e.key, e.level))
    if e.quality is None:
        return
    w = config.workload_weight
    e.score = max(0.0, min(100.0, (1 - w) * e.quality + w * e.workload - e.deduction))
    e.grade = config.grade_for(e.score).key
