"""Stock through the importer: a new part's stock is its opening balance (a receipt), an
existing part's stock is refused as master data, stock files are receipts or counts with
the bad-row report."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ticketing.imports import import_file, parse_csv, read_sheet
from ticketing.model import SparePart, Staff, StockDoc, StockLine
from ticketing.seed import seed_hospital
from ticketing.service import StockLineIn, TicketService
from ticketing.stock_import import import_stock
from ticketing.store import Store

FILES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


@pytest.fixture
def parts(store: Store) -> Store:
    for kind, name in (("org_units", "org_units.csv"), ("suppliers", "suppliers.csv"), ("parts", "parts.csv")):
        assert import_file(store, kind, FILES / name).ok
    return store


def _stock(store: Store) -> dict[str, int]:
    with store.session() as s:
        return dict(s.execute(select(SparePart.code, SparePart.stock)).all())


def _docs(store: Store) -> list[tuple[str, str, list[tuple[str, int, int]]]]:
    with store.session() as s:
        out = []
        for d in s.scalars(select(StockDoc).order_by(StockDoc.id)):
            lines = s.execute(select(StockLine.part_code, StockLine.qty, StockLine.stock_after)
                              .where(StockLine.doc_id == d.id).order_by(StockLine.part_code)).all()
            out.append((d.kind, d.reason, [tuple(x) for x in lines]))
        return out


def test_new_parts_stock_is_one_opening_balance_receipt(parts: Store) -> None:
    # parts.csv: P0001 120, P0002 30, P0003 15
    assert _docs(parts) == [("receipt", "opening balance",
                             [("P0001", 120, 120), ("P0002", 30, 30), ("P0003", 15, 15)])]
    again = import_file(parts, "parts", FILES / "parts.csv")
    assert again.ok and again.unchanged == 3 and len(_docs(parts)) == 1


def test_a_parts_file_may_not_change_an_existing_parts_stock(parts: Store, service: TicketService) -> None:
    service.post_stock("k", "issue", [StockLineIn("P0001", 20)], reason="领用")
    report = import_file(parts, "parts", FILES / "parts.csv")  # still says 120
    assert not report.applied
    assert [(e.line, e.reason[:40]) for e in report.errors] == [(2, "stock 120: part P0001 has 100; an existi")]
    assert "kind stock, mode count" in report.errors[0].reason
    assert _stock(parts)["P0001"] == 100


def test_a_stock_file_is_one_receipt_at_what_was_paid(parts: Store, service: TicketService) -> None:
    report = import_stock(service, read_sheet(FILES / "stock_receipt.csv"), actor="库管", supplier_code="S01",
                          ref="DN-7")
    assert report.report.ok and report.report.applied and report.report.created == 2
    assert _stock(parts) == {"P0001": 150, "P0002": 34, "P0003": 15}
    kind, reason, lines = _docs(parts)[-1]
    assert (kind, lines) == ("receipt", [("P0001", 30, 150), ("P0002", 4, 34)])
    assert reason == f"import {FILES / 'stock_receipt.csv'}"
    with parts.session() as s:
        # P0001: 120 at 12.50 and 30 at 13.10 → (1500 + 393) / 150 = 12.62
        assert s.scalar(select(SparePart.price).where(SparePart.code == "P0001")) == Decimal("12.62")
        assert s.scalar(select(SparePart.price).where(SparePart.code == "P0002")) == Decimal("45.00")
    assert "stock document" in report.format()


def test_a_stock_file_with_bad_rows_imports_nothing_and_names_each(parts: Store, service: TicketService) -> None:
    result = import_stock(service, read_sheet(FILES / "stock_bad.csv"))
    errors = {e.line: e.reason for e in result.report.errors}
    assert set(errors) == {2, 3, 4, 5, 6}
    assert "'ten' is not a number" in errors[2]
    assert errors[3] == "unknown part code 'P0999'"
    assert "a receipt takes in 1 or more" in errors[4]
    assert "below 0" in errors[5] and "more than 2 decimals" in errors[6]
    assert not result.report.applied and result.doc_id is None
    assert len(_docs(parts)) == 1 and _stock(parts)["P0001"] == 120


def test_a_stock_count_books_the_differences_as_one_adjustment(parts: Store, service: TicketService) -> None:
    sheet = parse_csv("code,counted qty\nP0001,118\nP0002,30\nP0003,16\n".replace("counted qty", "实盘数量"),
                      "count.csv")
    result = import_stock(service, sheet, mode="count", reason="11月盘点")
    assert result.report.applied and result.report.created == 2 and result.report.unchanged == 1
    assert _docs(parts)[-1] == ("adjustment", "11月盘点", [("P0001", -2, 118), ("P0003", 1, 16)])
    with pytest.raises(ValueError, match="one of receipt, count"):
        import_stock(service, sheet, mode="guess")


def test_a_stock_file_with_an_unknown_supplier_is_refused_whole(parts: Store, service: TicketService) -> None:
    result = import_stock(service, read_sheet(FILES / "stock_receipt.csv"), supplier_code="S77")
    assert [(e.line, e.reason) for e in result.report.errors] == [(0, "unknown supplier 'S77'")]
    assert len(_docs(parts)) == 1 and _stock(parts)["P0001"] == 120


def test_staff_grades_and_storekeepers_import_in_chinese(store: Store) -> None:
    sheet = parse_csv("工号,姓名,角色,职级,手机\nK01,钱库管,库管,,13900000001\nW09,赵师傅,师傅,高级工,13900000002\n"
                      "W10,孙师傅,师傅,大师,13900000003\n", "staff.csv")
    from ticketing.imports import import_sheet

    report = import_sheet(store, "staff", sheet)
    assert [(e.line, e.reason) for e in report.errors] == [
        (4, "grade: '大师' is not one of general, intermediate, junior, senior, technician")]
    report = import_sheet(store, "staff", sheet, partial=True)
    with store.session() as s:
        got = dict(s.execute(select(Staff.code, Staff.role + ":" + Staff.grade)).all())
    assert got == {"K01": "storekeeper:", "W09": "worker:senior"}


def test_seeding_twice_keeps_the_stock_the_ledger_moved(store: Store, service: TicketService) -> None:
    seed_hospital(store)
    with store.session() as s:
        first = s.scalar(select(SparePart).where(SparePart.stock > 5).order_by(SparePart.code).limit(1))
        code, before = first.code, first.stock
        opening = s.scalar(select(func.count()).select_from(StockLine))
        assert opening == s.scalar(select(func.count()).select_from(SparePart).where(SparePart.stock != 0))
    service.post_stock("k", "issue", [StockLineIn(code, 5)], reason="领用")
    seed_hospital(store)
    assert _stock(store)[code] == before - 5
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(StockDoc)) == 2
