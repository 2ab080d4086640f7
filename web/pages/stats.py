"""The statistics page (统计): for a period and a grouping (service type, department, location,
worker, operator — each group by its name), the period's figures, charts of counts, time-limit
hit rates, satisfaction and durations per group (Apache ECharts, ``web/static/charts.js``),
the trend at a grain that fits the period (hours for a day, days, months for a year), a paged
table of every group and links to the CSV / Excel export."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ticketing.stats import summary, totals
from web import export, labels
from web.api.stats import GroupBy, period_of
from web.deps import ReadPage, web_state
from web.names import Names
from web.paging import page_number, page_of

router = APIRouter(include_in_schema=False)

GROUPS = ("service_type", "department", "location", "worker", "operator")
CHART_GROUPS = 15  # the charts show the groups with most tickets; the table has them all
TABLE_SIZE = 20


def group_names(s: Any, group_by: str, keys: list[str], words: dict[str, str], language: str) -> dict[str, str]:
    """Each group's name: a service type's, a department's, a room's, a worker's, a user's."""
    names = Names(s, words, language)
    found: dict[str, str] = {
        "service_type": lambda: {k: labels.label("svc", k, words) for k in keys},
        "department": lambda: names.orgs(keys),
        "location": lambda: names.places(keys),
        "worker": lambda: names.staff(keys),
        "operator": lambda: names.users(keys),
    }[group_by]()
    return {k: found.get(k) or words.get("unassigned", "—") for k in keys} | {"": words.get("unassigned", "—")}


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _pct(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def charts(rows: list[dict[str, Any]], names: dict[str, str], points: list[dict[str, Any]], grain: str,
           words: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The chart specs ``web/static/charts.js`` draws (one per ``data-chart``)."""
    top = sorted(rows, key=lambda r: -r["tickets"])[:CHART_GROUPS]
    cats = [r.get("name") or names.get(r["group"], r["group"]) for r in top]
    t = words.get
    at = {"hour": lambda p: p["at"][11:16] if len(points) <= 24 else p["at"][5:10] + " " + p["at"][11:13] + t("hour_suffix", "h"),
          "day": lambda p: p["at"][5:], "month": lambda p: p["at"]}[grain]
    return {
        "counts": {"kind": "bar", "categories": cats, "horizontal": True, "series": [
            {"name": t("tickets"), "data": [r["tickets"] for r in top]},
            {"name": t("done"), "data": [r["done"] for r in top]}]},
        "rates": {"kind": "bar", "categories": cats, "horizontal": True, "unit": "%", "max": 100, "series": [
            {"name": t("response_hit"), "data": [_pct(r["response_hit_rate"]) for r in top]},
            {"name": t("completion_hit"), "data": [_pct(r["completion_hit_rate"]) for r in top]}]},
        "satisfaction": {"kind": "bar", "categories": cats, "horizontal": True, "max": 5, "series": [
            {"name": t("satisfaction"), "data": [r["satisfaction"] for r in top]}]},
        "durations": {"kind": "bar", "categories": cats, "horizontal": True, "unit": t("minutes_unit"), "series": [
            {"name": t("response_p50"), "data": [_minutes(r["response_p50_s"]) for r in top]},
            {"name": t("completion_p50"), "data": [_minutes(r["completion_p50_s"]) for r in top]},
            {"name": t("completion_p90"), "data": [_minutes(r["completion_p90_s"]) for r in top]}]},
        "trend": {"kind": "line", "categories": [at(p) for p in points], "series": [
            {"name": t("created_n"), "data": [p["created"] for p in points]},
            {"name": t("done"), "data": [p["done"] for p in points]},
            {"name": t("satisfaction"), "data": [p["satisfaction"] for p in points], "axis": 1, "max": 5}]},
    }


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, user: ReadPage, first: date | None = None,
               last: date | None = None, group_by: GroupBy = "service_type", page: str = "1") -> Response:
    web = web_state(request)
    first, last, period = period_of(web, first, last)
    language = web.language(user)
    words = web.words(language)
    with web.deps.store.session() as s:
        rows = summary(s, period, group_by)
        figures = totals(s, first, last)
        trend = export.trend(s, first, last, web.tz)
        names = group_names(s, group_by, [r["group"] for r in rows], words, language)
    for r in rows:  # each group by its name, then as this user may see it (viewers: numbers masked)
        r["name"] = names.get(r["group"], r["group"])
    rows = user.redact(rows)
    today = web.deps.clock.now().astimezone(web.tz).date()
    table = page_of(sorted(rows, key=lambda r: -r["tickets"]), page_number(page), TABLE_SIZE, "/stats",
                    {"first": first.isoformat(), "last": last.isoformat(), "group_by": group_by})
    return web.render(request, "stats.html", user, {
        "rows": table, "names": names, "first": first, "last": last, "group_by": group_by,
        "groups": GROUPS, "figures": figures, "grain": trend["grain"],
        "charts": charts(rows, names, trend["points"], trend["grain"], words),
        "quick": [("today", today, today), ("last_7", today - timedelta(days=6), today),
                  ("last_30", today - timedelta(days=29), today),
                  ("this_year", date(today.year, 1, 1), today)]})
