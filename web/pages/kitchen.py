"""The kitchen's pages: the day's meals (厨房: each meal's cut-off, whether its production
summary printed, the summary by dish, diet and ward) and the meal statistics (订餐统计, under
the statistics) with a chart and the export."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ticketing.meal_stats import meal_summary, meal_totals
from web.api.kitchen import MealGroup, kitchen_day, localized, meal_lines
from web.deps import ReadPage, web_state
from web.i18n import translator

router = APIRouter(include_in_schema=False)


@router.get("/kitchen", response_class=HTMLResponse)
def kitchen_page(request: Request, user: ReadPage, day: date | None = None) -> Response:
    web = web_state(request)
    day = day or web.deps.clock.now().astimezone(web.tz).date()
    with web.deps.store.session() as s:
        meals = kitchen_day(web, s, day, user.language)
    return web.render(request, "kitchen.html", user, {"day": day, "meals": meals})


@router.get("/stats/meals", response_class=HTMLResponse)
def meals_page(request: Request, user: ReadPage, first: date | None = None, last: date | None = None,
               group_by: MealGroup = "ward") -> Response:
    web = web_state(request)
    t = translator(user.language)
    first, last, lines = meal_lines(web, first, last, user.language)
    rows = [localized(r, group_by, t) for r in meal_summary(lines, group_by)]
    top = rows[:20]
    chart = {"kind": "bars", "categories": [r["label"] for r in top], "unit": t("kitchen_portions"),
             "series": [{"name": t("kitchen_portions"), "data": [r["portions"] for r in top]}]}
    return web.render(request, "meals.html", user, {
        "rows": rows, "totals": meal_totals(lines), "first": first, "last": last, "group_by": group_by,
        "groups": ["ward", "dish", "diet", "meal", "day"], "chart": json.dumps(chart, ensure_ascii=False)})


def board_meals(web: Any, s: Any, language: str) -> list[dict[str, Any]]:
    """Today's meals for the board: cut-off, state and portions so far."""
    day = web.deps.clock.now().astimezone(web.tz).date()
    return kitchen_day(web, s, day, language)
