"""The escorts' pages (陪检): a day's escorts in appointment order with the form to book one,
and the escort statistics (under the statistics) with a chart and the export."""

from __future__ import annotations

import json
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ticketing.escort_stats import escort_summary, figures
from ticketing.lifecycle import label
from web.api.escort import EscortGroup, day_list, escort_rows, localized
from web.api.stats import period_of
from web.deps import ReadPage, web_state
from web.i18n import translator

router = APIRouter(include_in_schema=False)


@router.get("/escort", response_class=HTMLResponse)
def escort_page(request: Request, user: ReadPage, day: date | None = None) -> Response:
    web = web_state(request)
    day = day or web.deps.clock.now().astimezone(web.tz).date()
    rows = day_list(web, day, user)
    for r in rows:
        r["status_label"] = label(r["status"], user.language)
    return web.render(request, "escort.html", user, {"day": day, "rows": rows})


@router.get("/stats/escort", response_class=HTMLResponse)
def escort_stats_page(request: Request, user: ReadPage, first: date | None = None, last: date | None = None,
                      group_by: EscortGroup = "conveyance") -> Response:
    web = web_state(request)
    t = translator(user.language)
    first, last, _period = period_of(web, first, last)
    rows = escort_rows(web, first, last, user.language)
    summary = [localized(r, group_by, t) for r in escort_summary(rows, group_by)]
    top = summary[:20]
    chart = {"kind": "bars", "categories": [r["label"] for r in top], "unit": t("escort_col_requests"),
             "series": [{"name": t("escort_col_requests"), "data": [r["requests"] for r in top]},
                        {"name": t("escort_col_done"), "data": [r["done"] for r in top]}]}
    return web.render(request, "escort_stats.html", user, {
        "rows": summary, "totals": figures(rows), "first": first, "last": last, "group_by": group_by,
        "groups": ["conveyance", "department", "isolation", "day"], "chart": json.dumps(chart, ensure_ascii=False)})
