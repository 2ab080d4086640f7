"""成本核算 over the API: what one ticket cost (the parts used, the labour booked) and what the
work done in a period cost per department, month, department and month, or service type,
with its export (CSV or Excel, audited; the workbook adds the cost of every ticket)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from ticketing import stores
from ticketing.audit import audit
from ticketing.cost_stats import CostQueryError, cost_summary, ticket_costs, totals
from web.api.stats import period_of
from web.deps import Exporter, Reader, TicketId, web_state
from web.i18n import translator
from web.tables import Sheet, download

router = APIRouter(prefix="/api", tags=["costs"])

CostGroup = Literal["department", "month", "department_month", "service_type"]
SUMMARY_COLUMNS = ("group", "department_name", "tickets", "parts_cost", "labour_hours", "labour_cost",
                   "total", "per_ticket")
TICKET_COLUMNS = ("ticket_id", "done_at", "month", "service_type", "department", "location",
                  "parts_cost", "labour_s", "labour_cost", "total")


@router.get("/tickets/{ticket_id}/cost")
def ticket_cost(request: Request, ticket_id: TicketId, user: Reader) -> dict[str, Any]:
    """The parts used on the ticket (with unit cost and back-ordered) and the labour booked."""
    web = web_state(request)
    web.deps.service.get(ticket_id)  # 404 for a ticket that does not exist
    with web.deps.store.session() as s:
        return stores.ticket_costs(s, ticket_id)


def _summary(web: Any, first: date | None, last: date | None, group_by: str) -> tuple[date, date, Any]:
    first, last, period = period_of(web, first, last)
    with web.deps.store.session() as s:
        try:
            return first, last, (cost_summary(s, period, web.tz, group_by), period)
        except CostQueryError as exc:
            raise HTTPException(400, str(exc)) from None


@router.get("/stats/cost")
def cost(request: Request, user: Reader, first: date | None = None, last: date | None = None,
         group_by: CostGroup = "department") -> dict[str, Any]:
    """Per group: tickets done, parts cost, labour hours and cost, total and cost per ticket."""
    first, last, (rows, _period) = _summary(web_state(request), first, last, group_by)
    return {"first": first.isoformat(), "last": last.isoformat(), "group_by": group_by, "rows": rows,
            "totals": totals(rows)}


@router.get("/stats/cost/export")
def cost_export(request: Request, user: Exporter, first: date | None = None, last: date | None = None,
                group_by: CostGroup = "department", fmt: Literal["csv", "xlsx"] = "xlsx") -> Response:
    """The cost summary as CSV, or as Excel with a second sheet of every ticket's cost."""
    web = web_state(request)
    first, last, (rows, period) = _summary(web, first, last, group_by)
    with web.deps.store.session() as s:
        detail = ticket_costs(s, period, web.tz) if fmt == "xlsx" else []
        audit(s, web.deps.clock.now(), user.username, "export", f"cost:{group_by}", "export", None,
              {"first": first.isoformat(), "last": last.isoformat(), "format": fmt, "rows": len(rows)})
    t = translator(user.language)
    for r in detail:
        r["done_at"] = datetime.fromisoformat(r["done_at"]).astimezone(web.tz).strftime("%Y-%m-%d %H:%M")
    sheets = [Sheet(t("cost_title"), SUMMARY_COLUMNS, [*rows, {"group": t("cost_total"), **totals(rows)}]),
              Sheet(t("cost_tickets"), TICKET_COLUMNS, detail)]
    return download(sheets, fmt, f"onestop-cost-{group_by}-{first.isoformat()}-{last.isoformat()}",
                    lambda c: t("cost_col_" + c))
