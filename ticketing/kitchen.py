"""The kitchen's day: each meal's cut-off, and the production summary (备餐单) of the orders
it closed — dishes × portions by diet and by ward, with the amounts.

Read side only: ``ticketing.commands.kitchen`` makes the printed summary, once per meal and
day, at the cut-off; the desk's kitchen page reads the same summary live. An order counts
for a meal when its details name that menu day and meal and it is neither cancelled nor
merged; one still waiting for the ward head's approval is listed apart (``pending``): the
kitchen decides whether to cook it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.catalog import Catalog
from ticketing.model import MenuItem, OrgUnit, Ticket
from ticketing.orders import cutoff_at

MEALS = ("breakfast", "lunch", "dinner")
ORDER_AHEAD_DAYS = 8  # menus cover a week: an order is placed at most this long before its day


@dataclass(frozen=True)
class MealOfDay:
    day: date
    meal: str
    cutoff: datetime | None  # None: the menu has no cut-off (orders until delivery)


def meals_of_day(s: Session, day: date, tz: ZoneInfo) -> list[MealOfDay]:
    """The meals on ``day``'s menus with their cut-off (the earliest of their dishes')."""
    rows = s.execute(select(MenuItem.meal, func.min(MenuItem.cutoff))
                     .where(MenuItem.menu_date == day, MenuItem.active.is_(True))
                     .group_by(MenuItem.meal)).all()
    found = {meal: cutoff_at(day, cutoff, tz) if cutoff else None for meal, cutoff in rows}
    return [MealOfDay(day, m, found[m]) for m in sorted(found, key=lambda m: MEALS.index(m) if m in MEALS else 9)]


def meal_tickets(s: Session, catalog: Catalog, first: date, last: date, tz: ZoneInfo) -> list[Ticket]:
    """Meal orders (tickets of the ``meal`` form with dishes) for menu days ``first``..``last``,
    not cancelled or merged: read by the days they can have been placed on."""
    types = [k for k, st in catalog.types.items() if st.form == "meal"]
    if not types:
        return []
    since = datetime.combine(first - timedelta(days=ORDER_AHEAD_DAYS), time(0), tz)
    until = datetime.combine(last + timedelta(days=1), time(0), tz)
    tickets = s.scalars(select(Ticket).where(
        Ticket.service_type.in_(types), Ticket.created_at >= since, Ticket.created_at < until,
        Ticket.status.not_in(("cancelled", "merged"))).order_by(Ticket.id))
    out = []
    for t in tickets:
        meal = (t.details or {}).get("meal")
        if isinstance(meal, dict) and first.isoformat() <= str(meal.get("menu_date", "")) <= last.isoformat():
            out.append(t)
    return out


def org_names(s: Session, language: str = "zh-CN") -> dict[str, str]:
    return {code: (name_en if language == "en" and name_en else name)
            for code, name, name_en in s.execute(select(OrgUnit.code, OrgUnit.name, OrgUnit.name_en))}


def summary(tickets: Iterable[Ticket], day: date, meal: str, tz: ZoneInfo,
            orgs: dict[str, str]) -> dict[str, Any]:
    """The production summary of ``meal`` on ``day`` from the meal orders ``tickets``."""
    dishes: dict[tuple[str, str], dict[str, Any]] = {}
    diets: dict[str, int] = {}
    wards: dict[str, dict[str, Any]] = {}
    orders = portions = 0
    amount = Decimal(0)
    pending_tickets: list[int] = []
    pending_orders = pending_portions = 0
    for t in tickets:
        m = (t.details or {}).get("meal") or {}
        if m.get("menu_date") != day.isoformat() or m.get("meal") != meal:
            continue
        items = [i for i in m.get("items", []) if isinstance(i, dict)]
        n = sum(int(i.get("qty", 0)) for i in items)
        if (t.details or {}).get("approval", {}).get("state") == "pending":
            pending_orders += 1
            pending_portions += n
            pending_tickets.append(t.id)
            continue
        orders += 1
        portions += n
        amount += Decimal(str(m.get("total") or 0))
        ward = wards.setdefault(t.org_code or "", {"org_code": t.org_code or "", "name": orgs.get(t.org_code, ""),
                                                   "orders": 0, "portions": 0, "items": {}, "delivery": set()})
        ward["orders"] += 1
        ward["portions"] += n
        if m.get("delivery_time"):
            ward["delivery"].add(datetime.fromisoformat(m["delivery_time"]).astimezone(tz).strftime("%H:%M"))
        for i in items:
            key = (str(i.get("code", "")), str(i.get("diet", "regular")))
            qty = int(i.get("qty", 0))
            d = dishes.setdefault(key, {"code": key[0], "name": i.get("name", ""), "name_en": i.get("name_en", ""),
                                        "diet": key[1], "qty": 0, "amount": Decimal(0)})
            d["qty"] += qty
            d["amount"] += Decimal(str(i.get("price") or 0)) * qty
            diets[key[1]] = diets.get(key[1], 0) + qty
            w = ward["items"].setdefault(key, {"name": i.get("name", ""), "name_en": i.get("name_en", ""),
                                               "diet": key[1], "qty": 0})
            w["qty"] += qty
    return {
        "kind": "prep", "menu_date": day.isoformat(), "meal": meal, "orders": orders, "portions": portions,
        "amount": f"{amount:.2f}",
        "dishes": [{**d, "amount": f"{d['amount']:.2f}"} for d in sorted(dishes.values(),
                                                                          key=lambda d: (-d["qty"], d["code"]))],
        "diets": [{"diet": k, "qty": v} for k, v in sorted(diets.items(), key=lambda kv: (-kv[1], kv[0]))],
        "wards": [{**w, "items": sorted(w["items"].values(), key=lambda i: (-i["qty"], i["name"])),
                   "delivery": sorted(w["delivery"])}
                  for w in sorted(wards.values(), key=lambda w: (w["name"] or "~", w["org_code"]))],
        "pending": {"orders": pending_orders, "portions": pending_portions, "tickets": pending_tickets},
    }


def day_summaries(s: Session, catalog: Catalog, day: date, tz: ZoneInfo, language: str = "zh-CN") -> list[dict[str, Any]]:
    """Each meal of ``day`` with its cut-off and its summary as it stands now."""
    tickets = meal_tickets(s, catalog, day, day, tz)
    orgs = org_names(s, language)
    return [{"meal": m.meal, "cutoff_at": m.cutoff.astimezone(UTC).isoformat() if m.cutoff else None,
             "summary": summary(tickets, day, m.meal, tz, orgs)} for m in meals_of_day(s, day, tz)]
