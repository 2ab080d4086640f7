"""The stores' pages (库房: low stock, back-orders, the reorder list, documents and the forms to
book them, parts with their stock, a part's ledger, a supplier's parts) and cost accounting
(成本核算, under the statistics). Lists page on the server; forms post to ``web.api.stock``
through ``web/static/stock.js``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from ticketing import stores
from ticketing.cost_stats import CostQueryError, cost_summary, totals
from web.api.costs import CostGroup
from web.api.stats import period_of
from web.deps import ReadPage, web_state
from web.i18n import translator
from web.pages import service_types

router = APIRouter(include_in_schema=False)

Tab = Literal["overview", "parts", "suppliers", "documents"]
PER_PAGE = 50
DOC_LINES = 100  # a document's lines per page


@router.get("/stock", response_class=HTMLResponse)
def stock_page(request: Request, user: ReadPage, tab: Tab = "overview",
               q: Annotated[str, Query(max_length=50)] = "", low: bool = False,
               kind: Literal["receipt", "issue", "return", "adjustment", ""] = "",
               page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    web = web_state(request)
    t = translator(user.language)
    ctx: dict[str, Any] = {"tab": tab, "q": q, "low": low, "kind": kind, "page": page,
                           "why": lambda r: reason_text(r, t)}
    with web.deps.store.session() as s:
        if tab == "overview":
            ctx.update(alerts=stores.open_alerts(s), backorders=stores.backorders(s),
                       reorder=stores.reorder_list(s), keepers=_keepers(s))
        elif tab == "parts":
            ctx["rows"], ctx["total"] = stores.parts(s, q, low, "", page, PER_PAGE)
        elif tab == "suppliers":
            ctx["suppliers"] = stores.suppliers(s)
        else:
            ctx["docs"], ctx["total"] = stores.documents(s, kind, page, 20)
    ctx["pages"] = max(1, -(-ctx.get("total", 0) // (PER_PAGE if tab == "parts" else 20)))
    return web.render(request, "stock.html", user, ctx)


@router.get("/stock/parts/{key}", response_class=HTMLResponse)
def part_page(request: Request, user: ReadPage, key: Annotated[str, Path(max_length=32)]) -> Response:
    """A part (``key``: its code) with its ledger."""
    web = web_state(request)
    with web.deps.store.session() as s:
        part = stores.part_ledger(s, key)
    if part is None:
        raise HTTPException(404, translator(user.language)("stock_err_unknown").format(code=key))
    t = translator(user.language)
    return web.render(request, "stock_part.html", user, {"part": part, "why": lambda r: reason_text(r, t)})


@router.get("/stock/suppliers/{key}", response_class=HTMLResponse)
def supplier_page(request: Request, user: ReadPage, key: Annotated[str, Path(max_length=32)],
                  page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    """A supplier (``key``: its code): what to order from it now and the parts it supplies."""
    web = web_state(request)
    with web.deps.store.session() as s:
        supplier = stores.supplier_parts(s, key, page, PER_PAGE)
    if supplier is None:
        raise HTTPException(404, translator(user.language)("stock_err_no_supplier").format(code=key))
    return web.render(request, "stock_supplier.html", user, {
        "supplier": supplier, "page": page, "pages": max(1, -(-supplier["total"] // PER_PAGE))})


@router.get("/stock/documents/{doc_id}", response_class=HTMLResponse)
def document_page(request: Request, user: ReadPage,
                  doc_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
                  page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    """One stock document with its lines, a page of them at a time."""
    web = web_state(request)
    with web.deps.store.session() as s:
        doc = stores.document(s, doc_id, page, DOC_LINES)
    if doc is None:
        raise HTTPException(404, translator(user.language)("stock_err_no_document").format(id=doc_id))
    t = translator(user.language)
    return web.render(request, "stock_doc.html", user, {
        "doc": doc, "why": lambda r: reason_text(r, t), "page": page, "pages": max(1, -(-doc["line_count"] // DOC_LINES))})


@router.get("/stats/cost", response_class=HTMLResponse)
def cost_page(request: Request, user: ReadPage, first: date | None = None, last: date | None = None,
              group_by: CostGroup = "department") -> Response:
    web = web_state(request)
    first, last, period = period_of(web, first, last)
    t = translator(user.language)
    names = dict(service_types(web, user.language))
    with web.deps.store.session() as s:
        try:
            rows = cost_summary(s, period, web.tz, group_by)
        except CostQueryError as exc:
            raise HTTPException(400, str(exc)) from None
    for r in rows:
        r["label"] = _label(r, group_by, names)
    top = rows[:20]
    chart = {"kind": "stacked", "categories": [r["label"] for r in top], "unit": t("cost_yuan"),
             "series": [{"name": t("cost_parts"), "data": [float(r["parts_cost"]) for r in top]},
                        {"name": t("cost_labour"), "data": [float(r["labour_cost"]) for r in top]}]}
    return web.render(request, "cost.html", user, {
        "rows": rows, "totals": totals(rows), "first": first, "last": last, "group_by": group_by,
        "groups": ["department", "month", "department_month", "service_type"],
        "chart": json.dumps(chart, ensure_ascii=False)})


def board_panel(s: Any) -> dict[str, Any]:
    """What the board shows of the stores: open low-stock alerts and back-orders."""
    return {"alerts": stores.open_alerts(s, 20), "backorders": stores.backorders(s, "open", 20)}


def _label(row: dict[str, Any], group_by: str, services: dict[str, str]) -> str:
    if group_by == "service_type":
        return services.get(row["group"], row["group"])
    if group_by == "department":
        return row.get("department_name") or row["group"] or "—"
    if group_by == "department_month":
        return f"{row.get('department_name') or row['department'] or '—'} {row['month']}"
    return str(row["group"])


# the reasons the core and the importer write on the documents they book themselves
_REASONS = ((re.compile(r"opening balance"), "stock_why:opening"),
            (re.compile(r"ticket (?P<ticket>\d+)"), "stock_why:ticket"),
            (re.compile(r"back-order (?P<backorder>\d+) of ticket (?P<ticket>\d+)"), "stock_why:backorder"),
            (re.compile(r"import (?P<file>.+)"), "stock_why:import"),
            (re.compile(r"stock count (?P<file>.+)"), "stock_why:count"))


def reason_text(reason: str, t: Callable[[str], str]) -> str:
    """A document's reason in the reader's words when the center wrote it (an opening
    balance, a ticket's parts, a back-order filled, a file); a person's own words as typed."""
    for pattern, key in _REASONS:
        m = pattern.fullmatch(reason)
        if m:
            return t(key).format(**m.groupdict())
    return reason


def _keepers(s: Any) -> int:
    from sqlalchemy import func, select

    from ticketing.model import Staff

    return int(s.scalar(select(func.count()).select_from(Staff).where(
        Staff.role == "storekeeper", Staff.active.is_(True), Staff.phone != "")) or 0)
