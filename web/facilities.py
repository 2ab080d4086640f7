"""Read-side queries for the facilities pages and API: maintenance plans a page at a time with
their next due date and last ticket, one plan with its tickets, and the core's objects built
from the web's settings (``maintenance_of``). Every list is bounded and paged."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ticketing.maintenance import Maintenance, plan_dict, schedule_of
from ticketing.model import Location, OrgUnit, SmsOut, Ticket
from ticketing.model_facilities import (
    Equipment,
    MaintenancePlan,
    MaintenanceRun,
    NoticeRecipient,
    OutageNotice,
)
from ticketing.notices import Notices
from ticketing.outbox import Backoff
from ticketing.webhooks import Webhooks

PAGE_SIZE = 30


def maintenance_of(web: Any) -> Maintenance:
    """The plans' commands over the web's ticket service, with the center's settings."""
    m = web.deps.settings.maintenance
    return Maintenance(web.deps.service, create_time=m.create_clock(),
                       missed_after=timedelta(minutes=m.missed_after_min))


def notices_of(web: Any) -> Notices:
    """Outage notices over the web's ticket service, their SMS due ``[notices] lead_hours`` ahead."""
    return Notices(web.deps.service, lead=timedelta(hours=web.deps.settings.notices.lead_hours))


def webhooks_of(web: Any) -> Webhooks:
    """Webhook subscriptions and the delivery log over the web's store, with the settings' back-off."""
    w = web.deps.settings.webhooks
    return Webhooks(web.deps.store, web.deps.clock, Backoff(base_s=w.retry_base_s, cap_s=w.retry_cap_s,
                                                            max_attempts=w.max_attempts),
                    lease=timedelta(seconds=w.lease_s), catalog=web.deps.service.catalog)


def page_of(number: int, size: int, total: int) -> dict[str, int]:
    pages = max(1, -(-total // size))
    number = min(max(1, number), pages)
    return {"number": number, "pages": pages, "total": total, "size": size}


def plan_page(s: Session, q: str = "", state: str = "active", number: int = 1,
              size: int = PAGE_SIZE) -> dict[str, Any]:
    """Plans matching ``q`` (code, name, equipment or location code) in ``state`` (active,
    inactive, all), ``size`` to a page, with each one's next due date and last ticket."""
    stmt = select(MaintenancePlan)
    if state in ("active", "inactive"):
        stmt = stmt.where(MaintenancePlan.active.is_(state == "active"))
    if q:
        like = "%" + q.replace("%", "").replace("_", "") + "%"
        stmt = stmt.where(or_(MaintenancePlan.code.like(like), MaintenancePlan.name.like(like),
                              MaintenancePlan.equipment_code == q, MaintenancePlan.location_code == q))
    total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = page_of(number, size, total)
    plans = list(s.scalars(stmt.order_by(MaintenancePlan.code)
                           .offset((page["number"] - 1) * size).limit(size)))
    last = _last_runs(s, [p.id for p in plans])
    return {"rows": [_row(s, p, last.get(p.id)) for p in plans], "page": page}


def plan_detail(s: Session, code: str, runs: int = 30) -> dict[str, Any] | None:
    """One plan with its newest ``runs`` tickets (due date, ticket, status, round results)."""
    plan = s.scalar(select(MaintenancePlan).where(MaintenancePlan.code == code))
    if plan is None:
        return None
    rows = s.execute(select(MaintenanceRun, Ticket.status, Ticket.completion_due, Ticket.done_at)
                     .outerjoin(Ticket, Ticket.id == MaintenanceRun.ticket_id)
                     .where(MaintenanceRun.plan_id == plan.id)
                     .order_by(MaintenanceRun.due_date.desc()).limit(runs)).all()
    last = rows[0][0] if rows else None
    out = _row(s, plan, last)
    out["runs"] = [{"due_date": r.due_date.isoformat(), "ticket_id": r.ticket_id, "status": status,
                    "completion_due": due.isoformat() if due else None,
                    "done_at": done.isoformat() if done else None,
                    "checked": sum(1 for i in r.results or [] if i.get("ok") is not None),
                    "not_ok": sum(1 for i in r.results or [] if i.get("ok") is False),
                    "items": len(r.checklist or [])}
                   for r, status, due, done in rows]
    return out


def _last_runs(s: Session, plan_ids: list[int]) -> dict[int, MaintenanceRun]:
    if not plan_ids:
        return {}
    newest = (select(MaintenanceRun.plan_id, func.max(MaintenanceRun.due_date).label("due"))
              .where(MaintenanceRun.plan_id.in_(plan_ids)).group_by(MaintenanceRun.plan_id).subquery())
    runs = s.scalars(select(MaintenanceRun).join(
        newest, (newest.c.plan_id == MaintenanceRun.plan_id) & (newest.c.due == MaintenanceRun.due_date)))
    return {r.plan_id: r for r in runs}


def _row(s: Session, plan: MaintenancePlan, last: MaintenanceRun | None) -> dict[str, Any]:
    out = plan_dict(plan)
    after = max(plan.active_from, last.due_date + timedelta(days=1)) if last else plan.active_from
    nxt: date | None = schedule_of(plan).next_due(after) if plan.active else None
    out["next_due"] = nxt.isoformat() if nxt else None
    out["last_due"] = last.due_date.isoformat() if last else None
    out["last_ticket"] = last.ticket_id if last else None
    out["target"] = _target(s, plan)
    return out


def _target(s: Session, plan: MaintenancePlan) -> str:
    """What the plan looks after, in words: the equipment, or the place (and type)."""
    if plan.equipment_code:
        name = s.scalar(select(Equipment.name).where(Equipment.code == plan.equipment_code))
        return f"{plan.equipment_code} {name or ''}".strip()
    loc = s.scalar(select(Location).where(Location.code == plan.location_code))
    place = " ".join(p for p in ((loc.building, f"{loc.floor}F", loc.room) if loc else ()) if p)
    return " · ".join(p for p in (place or plan.location_code, plan.equipment_type) if p)


# --- outage notices ---------------------------------------------------------------------------


def notice_page(s: Session, state: str = "all", number: int = 1, size: int = PAGE_SIZE) -> dict[str, Any]:
    """Notices, the latest cut first, with how many departments and SMS each has and how
    those SMS stand (delivered, failed, cancelled, still to go)."""
    stmt = select(OutageNotice)
    if state in ("scheduled", "cancelled"):
        stmt = stmt.where(OutageNotice.status == state)
    total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = page_of(number, size, total)
    rows = list(s.scalars(stmt.order_by(OutageNotice.starts_at.desc(), OutageNotice.id.desc())
                          .offset((page["number"] - 1) * size).limit(size)))
    ids = [n.id for n in rows]
    departments = dict(s.execute(select(NoticeRecipient.notice_id, func.count(func.distinct(NoticeRecipient.org_code)))
                                 .where(NoticeRecipient.notice_id.in_(ids))
                                 .group_by(NoticeRecipient.notice_id)).all()) if ids else {}
    sms: dict[int, dict[str, int]] = {}
    if ids:
        texted = (select(NoticeRecipient.notice_id, NoticeRecipient.sms_id).distinct()
                  .where(NoticeRecipient.notice_id.in_(ids), NoticeRecipient.sms_id.is_not(None)).subquery())
        for notice_id, status, n in s.execute(
                select(texted.c.notice_id, SmsOut.status, func.count()).join(SmsOut, SmsOut.id == texted.c.sms_id)
                .group_by(texted.c.notice_id, SmsOut.status)):
            sms.setdefault(notice_id, {})[status] = n
    out = []
    for n in rows:
        counts = sms.get(n.id, {})
        out.append({"id": n.id, "kind": n.kind, "text": n.text, "starts_at": n.starts_at.isoformat(),
                    "ends_at": n.ends_at.isoformat(), "send_at": n.send_at.isoformat(),
                    "status": n.status, "scope": n.scope, "created_by": n.created_by,
                    "departments": departments.get(n.id, 0), "sms": sum(counts.values()),
                    "delivered": counts.get("delivered", 0), "failed": counts.get("failed", 0),
                    "cancelled": counts.get("cancelled", 0)})
    return {"rows": out, "page": page}


def notice_choices(s: Session) -> dict[str, Any]:
    """What the notice form offers: the buildings (with their floors) and the departments."""
    floors: dict[str, list[str]] = {}
    for building, floor in s.execute(select(Location.building, Location.floor).distinct()
                                     .where(Location.active.is_(True))):
        floors.setdefault(building, []).append(floor)
    departments = s.execute(select(OrgUnit.code, OrgUnit.name).where(
        OrgUnit.active.is_(True), OrgUnit.kind.in_(("department", "ward", "office")))
        .order_by(OrgUnit.code)).all()
    return {"buildings": {b: sorted(f, key=_floor_key) for b, f in sorted(floors.items())},
            "departments": [(c, n) for c, n in departments]}


def _floor_key(floor: str) -> tuple[int, str]:
    return (int(floor), "") if floor.lstrip("-").isdigit() else (10_000, floor)
