"""Escorts (陪检/运送) over the API: a day's escorts (patients masked for viewers) and the
escort statistics — requests, on time on the ward and to the appointment — by conveyance,
department, isolation or day, with their export. An escort is booked as a ticket of the
``transport`` service type with ``details.escort`` (``POST /api/tickets``)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from ticketing.audit import audit
from ticketing.escort_stats import EscortQueryError, escort_summary, escorts, figures
from ticketing.lifecycle import label
from web.api.stats import period_of
from web.deps import Exporter, Reader, web_state
from web.i18n import translator
from web.security import mask_name
from web.tables import Sheet, download

router = APIRouter(prefix="/api", tags=["escorts"])

EscortGroup = Literal["conveyance", "department", "isolation", "day"]
SUMMARY_COLUMNS = ("label", "requests", "done", "cancelled", "on_ward_rate", "on_time_rate", "oxygen", "isolation")
DETAIL_COLUMNS = ("ticket_id", "day", "department", "department_name", "conveyance", "isolation", "oxygen",
                  "status", "appointment", "pickup", "on_ward", "on_time", "late_min")


def escort_rows(web: Any, first: date, last: date, language: str) -> list[dict[str, Any]]:
    with web.deps.store.session() as s:
        try:
            return escorts(s, web.deps.service.catalog, first, last, web.tz, language)
        except EscortQueryError as exc:
            raise HTTPException(400, str(exc)) from None


def day_list(web: Any, day: date, user: Any) -> list[dict[str, Any]]:
    """The escorts of ``day`` by appointment, as the escort page lists them."""
    rows = sorted(escort_rows(web, day, day, user.language), key=lambda r: (r["appointment"], r["ticket_id"]))
    out = []
    for r in rows:
        item = {k: v for k, v in r.items() if k not in ("appointment", "pickup")}
        item["appointment"], item["pickup"] = r["appointment"].isoformat(), r["pickup"].isoformat()
        if user.masked:
            item["patient_name"] = mask_name(item["patient_name"])
        out.append(item)
    return out


def localized(row: dict[str, Any], group_by: str, t: Any) -> dict[str, Any]:
    label = row["label"]
    if group_by == "conveyance":
        label = t("escort_conveyance:" + row["group"])
    elif group_by == "isolation":
        label = t("escort_isolation:" + (row["group"] or "none"))
    elif group_by == "department" and not label:
        label = t("meals_no_ward")
    return {**row, "label": label}


@router.get("/escorts")
def day_escorts(request: Request, user: Reader, day: date | None = None) -> dict[str, Any]:
    """The escorts with an appointment on ``day`` (default today), in appointment order."""
    web = web_state(request)
    day = day or web.deps.clock.now().astimezone(web.tz).date()
    return {"day": day.isoformat(), "escorts": day_list(web, day, user)}


@router.get("/stats/escort")
def escort_stats(request: Request, user: Reader, first: date | None = None, last: date | None = None,
                 group_by: EscortGroup = "conveyance") -> dict[str, Any]:
    """Requests, done, cancelled, on time on the ward and to the appointment, per group."""
    web = web_state(request)
    first, last, _period = period_of(web, first, last)
    rows = escort_rows(web, first, last, user.language)
    t = translator(user.language)
    return {"first": first.isoformat(), "last": last.isoformat(), "group_by": group_by,
            "rows": [localized(r, group_by, t) for r in escort_summary(rows, group_by)], "totals": figures(rows)}


@router.get("/stats/escort/export")
def escort_export(request: Request, user: Exporter, first: date | None = None, last: date | None = None,
                  group_by: EscortGroup = "conveyance", fmt: Literal["csv", "xlsx"] = "xlsx") -> Response:
    """The escort statistics as CSV, or Excel with a sheet of every escort (no patient names)."""
    web = web_state(request)
    first, last, _period = period_of(web, first, last)
    rows = escort_rows(web, first, last, user.language)
    t = translator(user.language)
    summary = [localized(r, group_by, t) for r in escort_summary(rows, group_by)]
    with web.deps.store.session() as s:
        audit(s, web.deps.clock.now(), user.username, "export", f"escort:{group_by}", "export", None,
              {"first": first.isoformat(), "last": last.isoformat(), "format": fmt, "rows": len(summary)})

    def word(value: Any) -> Any:
        return "" if value is None else t("escort_yes" if value else "escort_no") if isinstance(value, bool) else value

    detail = [{**{k: word(v) for k, v in r.items()},
               "conveyance": t("escort_conveyance:" + r["conveyance"]),
               "isolation": t("escort_isolation:" + (r["isolation"] or "none")),
               "status": label(r["status"], user.language),
               "appointment": r["appointment"].astimezone(web.tz).strftime("%Y-%m-%d %H:%M"),
               "pickup": r["pickup"].astimezone(web.tz).strftime("%H:%M")} for r in rows]
    sheets = [Sheet(t("escort_stats_title"), SUMMARY_COLUMNS, [*summary, {**figures(rows), "label": t("cost_total")}]),
              Sheet(t("escort_list"), DETAIL_COLUMNS, detail)]
    return download(sheets, fmt, f"onestop-escort-{group_by}-{first.isoformat()}-{last.isoformat()}",
                    lambda c: t("escort_col_" + c))
