"""Stock from files: opening balances, receipts and stock counts through the master-data
importer (``ticketing.imports``: CSV or Excel, every bad row reported with its line, nothing
half-imported).

- A parts file (kind ``parts``) creates parts; a new part's ``stock`` column is its opening
  balance, booked as one receipt document for the file. An existing part's stock is not
  master data: a row giving it another stock is a bad row (import a count instead).
- A stock file (kind ``stock``: part code, quantity, unit cost) is one document: a receipt of
  the quantities (``mode = "receipt"``) or a stock count (``mode = "count"``: the quantities
  are what was counted, and the differences are booked as one adjustment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ticketing.audit import audit
from ticketing.commands.base import CommandContext, TicketError
from ticketing.commands.stock import StockLineIn, lock_parts, post_document
from ticketing.masterdata import Field, Kind, Ref, code, integer, price
from ticketing.model import SparePart, StockDoc, StockLine

MODES = ("receipt", "count")

STOCK_KIND = Kind("stock", StockLine, "part_code", (
    Field("part_code", ("code", "part", "编码", "物料编码", "配件编码", "备件编码"), code(32), True),
    Field("qty", ("quantity", "数量", "入库数量", "盘点数量", "实盘数量", "库存"), integer(0), True),
    Field("unit_cost", ("cost", "unit cost", "price", "单价", "进价", "入库单价"), price),
), refs=(Ref("part_code", SparePart),))


def stock_changed(s: Session, values: dict[str, Any]) -> list[str]:
    """A parts row that gives an existing part another stock: refused, with what to do."""
    known = s.scalar(select(SparePart.stock).where(SparePart.code == values.get("code", "")))
    if known is None or known == values["stock"]:
        return []
    return [f"stock {values['stock']}: part {values['code']} has {known}; an existing part's stock "
            "changes only by stock documents (import a stock count: kind stock, mode count)"]


def opening_balances(s: Session, rows: list[dict[str, Any]], actor: str, at: datetime) -> int | None:
    """One receipt of the new parts' stock (their opening balance); returns its id."""
    lines = [r for r in rows if r.get("stock")]
    if not lines:
        return None
    doc = StockDoc(kind="receipt", ticket_id=None, supplier_code="", ref="", reason="opening balance",
                   actor=actor[:50], at=at)
    s.add(doc)
    s.flush()
    s.execute(insert(StockLine), [{"doc_id": doc.id, "part_code": r["code"], "qty": r["stock"],
                                   "unit_cost": r.get("price") or Decimal("0"), "stock_after": r["stock"]}
                                  for r in lines])
    audit(s, at, actor, "stock_doc", doc.id, "receipt", None,
          {"lines": [{"part": r["code"], "qty": r["stock"], "stock_after": r["stock"]} for r in lines],
           "reason": "opening balance"})
    return doc.id


@dataclass
class StockImport:
    """What a stock file did (``report``: the importer's report) and the document it booked."""

    report: Any
    doc_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**self.report.as_dict(), "doc_id": self.doc_id}

    def format(self) -> str:
        text: str = self.report.format()
        return text + (f"\nstock document {self.doc_id}" if self.doc_id else "")


def import_stock(ctx: CommandContext, sheet: Any, actor: str = "import", mode: str = "receipt",
                 supplier_code: str = "", ref: str = "", reason: str = "",
                 dry_run: bool = False) -> StockImport:
    """Check every row of a stock file and book it as one document, in one transaction."""
    from ticketing.imports import ImportReport, RowError, check_rows

    if mode not in MODES:
        raise ValueError(f"a stock file is imported as one of {', '.join(MODES)}, not {mode!r}")
    report = ImportReport("stock", sheet.source, sheet.encoding, rows=len(sheet.rows))
    with ctx.tx() as tx:
        checked, header_errors = check_rows(tx.session, STOCK_KIND, sheet)
        errors = header_errors or checked.errors
        if mode == "receipt":
            errors += [RowError(line, "qty: a receipt takes in 1 or more")
                       for line, v in checked.records if v["qty"] <= 0]
        report.errors = sorted(errors, key=lambda e: e.line)
        if report.errors or dry_run or not checked.records:
            return StockImport(report)
        if mode == "receipt":
            lines = [StockLineIn(v["part_code"], v["qty"], v.get("unit_cost") or None)
                     for _line, v in checked.records]
            kind, why = "receipt", reason or f"import {sheet.source}"
        else:
            parts = lock_parts(tx, [v["part_code"] for _line, v in checked.records])
            lines = [StockLineIn(v["part_code"], v["qty"] - parts[v["part_code"]].stock)
                     for _line, v in checked.records if v["qty"] != parts[v["part_code"]].stock]
            kind, why = "adjustment", reason or f"stock count {sheet.source}"
        report.unchanged = len(checked.records) - len(lines)
        if not lines:
            report.applied = True
            return StockImport(report)
        try:
            with tx.savepoint():  # refused whole: nothing of it stays
                doc = post_document(ctx, tx, actor, kind, lines, why, None,
                                    supplier_code if kind == "receipt" else "", ref)
        except TicketError as exc:  # a document-wide refusal (unknown supplier…): line 0
            report.errors = [RowError(0, str(exc))]
            return StockImport(report)
        report.created, report.applied = len(lines), True
        return StockImport(report, int(doc.id))
