"""The kitchen's day over the API: each meal's cut-off, whether its production summary (备餐单)
printed and the summary as it stands, a reprint, and the meal statistics (by ward, dish,
diet, meal or day, with amounts) with their export."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.audit import audit
from ticketing.kitchen import day_summaries
from ticketing.meal_stats import MealQueryError, meal_summary, meal_totals, order_lines
from ticketing.model import KitchenRun, PrintJob
from web.api.stats import period_of
from web.deps import Exporter, Idempotent, Reader, Writer, web_state
from web.i18n import translator
from web.tables import Sheet, download

router = APIRouter(prefix="/api", tags=["kitchen"])

Meal = Literal["breakfast", "lunch", "dinner"]
MealGroup = Literal["ward", "dish", "diet", "meal", "day"]
SUMMARY_COLUMNS = ("label", "orders", "portions", "amount", "done", "on_time_rate")
LINE_COLUMNS = ("day", "meal", "ticket_id", "department", "department_name", "code", "dish", "diet", "qty",
                "price", "amount", "on_time")


class ReprintIn(BaseModel):
    day: date
    meal: Meal
    printer: str | None = Field(None, max_length=32)


def kitchen_day(web: Any, s: Session, day: date, language: str) -> list[dict[str, Any]]:
    """Each meal of ``day``: its cut-off, its state (open, closed, printed), the print job's
    status and the summary as it stands now."""
    now = web.deps.clock.now()
    runs = {r.meal: r for r in s.scalars(select(KitchenRun).where(KitchenRun.menu_date == day))}
    jobs = {j.id: j for j in s.scalars(select(PrintJob).where(
        PrintJob.id.in_([r.print_job_id for r in runs.values() if r.print_job_id])))} if runs else {}
    out = []
    for m in day_summaries(s, web.deps.service.catalog, day, web.tz, language):
        run = runs.get(m["meal"])
        job = jobs.get(run.print_job_id) if run and run.print_job_id else None
        cutoff = datetime.fromisoformat(m["cutoff_at"]) if m["cutoff_at"] else None
        state = "printed" if run else "open" if cutoff is None or now < cutoff else "closed"
        out.append({**m, "state": state, "printed_at": run.created_at.isoformat() if run else None,
                    "print_status": job.status if job else None, "printer": job.printer if job else None})
    return out


@router.get("/kitchen/day")
def day_view(request: Request, user: Reader, day: date | None = None) -> dict[str, Any]:
    """The meals of ``day`` (default today) with their cut-offs and production summaries."""
    web = web_state(request)
    day = day or web.deps.clock.now().astimezone(web.tz).date()
    with web.deps.store.session() as s:
        return {"day": day.isoformat(), "meals": kitchen_day(web, s, day, user.language)}


@router.post("/kitchen/reprint")
def reprint(request: Request, body: ReprintIn, user: Writer, once: Idempotent) -> Any:
    """Print a meal's production summary again, as it was at the cut-off."""
    service = web_state(request).deps.service
    return once.run(user, lambda: service.reprint_kitchen_summary(user.username, body.day, body.meal,
                                                                  body.printer),
                    lambda job: {"print_job": job}, rebuild=False)


def meal_lines(web: Any, first: date | None, last: date | None, language: str) -> tuple[date, date, list[Any]]:
    first, last, _period = period_of(web, first, last)
    with web.deps.store.session() as s:
        try:
            return first, last, order_lines(s, web.deps.service.catalog, first, last, web.tz, language)
        except MealQueryError as exc:
            raise HTTPException(400, str(exc)) from None


@router.get("/stats/meals")
def meal_stats(request: Request, user: Reader, first: date | None = None, last: date | None = None,
               group_by: MealGroup = "ward") -> dict[str, Any]:
    """Orders, portions, amount and on-time delivery per ward, dish, diet, meal or day."""
    first, last, lines = meal_lines(web_state(request), first, last, user.language)
    return {"first": first.isoformat(), "last": last.isoformat(), "group_by": group_by,
            "rows": meal_summary(lines, group_by), "totals": meal_totals(lines)}


@router.get("/stats/meals/export")
def meal_export(request: Request, user: Exporter, first: date | None = None, last: date | None = None,
                group_by: MealGroup = "ward", fmt: Literal["csv", "xlsx"] = "xlsx") -> Response:
    """The meal statistics as CSV, or Excel with a second sheet of every order line; audited."""
    web = web_state(request)
    first, last, lines = meal_lines(web, first, last, user.language)
    t = translator(user.language)
    rows = [localized(r, group_by, t) for r in meal_summary(lines, group_by)]
    with web.deps.store.session() as s:
        audit(s, web.deps.clock.now(), user.username, "export", f"meals:{group_by}", "export", None,
              {"first": first.isoformat(), "last": last.isoformat(), "format": fmt, "rows": len(rows)})
    detail = [{**ln, "meal": t("meal:" + ln["meal"]), "diet": t("diet:" + ln["diet"]),
               "on_time": "" if ln["on_time"] is None else t("meals_on_time_yes" if ln["on_time"] else "meals_on_time_no")} for ln in lines]
    total = meal_totals(lines)
    sheets = [Sheet(t("meals_title"), SUMMARY_COLUMNS, [*rows, {**total, "label": t("cost_total")}]),
              Sheet(t("meals_lines"), LINE_COLUMNS, detail)]
    return download(sheets, fmt, f"onestop-meals-{group_by}-{first.isoformat()}-{last.isoformat()}",
                    lambda c: t("meals_col_" + c))


def localized(row: dict[str, Any], group_by: str, t: Any) -> dict[str, Any]:
    """A statistics row with its label in the user's words (meals and diets are codes)."""
    label = row["label"]
    if group_by == "meal":
        label = t("meal:" + row["group"])
    elif group_by == "diet":
        label = t("diet:" + row["group"])
    elif group_by == "ward" and not label:
        label = t("meals_no_ward")
    return {**row, "label": label}
