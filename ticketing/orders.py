"""The fields of the service types that carry more than a description.

A meal order (订餐) names dishes from the day's menu with quantities and a delivery time; it must
come in before the meal's cut-off, and where the catalog says so the ward head approves it before
the kitchen gets it. A cleaning task (保洁) names the area and the kind of cleaning, terminal
disinfection (终末消毒) among them. Both live in ``ticket.details`` — these functions turn what a
desk or API sent into the one normalised shape the slips, SMS and statistics read
(docs/CONTRACTS.md, "Slip snapshot"), or refuse it with a reason the operator can fix.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.model import Location, MenuItem

MAX_LINES = 20
MAX_QTY = 50
# The kitchen delivers at these local times unless the order says otherwise.
DEFAULT_DELIVERY = {"breakfast": time(7, 0), "lunch": time(11, 30), "dinner": time(17, 30)}
CLEANING_KINDS = ("routine", "spill", "deep", "terminal_disinfection", "medical_waste")
CONVEYANCES = ("walking", "wheelchair", "bed")  # 步行, 轮椅, 平车
ISOLATIONS = ("", "contact", "droplet", "airborne", "protective")  # 接触, 飞沫, 空气, 保护性隔离
MAX_AHEAD = timedelta(days=14)
APPROVAL_STATES = ("pending", "approved", "rejected")


class DetailsError(ValueError):
    """The order's fields are wrong in a way the operator can fix."""


def normalise_details(s: Session | None, form: str, details: dict[str, Any], now: datetime,
                      tz: tzinfo) -> dict[str, Any]:
    """``details`` checked and normalised for a service type whose form is ``form``
    (``meal`` | ``cleaning`` | ``escort`` | ``""``). Keys other forms own are refused, not
    silently kept. ``s`` reads the menus and the locations: a meal or escort form needs it."""
    if not isinstance(details, dict):
        raise DetailsError("details must be an object")
    out = {k: v for k, v in details.items() if k not in ("meal", "cleaning", "approval", "escort")}
    unknown = set(out)
    if unknown:
        raise DetailsError(f"unknown detail field(s): {', '.join(sorted(map(str, unknown)))}")
    if "escort" in details and form != "escort":
        raise DetailsError("this service type takes no escort fields")
    if form == "escort":
        if "meal" in details or "cleaning" in details:
            raise DetailsError("an escort takes no meal or cleaning fields")
        if "escort" in details:  # without them it is a plain transport (specimens, goods)
            if s is None:
                raise TypeError("an escort is checked against the locations: give a session")
            out["escort"] = normalise_escort(s, details["escort"], now, tz)
    elif form == "meal":
        if "cleaning" in details:
            raise DetailsError("a meal order has no cleaning fields")
        if "meal" in details:  # a call can come first and the dishes later (dispatch waits)
            if s is None:
                raise TypeError("a meal order is checked against the menus: give a session")
            out["meal"] = normalise_meal(s, details["meal"], now, tz)
    elif form == "cleaning":
        if "meal" in details:
            raise DetailsError("a cleaning task has no meal fields")
        out["cleaning"] = normalise_cleaning(details.get("cleaning"))
    elif "meal" in details or "cleaning" in details:
        raise DetailsError("this service type takes no meal or cleaning fields")
    return out


# --- meal orders ---------------------------------------------------------------------------

def normalise_meal(s: Session, meal: Any, now: datetime, tz: tzinfo) -> dict[str, Any]:
    """Dishes from one menu (one day, one meal), their prices frozen as the menu has them now,
    the total, and a delivery time on that day that is still to come; refused after cut-off."""
    if not isinstance(meal, dict):
        raise DetailsError("a meal order needs meal: {items: [{code, qty}], delivery_time}")
    lines = meal.get("items")
    if not isinstance(lines, list) or not lines:
        raise DetailsError("a meal order needs at least one dish")
    if len(lines) > MAX_LINES:
        raise DetailsError(f"at most {MAX_LINES} dishes in one order")
    wanted: dict[str, int] = {}
    for n, line in enumerate(lines, 1):
        if not isinstance(line, dict) or not isinstance(line.get("code"), str) or not line["code"]:
            raise DetailsError(f"dish {n}: needs a menu code")
        qty = line.get("qty", 1)
        if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= MAX_QTY:
            raise DetailsError(f"dish {n} ({line['code']}): quantity must be a whole number 1..{MAX_QTY}")
        wanted[line["code"]] = wanted.get(line["code"], 0) + qty
    items = {m.code: m for m in s.scalars(select(MenuItem).where(MenuItem.code.in_(list(wanted))))}
    missing = [c for c in wanted if c not in items or not items[c].active]
    if missing:
        raise DetailsError(f"not on any current menu: {', '.join(missing)}")
    menus = {(items[c].menu_date, items[c].meal) for c in wanted}
    if len(menus) > 1:
        raise DetailsError("one order takes dishes of one meal on one day; make one order per meal")
    menu_date, meal_name = menus.pop()
    if any(wanted[c] > MAX_QTY for c in wanted):
        raise DetailsError(f"at most {MAX_QTY} of one dish")
    cutoff = cutoff_at(menu_date, items[next(iter(wanted))].cutoff, tz)
    if cutoff is not None and now > cutoff:
        raise DetailsError(f"orders for {meal_name} on {menu_date:%Y-%m-%d} closed at "
                           f"{cutoff.astimezone(tz):%H:%M}")
    delivery = _delivery(meal.get("delivery_time"), menu_date, meal_name, tz)
    if delivery < now:
        raise DetailsError(f"delivery time {delivery.astimezone(tz):%Y-%m-%d %H:%M} has passed")
    if delivery.astimezone(tz).date() != menu_date:
        raise DetailsError(f"deliver on the menu's day, {menu_date:%Y-%m-%d}")
    out_items = [{"code": c, "name": items[c].name, "name_en": items[c].name_en, "diet": items[c].diet,
                  "qty": q, "price": f"{items[c].price:.2f}"} for c, q in wanted.items()]
    total = sum((items[c].price * q for c, q in wanted.items()), Decimal(0))
    note = meal.get("note", "")
    if not isinstance(note, str) or len(note) > 200:
        raise DetailsError("the order's note must be text of at most 200 characters")
    return {"items": out_items, "menu_date": menu_date.isoformat(), "meal": meal_name,
            "delivery_time": delivery.isoformat(), "total": f"{total:.2f}", "note": note}


def cutoff_at(day: date, cutoff: str, tz: tzinfo) -> datetime | None:
    """When orders for a menu of ``day`` close (``cutoff`` is HH:MM local), or None."""
    return _on(day, cutoff, tz) if cutoff else None


def _on(day: date, hhmm: str, tz: tzinfo) -> datetime:
    """``HH:MM`` local time on ``day``."""
    hh, mm = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(hh, mm), tz)


def _delivery(value: Any, day: date, meal: str, tz: tzinfo) -> datetime:
    if value in (None, ""):
        return datetime.combine(day, DEFAULT_DELIVERY.get(meal, time(12, 0)), tz)
    if not isinstance(value, str):
        raise DetailsError("delivery_time must be HH:MM or an ISO date-time")
    try:
        if len(value) <= 5 and ":" in value:  # "11:30" on the menu's day
            return _on(day, value, tz)
        when = datetime.fromisoformat(value)
    except ValueError:
        raise DetailsError(f"delivery_time {value!r} is not HH:MM or an ISO date-time") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=tz)


def approval_of(details: dict[str, Any]) -> dict[str, Any] | None:
    value = details.get("approval")
    return value if isinstance(value, dict) else None


def needs_approval(details: dict[str, Any]) -> bool:
    """True while a required approval has not been given (pending or rejected)."""
    a = approval_of(details)
    return a is not None and a.get("state") != "approved"


def set_approval(details: dict[str, Any], required: str, state: str, by: str, at: datetime,
                 note: str = "") -> dict[str, Any]:
    assert state in APPROVAL_STATES
    return {**details, "approval": {"required": required, "state": state, "by": by,
                                    "at": at.isoformat() if state != "pending" else "", "note": note[:200]}}


# --- escorts (陪检/运送) ---------------------------------------------------------------------

def normalise_escort(s: Session, escort: Any, now: datetime, tz: tzinfo) -> dict[str, Any]:
    """A patient taken from a ward to an examination: who (name, bed), from and to (location
    codes, which must exist), the appointment (HH:MM today or an ISO time, not past, at most
    two weeks ahead), the conveyance, oxygen on the way, isolation."""
    if not isinstance(escort, dict):
        raise DetailsError("an escort needs escort: {patient_name, from, to, appointment, conveyance}")
    # as sent, or sent back as stored (its places as dicts, the pickup time worked out again)
    known = {"patient_name", "bed", "from", "to", "appointment", "conveyance", "oxygen", "isolation",
             "exam", "note", "pickup_at"}
    unknown = set(escort) - known
    if unknown:
        raise DetailsError(f"unknown escort field(s): {', '.join(sorted(map(str, unknown)))}")
    name = _short(escort.get("patient_name"), 50, "the patient's name")
    if not name:
        raise DetailsError("an escort needs the patient's name")
    bed, exam = _short(escort.get("bed"), 20, "the bed"), _short(escort.get("exam"), 50, "the examination")
    note = _short(escort.get("note"), 200, "the note")
    codes = {}
    for end in ("from", "to"):
        code = escort.get(end)
        if isinstance(code, dict):
            code = code.get("code")
        if not isinstance(code, str) or not code.strip():
            raise DetailsError(f"an escort needs the location it goes {end} (a location code)")
        codes[end] = code.strip()
    if codes["from"] == codes["to"]:
        raise DetailsError("an escort goes from one location to another")
    places = {loc.code: loc for loc in s.scalars(select(Location).where(Location.code.in_(list(codes.values()))))}
    for end, code in codes.items():
        if code not in places or not places[code].active:
            raise DetailsError(f"{end}: unknown location code {code!r}")
    conveyance = escort.get("conveyance") or "walking"
    if conveyance not in CONVEYANCES:
        raise DetailsError(f"conveyance must be one of {', '.join(CONVEYANCES)}")
    isolation = escort.get("isolation") or ""
    if isolation not in ISOLATIONS:
        raise DetailsError(f"isolation must be one of {', '.join(i for i in ISOLATIONS if i)} or none")
    oxygen = escort.get("oxygen", False)
    if not isinstance(oxygen, bool):
        raise DetailsError("oxygen must be true or false")
    appointment = _appointment(escort.get("appointment"), now, tz)
    return {"patient_name": name, "bed": bed, "from": _place(places[codes["from"]]),
            "to": _place(places[codes["to"]]), "appointment": appointment.isoformat(),
            "conveyance": conveyance, "oxygen": oxygen, "isolation": isolation, "exam": exam, "note": note}


def _appointment(value: Any, now: datetime, tz: tzinfo) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise DetailsError("an escort needs the appointment time (HH:MM today or an ISO date-time)")
    try:
        if len(value) <= 5 and ":" in value:
            when = _on(now.astimezone(tz).date(), value, tz)
        else:
            when = datetime.fromisoformat(value)
            when = when if when.tzinfo is not None else when.replace(tzinfo=tz)
    except ValueError:
        raise DetailsError(f"appointment {value!r} is not HH:MM or an ISO date-time") from None
    if when < now:
        raise DetailsError(f"the appointment {when.astimezone(tz):%Y-%m-%d %H:%M} has passed")
    if when > now + MAX_AHEAD:
        raise DetailsError("an escort is booked at most 14 days ahead")
    return when


def _place(loc: Location) -> dict[str, str]:
    return {"code": loc.code, "campus": loc.campus, "building": loc.building, "floor": loc.floor,
            "room": loc.room, "name": loc.name}


def _short(value: Any, limit: int, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise DetailsError(f"{what} must be text of at most {limit} characters")
    return value.strip()


# --- cleaning tasks ------------------------------------------------------------------------

def normalise_cleaning(cleaning: Any) -> dict[str, Any]:
    if cleaning is None:
        cleaning = {}
    if not isinstance(cleaning, dict):
        raise DetailsError("cleaning must be {area, kind}")
    area = cleaning.get("area", "")
    kind = cleaning.get("kind", "routine") or "routine"
    if not isinstance(area, str) or len(area) > 100:
        raise DetailsError("the cleaning area must be text of at most 100 characters")
    if kind not in CLEANING_KINDS:
        raise DetailsError(f"kind of cleaning must be one of {', '.join(CLEANING_KINDS)}")
    if kind == "terminal_disinfection" and not area.strip():
        raise DetailsError("terminal disinfection needs the area (room or bed) to disinfect")
    return {"area": area.strip(), "kind": kind}


__all__ = ["CLEANING_KINDS", "CONVEYANCES", "ISOLATIONS", "DetailsError", "approval_of", "cutoff_at",
           "needs_approval", "normalise_cleaning", "normalise_details", "normalise_escort",
           "normalise_meal", "set_approval"]
