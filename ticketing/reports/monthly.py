"""The month's 考核 figures for the report: totals, rankings per level, grades given,
complaints and their findings, satisfaction by service type, the owners' figures and six
months of trend — gathered once, then drawn by ``xlsx`` and ``pdf`` alike.

Every figure is the scoring's (``ticketing.assessment``) or a plain count over the month's
tickets (created in the month, merged ones left out, as in the statistics).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.assessment.config import AssessmentConfig
from ticketing.assessment.figures import (
    Month,
    complaint_facts,
    names,
    organisation,
    owner_figures,
    ticket_facts,
    trend,
)
from ticketing.assessment.scoring import LEVELS, score_month
from ticketing.catalog import Catalog
from ticketing.model import Ticket, User

TREND_MONTHS = 6


@dataclass
class MonthlyReport:
    month: str
    language: str
    center_name: str
    generated_at: datetime
    totals: dict[str, Any]
    rankings: dict[str, list[dict[str, Any]]]
    grades: list[dict[str, Any]]
    complaints: list[dict[str, Any]]
    by_service: list[dict[str, Any]]
    owners: list[dict[str, Any]]
    trend: dict[str, Any] = field(default_factory=dict)


def complaint_types(catalog: Catalog) -> set[str]:
    return {k for k, st in catalog.types.items() if st.form == "complaint"}


def build_monthly(s: Session, config: AssessmentConfig, catalog: Catalog, tz: ZoneInfo, month: Month,
                  as_of: datetime, language: str = "zh-CN", center_name: str = "") -> MonthlyReport:
    period = month.period(tz)
    kinds = complaint_types(catalog)
    tickets = ticket_facts(s, period)
    complaints = complaint_facts(s, period, kinds)
    org = organisation(s)
    rankings: dict[str, list[dict[str, Any]]] = {}
    for level in LEVELS:
        named = names(s, level, language)
        rankings[level] = [{**e.as_dict(), "name": named.get(e.key, e.key),
                            "grade_name": config.grade(e.grade).name(language) if e.grade else ""}
                           for e in score_month(config, tickets, complaints, org, level, as_of)]
    counted = [t for t in tickets if t.status != "merged"]
    responses = [t.response_met for t in counted if t.response_met is not None]
    completions = [t.completion_met for t in counted if t.completion_met is not None]
    scores = [t.satisfaction for t in counted if t.satisfaction is not None]
    worker_scores = [r["score"] for r in rankings["worker"] if r["score"] is not None]
    totals = {
        "tickets": len(counted), "done": sum(t.done_at is not None for t in counted),
        "response_rate": sum(responses) / len(responses) if responses else None,
        "completion_rate": sum(completions) / len(completions) if completions else None,
        "satisfaction": sum(scores) / len(scores) if scores else None, "callbacks": len(scores),
        "reworked": sum(t.reopen_count > 0 for t in counted),
        "complaints": sum(t.service_type in kinds and t.status != "cancelled" for t in counted),
        "justified": sum(c.outcome == "justified" for c in complaints),
        "graded": sum(bool(t.grade) for t in counted),
        "scored_workers": len(worker_scores),
        "mean_score": sum(worker_scores) / len(worker_scores) if worker_scores else None,
    }
    given = [t.grade for t in counted if t.grade]
    grades = [{"grade": g.key, "name": g.name(language), "count": given.count(g.key)} for g in config.grades]
    return MonthlyReport(
        month=str(month), language=language, center_name=center_name, generated_at=as_of,
        totals=totals, rankings=rankings, grades=grades,
        complaints=_complaints(s, period, kinds, language, catalog),
        by_service=_by_service(counted, catalog, language, config),
        owners=_owners(s, period, as_of),
        trend={level: trend(s, config, month, TREND_MONTHS, tz, level, kinds, as_of) for level in LEVELS})


def _owners(s: Session, period: Any, as_of: datetime) -> list[dict[str, Any]]:
    """The owners' figures, each named as the desk knows them (``李晓 (li)``)."""
    shown = dict(s.execute(select(User.username, User.display_name)).all())
    return [{**o, "name": f"{shown[o['owner']]} ({o['owner']})" if shown.get(o["owner"]) else o["owner"] or "—"}
            for o in owner_figures(s, period, as_of)]


def _by_service(tickets: list[Any], catalog: Catalog, language: str,
                config: AssessmentConfig) -> list[dict[str, Any]]:
    out = []
    for key, st in catalog.types.items():
        mine = [t for t in tickets if t.service_type == key]
        if not mine:
            continue
        scores = [t.satisfaction for t in mine if t.satisfaction is not None]
        out.append({"service_type": key, "name": st.name(language), "tickets": len(mine),
                    "callbacks": len(scores),
                    "satisfaction": sum(scores) / len(scores) if scores else None})
    return out


def _complaints(s: Session, period: Any, kinds: set[str], language: str,
                catalog: Catalog) -> list[dict[str, Any]]:
    if not kinds:
        return []
    rows = s.execute(select(Ticket.id, Ticket.status, Ticket.details).where(
        Ticket.created_at >= period.start, Ticket.created_at < period.end,
        Ticket.service_type.in_(sorted(kinds)), Ticket.status.not_in(("merged", "cancelled")))
        .order_by(Ticket.id)).all()
    staff = names(s, "worker", language)
    orgs = names(s, "team", language)
    out = []
    for ticket_id, status, details in rows:
        form = (details or {}).get("complaint") or {}
        kind, code = form.get("target_kind", ""), form.get("target_code", "")
        target = (staff.get(code, code) if kind == "worker" else
                  catalog.types[code].name(language) if kind == "service" and code in catalog.types
                  else orgs.get(code, code))
        out.append({"ticket_id": ticket_id, "status": status, "target_kind": kind, "target_code": code,
                    "target": target, "severity": form.get("severity", "normal"),
                    "outcome": form.get("outcome", ""), "replied": bool(form.get("reply"))})
    return out
