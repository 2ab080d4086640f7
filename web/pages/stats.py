"""The statistics page (统计): the summary per group with bars and the daily trend drawn as
inline SVG on the server (no chart script needed), and links to the CSV / Excel export."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ticketing.stats import summary
from web import export
from web.api.stats import GroupBy, period_of
from web.deps import ReadPage, web_state

router = APIRouter(include_in_schema=False)


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, user: ReadPage, first: date | None = None,
               last: date | None = None, group_by: GroupBy = "service_type") -> Response:
    web = web_state(request)
    first, last, period = period_of(web, first, last)
    with web.deps.store.session() as s:
        rows = user.redact(summary(s, period, group_by))
        trend = export.daily_trend(s, first, last)
    return web.render(request, "stats.html", user, {
        "rows": rows, "trend": trend, "first": first, "last": last, "group_by": group_by,
        "groups": ["service_type", "department", "location", "worker", "operator"],
        "bars": _bars(rows), "spark": _trend_svg(trend)})


def _bars(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Horizontal bars for the tickets per group (inline SVG geometry)."""
    top = max((r["tickets"] for r in rows), default=0) or 1
    return [{"label": r["group"] or "—", "n": r["tickets"], "w": round(560 * r["tickets"] / top, 1),
             "y": i * 26} for i, r in enumerate(rows[:30])]


def _trend_svg(trend: list[dict[str, Any]]) -> dict[str, Any]:
    """Polyline points for created/done per day and satisfaction, in a 720×180 box."""
    if not trend:
        return {"created": "", "done": "", "sat": "", "max": 0, "days": []}
    top = max(max(d["created"], d["done"]) for d in trend) or 1
    step = 720 / max(1, len(trend) - 1)

    def pts(key: str, scale: float) -> str:
        return " ".join(f"{i * step:.1f},{170 - (d[key] or 0) * scale:.1f}"
                        for i, d in enumerate(trend) if d[key] is not None)

    return {"created": pts("created", 160 / top), "done": pts("done", 160 / top),
            "sat": pts("satisfaction", 160 / 5), "max": top,
            "days": [trend[0]["day"], trend[-1]["day"]]}
