"""首问负责, the read side: an owner's cases with their due times, and what the owner is told.

"My cases" are the tickets an operator owns (``ticket.operator``) that still need them: open
ones, and done ones awaiting the call-back — the most urgent due time first, each marked
overdue when a time limit has passed. The notices are the audit rows of the owner's cases
that the owner must hear of: a breach (the sweep's escalation), an escalation by a person,
the close (done, cancelled, merged), a reopen and a case handed to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from ticketing.model import AuditLog, Ticket

MINE = ("accepted", "dispatched", "in_progress", "done")
OPEN = ("accepted", "dispatched", "in_progress")
NOTICE_ACTIONS = ("escalate", "complete", "cancel", "merge", "reopen", "handover")


@dataclass(frozen=True)
class Case:
    id: int
    service_type: str
    priority: str
    status: str
    location_code: str
    description: str
    created_at: datetime
    response_due: datetime | None
    completion_due: datetime | None
    escalation_level: int
    overdue: bool

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.__dict__.items()}


def _overdue(now: datetime) -> Any:
    return (Ticket.status.in_(OPEN)
            & (((Ticket.response_due < now) & Ticket.worker_accepted_at.is_(None))
               | (Ticket.completion_due < now)))


def my_cases(s: Session, owner: str, now: datetime, page: int = 1,
             per_page: int = 20) -> tuple[list[Case], int]:
    """One page of the owner's cases (overdue first, then by the nearer due time) and how
    many there are."""
    where = (Ticket.operator == owner, Ticket.status.in_(MINE))
    total = s.scalar(select(func.count()).select_from(Ticket).where(*where)) or 0
    late = _overdue(now)
    due = case((Ticket.status == "done", None), else_=Ticket.completion_due)
    rows = s.execute(select(Ticket.id, Ticket.service_type, Ticket.priority, Ticket.status,
                            Ticket.location_code, Ticket.description, Ticket.created_at,
                            Ticket.response_due, Ticket.completion_due, Ticket.escalation_level, late)
                     .where(*where)
                     .order_by(case((late, 0), else_=1), case((Ticket.status == "done", 1), else_=0),
                               due, Ticket.id.desc())
                     .limit(per_page).offset((max(1, page) - 1) * per_page)).all()
    return [Case(*r[:10], bool(r[10])) for r in rows], total


@dataclass(frozen=True)
class Notice:
    id: int
    ticket_id: int
    at: datetime
    kind: str  # breach | escalation | closed | reopened | handed_over
    actor: str
    note: str

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "at": self.at.isoformat()}


def notices(s: Session, owner: str, now: datetime, days: int = 3, limit: int = 30) -> list[Notice]:
    """What the owner's cases did in the last ``days`` that the owner must hear of, newest
    first (the audit rows of their tickets: nothing is written for it)."""
    since = now - timedelta(days=days)
    ids = [str(i) for i in s.scalars(select(Ticket.id).where(
        Ticket.operator == owner,
        or_(Ticket.status.in_(MINE), Ticket.closed_at >= since, Ticket.called_back_at >= since)))]
    if not ids:
        return []
    rows = s.scalars(select(AuditLog).where(
        AuditLog.entity == "ticket", AuditLog.entity_key.in_(ids), AuditLog.at >= since,
        AuditLog.action.in_(NOTICE_ACTIONS)).order_by(AuditLog.id.desc()).limit(limit))
    out = []
    for row in rows:
        kind = _kind(row, owner)
        if kind:
            after = row.after or {}
            out.append(Notice(row.id, int(row.entity_key), row.at, kind, row.actor, str(after.get("note", ""))))
    return out


def _kind(row: AuditLog, owner: str) -> str:
    after = row.after or {}
    if row.action == "escalate":
        return "breach" if row.actor == "system" else "escalation"
    if row.action in ("complete", "cancel", "merge"):
        return "closed"
    if row.action == "reopen":
        return "reopened"
    if row.action == "handover":
        return "handed_over" if after.get("operator") == owner else ""
    return ""
