"""Statistics: the summary per service type, department, location, worker or operator, with
the daily trend and the locations reported again and again; its export as CSV or Excel
(audited). ``period_of`` and ``GroupBy`` are shared with the statistics page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from ticketing.audit import audit
from ticketing.stats import Period, repeat_locations, summary
from web import export
from web.deps import Exporter, Reader, web_state

router = APIRouter(prefix="/api", tags=["statistics"])

GroupBy = Literal["service_type", "department", "location", "worker", "operator"]


def period_of(web: Any, first: date | None, last: date | None) -> tuple[date, date, Period]:
    """The days asked for (default the last 30 up to today, in the center's time zone)."""
    today = web.deps.clock.now().astimezone(web.tz).date()
    last = last or today
    first = first or last - timedelta(days=29)
    if first > last:
        raise HTTPException(400, "first must not be after last")
    if (last - first).days > 366 * 3:
        raise HTTPException(400, "at most three years at a time")
    return first, last, Period.days(first, last, web.tz)


@router.get("/stats/summary")
def stats_summary(request: Request, user: Reader, first: date | None = None,
                  last: date | None = None, group_by: GroupBy = "service_type") -> dict[str, Any]:
    """Per group: tickets, done, response/completion p50/p90 (s), hit rates, satisfaction."""
    web = web_state(request)
    first, last, period = period_of(web, first, last)
    with web.deps.store.session() as s:
        rows = summary(s, period, group_by)
        trend = export.daily_trend(s, first, last)
        repeats = repeat_locations(s, period)
    return user.redact({"first": first.isoformat(), "last": last.isoformat(),
                        "group_by": group_by, "rows": rows, "trend": trend,
                        "repeat_locations": repeats})


@router.get("/stats/export")
def stats_export(request: Request, user: Exporter, first: date | None = None,
                 last: date | None = None, group_by: GroupBy = "service_type",
                 fmt: Literal["csv", "xlsx"] = "csv") -> Response:
    """The summary as CSV or Excel (the export is audited)."""
    web = web_state(request)
    first, last, period = period_of(web, first, last)
    with web.deps.store.session() as s:
        rows = user.redact(summary(s, period, group_by))
        trend = export.daily_trend(s, first, last)
        audit(s, web.deps.clock.now(), user.username, "export", f"stats:{group_by}", "export", None,
              {"first": first.isoformat(), "last": last.isoformat(), "format": fmt,
               "rows": len(rows)})
    name = f"onestop-{group_by}-{first.isoformat()}-{last.isoformat()}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return Response(export.to_csv(rows), media_type="text/csv; charset=utf-8", headers=disposition)
    return Response(export.to_xlsx(rows, trend, group_by),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers=disposition)
