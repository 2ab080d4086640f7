"""The equipment register (设备档案) is master data: imported with Chinese headers through the
importer, with its bad-row report."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from ticketing.audit import history
from ticketing.imports import import_file
from ticketing.model_facilities import Equipment
from ticketing.store import Store

FILES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


def _base(store: Store) -> None:
    for kind in ("org_units", "locations", "suppliers"):
        assert import_file(store, kind, FILES / f"{kind}.csv").ok


def test_equipment_imports_with_chinese_headers_names_and_dates(store: Store) -> None:
    _base(store)
    report = import_file(store, "equipment", FILES / "equipment.csv", actor="li")
    assert report.ok and report.created == 4, report.format()
    with store.session() as s:
        rows = {e.code: e for e in s.scalars(select(Equipment))}
        ac = rows["AC-0305"]
        assert (ac.name, ac.type, ac.location_code, ac.supplier_code, ac.model, ac.serial) == (
            "3楼护士站空调", "空调", "10305", "S01", "KFR-72LW", "SN2024-0001")
        assert ac.installed == date(2024, 3, 15) and ac.status == "in_use"
        # a supplier by its name (申城照明 is S02), dates written as people write them, statuses
        # in Chinese, an empty status as in use and an empty date as unknown
        assert rows["AC-0306"].installed == date(2024, 3, 16) and rows["AC-0306"].status == "in_use"
        assert (rows["O2-0101"].supplier_code, rows["O2-0101"].status, rows["O2-0101"].installed) == (
            "S02", "standby", None)
        assert (rows["EL-01"].installed, rows["EL-01"].status, rows["EL-01"].location_code) == (
            date(2019, 6, 1), "repair", "")
        assert [a.action for a in history(s, "equipment", "AC-0305")] == ["create"]
    again = import_file(store, "equipment", FILES / "equipment.csv")
    assert (again.created, again.unchanged) == (0, 4)


def test_bad_equipment_rows_are_reported_and_nothing_is_imported(store: Store) -> None:
    _base(store)
    report = import_file(store, "equipment", FILES / "equipment_bad.csv")
    assert not report.applied
    by_line = {e.line: e.reason for e in report.errors}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9]
    assert "duplicate code 'AC-0305' (first on line 2)" in by_line[3]
    assert "may hold only letters" in by_line[4]
    assert "unknown location code '99999'" in by_line[5]
    assert "unknown supplier code 'S09'" in by_line[6]
    assert "is not YYYY-MM-DD" in by_line[7]
    assert "'坏了' is not one of" in by_line[8] and "in_use" in by_line[8]
    assert "code is empty" in by_line[9]
    with store.session() as s:
        assert s.scalars(select(Equipment)).all() == []
