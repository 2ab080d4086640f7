"""The month's rows read from the store and scored: rankings per level, trends over months,
the names to show, and the figures by owner (首问负责: the operator who accepted the case).

A ticket belongs to the month it was created in (the center's time zone), as in the
statistics; a complaint likewise. The reading is plain SELECTs; the scoring is
``ticketing.assessment.scoring`` (pure).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.assessment.config import AssessmentConfig
from ticketing.assessment.scoring import (
    LEVELS,
    ComplaintFacts,
    EntityScore,
    Organisation,
    TicketFacts,
    score_month,
)
from ticketing.lifecycle import OPEN
from ticketing.model import OrgUnit, Staff, Ticket
from ticketing.stats import Period


class MonthError(ValueError):
    """A month that is not ``YYYY-MM``."""


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        try:
            year, month = (int(p) for p in text.strip().split("-"))
            date(year, month, 1)
        except (ValueError, TypeError):
            raise MonthError(f"month must be YYYY-MM, got {text!r}") from None
        if not 2000 <= year <= 2100:
            raise MonthError(f"month must be YYYY-MM between 2000 and 2100, got {text!r}")
        return cls(year, month)

    @classmethod
    def of(cls, when: datetime, tz: ZoneInfo) -> Month:
        local = when.astimezone(tz)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self, n: int = 1) -> Month:
        index = self.year * 12 + self.month - 1 - n
        return Month(index // 12, index % 12 + 1)

    def period(self, tz: ZoneInfo) -> Period:
        start = datetime.combine(self.first_day(), time(0), tz).astimezone(UTC)
        end = datetime.combine(self.next().first_day(), time(0), tz).astimezone(UTC)
        return Period(start, end)


_TICKET_COLUMNS = (Ticket.id, Ticket.service_type, Ticket.status, Ticket.assignee,
                   Ticket.response_met, Ticket.completion_met, Ticket.worker_accepted_at,
                   Ticket.done_at, Ticket.response_due, Ticket.completion_due,
                   Ticket.satisfaction, Ticket.assessment_grade, Ticket.reopen_count)


def ticket_facts(s: Session, period: Period) -> list[TicketFacts]:
    """Every ticket created in the period, as scoring reads it."""
    rows = s.execute(select(*_TICKET_COLUMNS).where(
        Ticket.created_at >= period.start, Ticket.created_at < period.end).order_by(Ticket.id))
    return [TicketFacts(*row) for row in rows]


def complaint_facts(s: Session, period: Period, complaint_types: set[str]) -> list[ComplaintFacts]:
    """The complaints (tickets of the complaint types) created in the period, with their
    findings from ``details.complaint``; merged and cancelled ones are not findings."""
    if not complaint_types:
        return []
    rows = s.execute(select(Ticket.id, Ticket.details).where(
        Ticket.created_at >= period.start, Ticket.created_at < period.end,
        Ticket.service_type.in_(sorted(complaint_types)),
        Ticket.status.not_in(("merged", "cancelled"))).order_by(Ticket.id))
    out = []
    for ticket_id, details in rows:
        c = (details or {}).get("complaint") or {}
        if c.get("target_kind") and c.get("target_code"):
            out.append(ComplaintFacts(ticket_id, c["target_kind"], c["target_code"],
                                      c.get("severity", "normal"), c.get("outcome", "")))
    return out


def organisation(s: Session) -> Organisation:
    """Workers' teams (``staff.team``), teams' service departments (the team's parent org
    unit) and each team's active workers, as the master data has them now."""
    team_of = {code: team for code, team in s.execute(select(Staff.code, Staff.team)) if team}
    department_of = {code: parent for code, parent in s.execute(
        select(OrgUnit.code, OrgUnit.parent_code).where(OrgUnit.kind == "team")) if parent}
    workers_in = {team: n for team, n in s.execute(
        select(Staff.team, func.count()).where(Staff.role == "worker", Staff.active.is_(True),
                                              Staff.team != "").group_by(Staff.team))}
    return Organisation(team_of, department_of, workers_in)


def month_scores(s: Session, config: AssessmentConfig, month: Month, tz: ZoneInfo, level: str,
                 complaint_types: set[str], as_of: datetime) -> list[EntityScore]:
    period = month.period(tz)
    return score_month(config, ticket_facts(s, period), complaint_facts(s, period, complaint_types),
                       organisation(s), level, as_of)


def trend(s: Session, config: AssessmentConfig, last: Month, months: int, tz: ZoneInfo, level: str,
          complaint_types: set[str], as_of: datetime) -> dict[str, Any]:
    """The score of each entity over ``months`` months up to ``last``, and the mean of all."""
    org = organisation(s)
    span = [last.previous(n) for n in range(months - 1, -1, -1)]
    series: dict[str, list[float | None]] = {}
    overall: list[float | None] = []
    for i, m in enumerate(span):
        period = m.period(tz)
        rows = score_month(config, ticket_facts(s, period), complaint_facts(s, period, complaint_types),
                           org, level, as_of)
        scores = [e.score for e in rows if e.score is not None]
        overall.append(sum(scores) / len(scores) if scores else None)
        for e in rows:
            series.setdefault(e.key, [None] * len(span))[i] = e.score
    return {"months": [str(m) for m in span], "series": series, "overall": overall}


def names(s: Session, level: str, language: str = "zh-CN") -> dict[str, str]:
    """Codes → names for a level's entities (staff for workers, org units otherwise)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    if level == "worker":
        return dict(s.execute(select(Staff.code, Staff.name)).all())
    en = language == "en"
    return {code: (name_en if en and name_en else name)
            for code, name, name_en in s.execute(select(OrgUnit.code, OrgUnit.name, OrgUnit.name_en))}


def owner_figures(s: Session, period: Period, now: datetime) -> list[dict[str, Any]]:
    """Per owner (the operator who accepted the case): cases, still open, overdue now, done,
    escalated, handed over to them, mean satisfaction."""
    open_states = [st.value for st in OPEN]
    overdue = (Ticket.status.in_(open_states)
               & (((Ticket.response_due < now) & Ticket.worker_accepted_at.is_(None))
                  | (Ticket.completion_due < now)))
    rows = s.execute(select(
        Ticket.operator, func.count(),
        func.count().filter(Ticket.status.in_(open_states)),
        func.count().filter(overdue),
        func.count(Ticket.done_at),
        func.count().filter(Ticket.escalation_level > 0),
        func.sum(Ticket.satisfaction), func.count(Ticket.satisfaction),
    ).where(Ticket.created_at >= period.start, Ticket.created_at < period.end,
            Ticket.status != "merged").group_by(Ticket.operator).order_by(Ticket.operator)).all()
    return [{"owner": owner, "cases": n, "open": open_n, "overdue": late, "done": done,
             "escalated": escalated,
             "satisfaction": (int(sat_sum or 0) / sat_n) if sat_n else None}
            for owner, n, open_n, late, done, escalated, sat_sum, sat_n in rows]
