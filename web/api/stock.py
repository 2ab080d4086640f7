"""The stores (库房) over the API: parts with their stock and a part's ledger, stock documents
(receipt, issue, return, adjustment — each a core command with its audit rows), open
low-stock alerts and back-orders, the reorder list by supplier (and its export), a supplier's
parts, and stock files (a receipt or a count) through the importer's bad-row report.

Reading needs ``read``; booking a document, cancelling a back-order or importing stock needs
``stock``; exporting needs ``export``.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from ticketing import stores
from ticketing.audit import audit
from ticketing.imports import ImportFileError, read_sheet
from ticketing.service import StockLineIn
from ticketing.stock_import import import_stock
from web.deps import Exporter, Idempotent, Reader, Storekeeper, web_state
from web.i18n import translator
from web.tables import Sheet, download

router = APIRouter(prefix="/api/stock", tags=["stores"])

Code = Annotated[str, Path(max_length=32, description="a part's or supplier's code")]
Number = Annotated[int, Path(ge=1, le=2_147_483_647, description="a back-order's number")]
DocKind = Literal["receipt", "issue", "return", "adjustment"]


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=32)
    qty: int = Field(ge=-1_000_000, le=1_000_000)
    unit_cost: str | None = Field(None, max_length=20, description="what a receipt paid (yuan)")


class DocumentIn(BaseModel):
    """A stock document. ``qty`` is what comes in (receipt, return) or goes out (issue); an
    adjustment's is signed: + found, − missing."""
    model_config = ConfigDict(extra="forbid")
    kind: DocKind
    lines: list[LineIn] = Field(min_length=1, max_length=500)
    reason: str = Field("", max_length=500)
    supplier_code: str = Field("", max_length=32)
    ref: str = Field("", max_length=50)
    ticket_id: int | None = Field(None, ge=1, le=2_147_483_647)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


@router.get("/parts")
def parts(request: Request, user: Reader, q: Annotated[str, Query(max_length=50)] = "",
          low: bool = False, supplier: Annotated[str, Query(max_length=32)] = "",
          page: Annotated[int, Query(ge=1, le=10_000)] = 1,
          per_page: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
    """Active parts with stock, minimum, unit cost and what back-orders owe; one page."""
    with web_state(request).deps.store.session() as s:
        rows, total = stores.parts(s, q, low, supplier, page, per_page)
    return {"rows": rows, "total": total, "page": page, "per_page": per_page}


@router.get("/parts/{key}")
def part(request: Request, key: Code, user: Reader) -> dict[str, Any]:
    """One part with its latest ledger lines and its alerts."""
    with web_state(request).deps.store.session() as s:
        found = stores.part_ledger(s, key)
    if found is None:
        raise HTTPException(404, f"no part {key}")
    return found


@router.get("/documents")
def documents(request: Request, user: Reader, kind: DocKind | None = None,
              page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> dict[str, Any]:
    """Stock documents, newest first, each with its first 5 lines, its number of lines
    (``line_count``) and its amount."""
    with web_state(request).deps.store.session() as s:
        rows, total = stores.documents(s, kind or "", page)
    return {"rows": rows, "total": total, "page": page}


@router.get("/documents/{doc_id}")
def document(request: Request, user: Reader, doc_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
             page: Annotated[int, Query(ge=1, le=10_000)] = 1,
             per_page: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    """One stock document with one page of its lines (``line_count``: how many in all)."""
    with web_state(request).deps.store.session() as s:
        found = stores.document(s, doc_id, page, per_page)
    if found is None:
        raise HTTPException(404, f"no stock document {doc_id}")
    return {**found, "page": page, "per_page": per_page}


@router.post("/documents", status_code=201)
def post_document(request: Request, body: DocumentIn, user: Storekeeper, once: Idempotent) -> Any:
    """Book a receipt, issue, return or adjustment: all lines or none, never below zero. Sent
    again with its Idempotency-Key (a double click), it is booked once."""
    web = web_state(request)
    lines = [StockLineIn(x.code, x.qty, x.unit_cost or None) for x in body.lines]  # type: ignore[arg-type]

    def answer(doc_id: int) -> dict[str, Any]:
        with web.deps.store.session() as s:
            found = stores.document(s, doc_id)
        assert found is not None  # just booked
        return found

    return once.run(user, lambda: web.deps.service.post_stock(
        user.username, body.kind, lines, body.reason, body.ticket_id, body.supplier_code, body.ref),
        answer, status=201, rebuild=False)


@router.get("/alerts")
def alerts(request: Request, user: Reader) -> list[dict[str, Any]]:
    """Parts with an open low-stock alert, oldest first."""
    with web_state(request).deps.store.session() as s:
        return stores.open_alerts(s)


@router.get("/backorders")
def backorders(request: Request, user: Reader,
               status: Literal["open", "filled", "cancelled"] = "open") -> list[dict[str, Any]]:
    """Parts owed to tickets (open), or the ones filled or cancelled lately."""
    with web_state(request).deps.store.session() as s:
        return stores.backorders(s, status)


@router.post("/backorders/{key}/cancel")
def cancel_backorder(request: Request, key: Number, body: ReasonIn, user: Storekeeper,
                     once: Idempotent) -> Any:
    """Nothing is owed any more (the part was got otherwise): the back-order is closed."""
    service = web_state(request).deps.service
    return once.run(user, lambda: service.cancel_backorder(user.username, key, body.reason),
                    lambda _r: {"id": key, "status": "cancelled"}, rebuild=False)


SupplierFilter = Annotated[str | None, Query(max_length=32, description="one supplier's code only")]


@router.get("/reorder")
def reorder(request: Request, user: Reader, supplier: SupplierFilter = None) -> list[dict[str, Any]]:
    """What to order, by supplier: parts at or below their minimum or owed to back-orders."""
    with web_state(request).deps.store.session() as s:
        return stores.reorder_list(s, supplier)


REORDER_COLUMNS = ("supplier", "contact", "phone", "code", "name", "spec", "unit", "stock", "min_stock",
                   "owed", "order", "price", "amount")


@router.get("/reorder/export")
def reorder_export(request: Request, user: Exporter, fmt: Literal["csv", "xlsx"] = "xlsx",
                   supplier: SupplierFilter = None) -> Response:
    """The reorder list (or one supplier's part of it) as CSV or Excel (one row per part, with
    its supplier); audited."""
    web = web_state(request)
    with web.deps.store.session() as s:
        groups = stores.reorder_list(s, supplier)
        rows = [{**p, "supplier": f"{g['supplier']} ({g['supplier_code']})" if g["supplier_code"] else "",
                 "contact": g["contact"], "phone": g["phone"]} for g in groups for p in g["parts"]]
        audit(s, web.deps.clock.now(), user.username, "export", "stock:reorder", "export", None,
              {"format": fmt, "rows": len(rows), "supplier": supplier})
    t = translator(user.language)
    day = web.deps.clock.now().astimezone(web.tz).date().isoformat()
    name = f"onestop-reorder-{supplier}-{day}" if supplier else f"onestop-reorder-{day}"
    return download([Sheet(t("stock_reorder"), REORDER_COLUMNS, rows)], fmt, name,
                    lambda c: t("stock_col_" + c))


@router.get("/suppliers")
def suppliers(request: Request, user: Reader) -> list[dict[str, Any]]:
    """Every supplier with how many active parts it supplies (``parts``) and how many are low."""
    with web_state(request).deps.store.session() as s:
        return stores.suppliers(s)


@router.get("/suppliers/{key}")
def supplier(request: Request, key: Code, user: Reader,
             page: Annotated[int, Query(ge=1, le=10_000)] = 1,
             per_page: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
    """A supplier, one page of the parts it supplies with their stock (``total``: how many), and
    what to order from it now (``reorder``)."""
    with web_state(request).deps.store.session() as s:
        found = stores.supplier_parts(s, key, page, per_page)
    if found is None:
        raise HTTPException(404, f"no supplier {key}")
    return found


@router.post("/import")
async def import_file(request: Request, user: Storekeeper, file: Annotated[UploadFile, File()],
                      mode: Annotated[Literal["receipt", "count"], Form()] = "receipt",
                      supplier_code: Annotated[str, Form(max_length=32)] = "",
                      ref: Annotated[str, Form(max_length=50)] = "",
                      reason: Annotated[str, Form(max_length=500)] = "",
                      dry_run: Annotated[bool, Form()] = False) -> dict[str, Any]:
    """A stock file (part code, quantity, unit cost; CSV or Excel) as one receipt, or as a
    count whose differences are one adjustment: all rows or none, each bad row listed."""
    data = await file.read(20 * 1024 * 1024 + 1)
    if len(data) > 20 * 1024 * 1024:
        raise HTTPException(413, "file larger than 20 MiB")
    web = web_state(request)
    name = file.filename or "upload.csv"

    def run() -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="onestop-stock-") as tmp:
            path = FilePath(tmp) / ("upload" + (FilePath(name).suffix.lower() or ".csv"))
            path.write_bytes(data)
            try:
                sheet = read_sheet(path)
            except ImportFileError as exc:
                raise HTTPException(400, str(exc).replace(str(path), name)) from None
        return import_stock(web.deps.service, replace(sheet, source=name), user.username, mode, supplier_code, ref, reason,
                            dry_run).as_dict()

    return await run_in_threadpool(run)
