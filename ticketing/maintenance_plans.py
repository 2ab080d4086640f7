"""A maintenance plan's fields: what they are, how a plan given by a user (the API, the
admin page, a seed) is checked and typed — each refusal a ``MaintenanceError`` naming the
field — and how a plan reads back (``plan_dict``) and schedules (``schedule_of``). The plans'
commands and the sweep that makes their tickets are ``ticketing.maintenance``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Table

from ticketing.audit import jsonable
from ticketing.catalog import PRIORITIES, Catalog, CatalogError
from ticketing.cells import SKILLS
from ticketing.commands.base import TicketError, TicketNotFound
from ticketing.commands.rows import require_location, require_staff
from ticketing.model import Base
from ticketing.schedule import Schedule, ScheduleError, parse_date_spec
from ticketing.tx import Tx

EQUIPMENT: Table = Base.metadata.tables["equipment"]

PLAN_KINDS = ("maintenance", "inspection")
FIELDS = ("name", "kind", "equipment_code", "location_code", "equipment_type", "service_type",
          "skill", "priority", "staff_code", "unit", "every", "dates", "start_date", "end_date",
          "lead_days", "grace_days", "checklist", "description", "active")
SCHEDULE_FIELDS = frozenset({"unit", "every", "dates", "start_date", "end_date"})


class MaintenanceError(TicketError):
    """A plan or a round refused for a reason the user can fix; the message names the field."""


class PlanNotFound(MaintenanceError, TicketNotFound):
    """No plan of that code."""


def schedule_of(plan: Any) -> Schedule:
    return Schedule(plan.unit, plan.every, plan.start_date, plan.end_date, tuple(plan.dates or ()))


def plan_dict(plan: Any) -> dict[str, Any]:
    """A plan as the API and the pages show it."""
    out = {k: jsonable(getattr(plan, k)) for k in ("id", "code", *FIELDS, "active_from", "version")}
    nxt = schedule_of(plan).next_due(plan.active_from) if plan.active else None
    out["first_due"] = nxt.isoformat() if nxt else None
    return out


def checked_plan(tx: Tx, catalog: Catalog, today: date, v: dict[str, Any]) -> dict[str, Any]:
    """The plan's fields checked and typed (a schedule without a start starts ``today``);
    ``MaintenanceError`` names the first wrong one."""
    out: dict[str, Any] = {"name": _text(v.get("name"), "name", 100)}
    if not out["name"]:
        raise MaintenanceError("name: a plan needs a name")
    out["kind"] = _choice(v.get("kind") or "maintenance", "kind", PLAN_KINDS)
    out["equipment_code"] = _text(v.get("equipment_code"), "equipment_code", 32)
    out["location_code"] = _text(v.get("location_code"), "location_code", 16)
    out["equipment_type"] = _text(v.get("equipment_type"), "equipment_type", 50)
    if out["equipment_code"]:
        eq = tx.record(EQUIPMENT, "code = ?", (out["equipment_code"],))
        if eq is None or not eq.active:
            raise MaintenanceError(f"equipment_code: unknown equipment {out['equipment_code']!r}")
        if eq.status == "scrapped":
            raise MaintenanceError(f"equipment_code: {eq.code} is scrapped")
    if out["location_code"]:
        try:
            require_location(tx, out["location_code"])
        except TicketError as exc:
            raise MaintenanceError(f"location_code: {exc}") from None
    if not (out["equipment_code"] or out["location_code"]):
        raise MaintenanceError("equipment_code: a plan names a piece of equipment or a location")
    try:
        st = catalog.get(str(v.get("service_type") or "maintenance"))
    except CatalogError as exc:
        raise MaintenanceError(f"service_type: {exc}") from None
    out["service_type"] = st.key
    out["skill"] = _choice(v.get("skill") or st.skill, "skill", ("", *sorted(set(SKILLS.values()))))
    out["priority"] = _choice(v.get("priority") or "normal", "priority", PRIORITIES)
    out["staff_code"] = _text(v.get("staff_code"), "staff_code", 32)
    if out["staff_code"]:
        try:
            require_staff(tx, out["staff_code"])
        except TicketError as exc:
            raise MaintenanceError(f"staff_code: {exc}") from None
    out.update(_schedule_fields(v, today))
    out["lead_days"] = _whole(v.get("lead_days", 0), "lead_days", 0, 90)
    out["grace_days"] = _whole(v.get("grace_days", 0), "grace_days", 0, 90)
    out["checklist"] = _checklist(v.get("checklist"))
    if out["kind"] == "inspection" and not out["checklist"]:
        raise MaintenanceError("checklist: an inspection round needs its checklist")
    out["description"] = _text(v.get("description"), "description", 2000)
    active = v.get("active", True)
    if not isinstance(active, bool):
        raise MaintenanceError("active: true or false")
    out["active"] = active
    return out

def _schedule_fields(v: dict[str, Any], today: date) -> dict[str, Any]:
    unit = _choice(v.get("unit") or "month", "unit", ("day", "week", "month", "dates"))
    every = _whole(v.get("every", 1) if unit != "dates" else 1, "every", 1, 366)
    raw_dates = v.get("dates") or []
    if isinstance(raw_dates, str):
        raw_dates = [d for d in raw_dates.replace("，", ",").replace(";", ",").split(",") if d.strip()]
    if not isinstance(raw_dates, list) or len(raw_dates) > 366:
        raise MaintenanceError("dates: a list of at most 366 dates")
    try:
        dates = sorted({parse_date_spec(str(d)) for d in raw_dates}) if unit == "dates" else []
    except ScheduleError as exc:
        raise MaintenanceError(f"dates: {exc}") from None
    start = _day(v.get("start_date"), "start_date") or today
    end = _day(v.get("end_date"), "end_date")
    try:
        Schedule(unit, every, start, end, tuple(dates))
    except ScheduleError as exc:
        raise MaintenanceError(f"{'dates' if unit == 'dates' else 'end_date' if end else 'every'}: {exc}") from None
    return {"unit": unit, "every": every, "dates": dates, "start_date": start, "end_date": end}


def _text(value: Any, name: str, limit: int) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > limit:
        raise MaintenanceError(f"{name}: longer than {limit} characters")
    return text


def _choice(value: Any, name: str, options: tuple[str, ...]) -> str:
    if value not in options:
        raise MaintenanceError(f"{name}: {value!r} is not one of {', '.join(o for o in options if o)}")
    return str(value)


def _whole(value: Any, name: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip() or 0)
    except ValueError:
        raise MaintenanceError(f"{name}: {value!r} is not a whole number") from None
    if isinstance(value, float) and value != number or not low <= number <= high:
        raise MaintenanceError(f"{name}: a whole number from {low} to {high}")
    return number


def _day(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise MaintenanceError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def _checklist(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    items = value.splitlines() if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise MaintenanceError("checklist: a list of items (text)")
    items = [i.strip() for i in items if i.strip()]
    if len(items) > 50:
        raise MaintenanceError("checklist: at most 50 items")
    for i, item in enumerate(items, start=1):
        if len(item) > 200:
            raise MaintenanceError(f"checklist: item {i} is longer than 200 characters")
    return items
