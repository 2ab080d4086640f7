"""Meal statistics (阶段性的订餐情况统计): what was ordered, from the orders' own lines — dishes
and portions, not tickets — by ward, dish, diet, meal and day, with the amounts and the share
delivered on time (done by the delivery time plus the catalog's ``on_time`` target).

An order counts for its menu day; cancelled and merged orders do not count, nor do orders
still waiting for (or refused) the ward head's approval.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ticketing.catalog import Catalog
from ticketing.kitchen import MEALS, meal_tickets, org_names

GROUPS = ("ward", "dish", "diet", "meal", "day")
MAX_DAYS = 366


class MealQueryError(ValueError):
    pass


def order_lines(s: Session, catalog: Catalog, first: date, last: date, tz: ZoneInfo,
                language: str = "zh-CN") -> list[dict[str, Any]]:
    """One row per dish of every counted order of the menu days ``first``..``last``."""
    if (last - first).days >= MAX_DAYS or first > last:
        raise MealQueryError(f"meal statistics cover 1..{MAX_DAYS} days at a time")
    orgs = org_names(s, language)
    out = []
    for t in meal_tickets(s, catalog, first, last, tz):
        details = t.details or {}
        if (details.get("approval") or {}).get("state") in ("pending", "rejected"):
            continue
        meal = details["meal"]
        on_time = None if t.done_at is None else bool(t.completion_met)
        for i in meal.get("items", []):
            qty = int(i.get("qty", 0))
            price = Decimal(str(i.get("price") or 0))
            out.append({"ticket_id": t.id, "day": meal["menu_date"], "meal": meal["meal"],
                        "department": t.org_code or "", "department_name": orgs.get(t.org_code, ""),
                        "code": i.get("code", ""),
                        "dish": (i.get("name_en") if language == "en" else "") or i.get("name", ""),
                        "diet": i.get("diet", "regular"), "qty": qty, "price": f"{price:.2f}",
                        "amount": f"{price * qty:.2f}", "on_time": on_time})
    return out


def meal_summary(lines: list[dict[str, Any]], group_by: str) -> list[dict[str, Any]]:
    """Per group: orders, portions, amount, done orders and the share of them on time."""
    if group_by not in GROUPS:
        raise MealQueryError(f"group_by must be one of {', '.join(GROUPS)}")
    groups: dict[str, dict[str, Any]] = {}
    for ln in lines:
        key, label = {"ward": (ln["department"], ln["department_name"] or ln["department"]),
                      "dish": (ln["code"], ln["dish"]), "diet": (ln["diet"], ln["diet"]),
                      "meal": (ln["meal"], ln["meal"]), "day": (ln["day"], ln["day"])}[group_by]
        g = groups.setdefault(key, {"group": key, "label": label, "orders": set(), "portions": 0,
                                    "amount": Decimal(0), "done": set(), "on_time": set()})
        g["orders"].add(ln["ticket_id"])
        g["portions"] += ln["qty"]
        g["amount"] += Decimal(ln["amount"])
        if ln["on_time"] is not None:
            g["done"].add(ln["ticket_id"])
            if ln["on_time"]:
                g["on_time"].add(ln["ticket_id"])
    rows = [{"group": g["group"], "label": g["label"], "orders": len(g["orders"]), "portions": g["portions"],
             "amount": f"{g['amount']:.2f}", "done": len(g["done"]),
             "on_time_rate": round(len(g["on_time"]) / len(g["done"]), 3) if g["done"] else None}
            for g in groups.values()]
    order = {"day": lambda r: r["group"], "meal": lambda r: MEALS.index(r["group"]) if r["group"] in MEALS else 9}
    return sorted(rows, key=order.get(group_by, lambda r: (-r["portions"], r["group"])))


def meal_totals(lines: list[dict[str, Any]]) -> dict[str, Any]:
    done = {ln["ticket_id"] for ln in lines if ln["on_time"] is not None}
    on_time = {ln["ticket_id"] for ln in lines if ln["on_time"]}
    return {"orders": len({ln["ticket_id"] for ln in lines}), "portions": sum(ln["qty"] for ln in lines),
            "amount": f"{sum((Decimal(ln['amount']) for ln in lines), Decimal(0)):.2f}", "done": len(done),
            "on_time_rate": round(len(on_time) / len(done), 3) if done else None}
