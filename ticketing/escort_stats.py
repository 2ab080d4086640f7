"""Escort statistics (陪检/运送): requests, done and cancelled, on time on the ward (the porter
arrived — 承办 — by the pick-up time) and to the appointment (done by it), by conveyance,
department (the requesting ward), isolation or day; oxygen and isolation counted.

An escort counts on its appointment's day; merged duplicates do not count.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.catalog import Catalog
from ticketing.kitchen import org_names
from ticketing.model import Ticket
from ticketing.orders import CONVEYANCES, MAX_AHEAD

GROUPS = ("conveyance", "department", "isolation", "day")
MAX_DAYS = 366


class EscortQueryError(ValueError):
    pass


def escorts(s: Session, catalog: Catalog, first: date, last: date, tz: ZoneInfo,
            language: str = "zh-CN") -> list[dict[str, Any]]:
    """One row per escort with an appointment on the days ``first``..``last``."""
    if first > last or (last - first).days >= MAX_DAYS:
        raise EscortQueryError(f"escort statistics cover 1..{MAX_DAYS} days at a time")
    types = [k for k, st in catalog.types.items() if st.form == "escort"]
    if not types:
        return []
    since = datetime.combine(first, time(0), tz) - MAX_AHEAD - timedelta(days=1)
    until = datetime.combine(last + timedelta(days=1), time(0), tz)
    orgs = org_names(s, language)
    out = []
    for t in s.scalars(select(Ticket).where(Ticket.service_type.in_(types), Ticket.created_at >= since,
                                            Ticket.created_at < until, Ticket.status != "merged")
                       .order_by(Ticket.id)):
        e = (t.details or {}).get("escort")
        if not isinstance(e, dict) or not e.get("appointment"):
            continue
        appointment = datetime.fromisoformat(e["appointment"])
        day = appointment.astimezone(tz).date()
        if not first <= day <= last:
            continue
        pickup = datetime.fromisoformat(e["pickup_at"]) if e.get("pickup_at") else appointment
        out.append({
            "ticket_id": t.id, "day": day.isoformat(), "department": t.org_code or "",
            "department_name": orgs.get(t.org_code, ""), "conveyance": e.get("conveyance", "walking"),
            "isolation": e.get("isolation", ""), "oxygen": bool(e.get("oxygen")), "status": t.status,
            "appointment": appointment, "pickup": pickup,
            "on_ward": None if t.started_at is None else t.started_at <= pickup,
            "on_time": None if t.done_at is None else t.done_at <= appointment,
            "late_min": None if t.done_at is None else round((t.done_at - appointment).total_seconds() / 60, 1),
            # for the day's list (not for the statistics' export: a patient's name is personal data)
            "patient_name": e.get("patient_name", ""), "bed": e.get("bed", ""), "from": e.get("from") or {},
            "to": e.get("to") or {}, "exam": e.get("exam", ""), "assignee": t.assignee or "",
        })
    return out


def escort_summary(rows: list[dict[str, Any]], group_by: str) -> list[dict[str, Any]]:
    """Per group: requests, done, cancelled, on-time rates on the ward and to the appointment,
    with oxygen and isolation."""
    if group_by not in GROUPS:
        raise EscortQueryError(f"group_by must be one of {', '.join(GROUPS)}")
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r[group_by], []).append(r)
    out = [{"group": key, "label": (items[0]["department_name"] or key) if group_by == "department" else key,
            **figures(items)} for key, items in groups.items()]
    if group_by == "conveyance":
        return sorted(out, key=lambda r: CONVEYANCES.index(r["group"]) if r["group"] in CONVEYANCES else 9)
    if group_by == "day":
        return sorted(out, key=lambda r: r["group"])
    return sorted(out, key=lambda r: (-r["requests"], r["group"]))


def figures(items: list[dict[str, Any]]) -> dict[str, Any]:
    started = [r for r in items if r["on_ward"] is not None]
    done = [r for r in items if r["on_time"] is not None]
    return {"requests": len(items), "done": len(done),
            "cancelled": sum(1 for r in items if r["status"] == "cancelled"),
            "on_ward_rate": round(sum(r["on_ward"] for r in started) / len(started), 3) if started else None,
            "on_time_rate": round(sum(r["on_time"] for r in done) / len(done), 3) if done else None,
            "oxygen": sum(1 for r in items if r["oxygen"]),
            "isolation": sum(1 for r in items if r["isolation"])}
