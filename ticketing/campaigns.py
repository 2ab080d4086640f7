"""Satisfaction campaigns, the outside's side: the calls the IVR places, and the results.

``CampaignCalls`` is the queue the IVR's campaign scheduler drains, leased like the survey
call-backs (``ticketing.outbox.SurveyQueue``): due targets of running campaigns outside their
quiet hours; an unanswered call is tried again later, then given up. ``results`` counts a
campaign's numbers asked and answered, the scores, and the same by department, service and
day. The commands that make, start and pace campaigns are ``ticketing/commands/campaigns.py``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.model_feedback import CampaignTarget, SurveyCampaign
from ticketing.outbox import _lock_rows
from ticketing.ports import Clock
from ticketing.store import Store


@dataclass(frozen=True)
class CampaignCallView:
    """One call to place. ``ticket_id`` is the campaign call's own id: the survey route and
    its scheduler key a call by it (the ``DueSurvey`` shape the IVR knows)."""

    id: int
    ticket_id: int
    number: str
    attempts: int


class CampaignCalls:
    def __init__(self, store: Store, clock: Clock, tz: ZoneInfo,
                 retry_after: timedelta = timedelta(hours=2), max_attempts: int = 2,
                 lease: timedelta = timedelta(minutes=5)) -> None:
        self.store, self.clock, self.tz = store, clock, tz
        self.retry_after, self.max_attempts, self.lease = retry_after, max_attempts, lease

    def claim_due(self, limit: int = 1) -> list[CampaignCallView]:
        now = self.clock.now()
        with self.store.session() as s:
            live = [c.id for c in s.scalars(select(SurveyCampaign).where(
                SurveyCampaign.status == "running", SurveyCampaign.channel == "ivr"))
                if not _quiet(c, now, self.tz)]
            if not live:
                return []
            rows = s.scalars(_lock_rows(select(CampaignTarget).where(
                CampaignTarget.campaign_id.in_(live),
                ((CampaignTarget.status.in_(("due", "retry"))) & (CampaignTarget.due_at <= now))
                | ((CampaignTarget.status == "calling") & (CampaignTarget.lease_until < now)))
                .order_by(CampaignTarget.due_at, CampaignTarget.id).limit(limit), s)).all()
            for r in rows:
                r.status, r.lease_until, r.updated_at = "calling", now + self.lease, now
                r.attempts += 1
            return [CampaignCallView(r.id, r.id, r.number, r.attempts) for r in rows]

    def mark_calling(self, target_id: int, action_id: str) -> None:
        with self.store.session() as s:
            r = s.get(CampaignTarget, target_id)
            if r is not None:
                r.action_id = action_id[:40]

    def mark_result(self, target_id: int, score: int | None, outcome: str) -> str:
        """``outcome``: answered | no_answer | busy | failed; the score itself is stored by
        ``TicketService.campaign_call_score``. Returns the call's new status."""
        now = self.clock.now()
        with self.store.session() as s:
            r = s.get(CampaignTarget, target_id)
            if r is None:
                return "missing"
            r.lease_until, r.updated_at, r.reason = None, now, outcome[:200]
            if r.status == "answered" or score is not None:
                r.status = "answered"
            elif r.attempts < self.max_attempts:
                r.status, r.due_at = "retry", now + self.retry_after
            else:
                r.status = "no_answer"
            return r.status

    def service_of(self, target_id: int) -> str | None:
        """The service a target used (requesters) or "" (departments); None if unknown."""
        with self.store.session() as s:
            r = s.get(CampaignTarget, target_id)
            return None if r is None else r.service_type


def _quiet(c: SurveyCampaign, now: datetime, tz: ZoneInfo) -> bool:
    start, end = time.fromisoformat(c.quiet_start), time.fromisoformat(c.quiet_end)
    t = now.astimezone(tz).time()
    if start == end:
        return False
    return (start <= t or t < end) if start > end else (start <= t < end)


# --- results ---------------------------------------------------------------------------------


def campaigns(s: Session, page: int = 1, per_page: int = 20) -> tuple[list[SurveyCampaign], int]:
    total = s.scalar(select(func.count()).select_from(SurveyCampaign)) or 0
    rows = s.scalars(select(SurveyCampaign).order_by(SurveyCampaign.id.desc())
                     .limit(per_page).offset((max(1, page) - 1) * per_page)).all()
    return list(rows), total


def results(s: Session, campaign_id: int, tz: ZoneInfo) -> dict[str, Any]:
    """The campaign's counts and scores, in all and by department, service and day
    (the day an answer came, in the center's time zone)."""
    targets = s.scalars(select(CampaignTarget).where(CampaignTarget.campaign_id == campaign_id)
                        .order_by(CampaignTarget.id)).all()
    return {"total": _figures(targets),
            "by_department": _grouped(targets, lambda t: t.org_code),
            "by_service": _grouped(targets, lambda t: t.service_type),
            "by_day": _grouped([t for t in targets if t.answered_at is not None],
                               lambda t: t.answered_at.astimezone(tz).date().isoformat())}


def _grouped(targets: Any, key: Any) -> list[dict[str, Any]]:
    groups: dict[str, list[CampaignTarget]] = {}
    for t in targets:
        groups.setdefault(key(t) or "", []).append(t)
    return [{"group": g, **_figures(rows)} for g, rows in sorted(groups.items())]


def _figures(targets: Any) -> dict[str, Any]:
    status = Counter(t.status for t in targets)
    scores = [t.score for t in targets if t.score is not None]
    asked = sum(n for st, n in status.items() if st not in ("queued", "skipped"))
    return {"targets": len(targets), "asked": asked, "answered": len(scores),
            "skipped": status.get("skipped", 0), "waiting": status.get("queued", 0),
            "response_rate": len(scores) / asked if asked else None,
            "satisfaction": sum(scores) / len(scores) if scores else None,
            "scores": {str(k): scores.count(k) for k in range(1, 6)}}
