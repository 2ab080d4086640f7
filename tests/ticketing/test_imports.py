from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from ticketing.audit import history
from ticketing.imports import (
    ImportReport,
    RowError,
    decode_text,
    import_file,
    import_sheet,
    parse_csv,
    read_sheet,
)
from ticketing.model import AuditLog, Location, MenuItem, OrgUnit, PhoneEntry, SparePart, Staff
from ticketing.passwords import hash_password, verify_password
from ticketing.store import Store

FILES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


def _imp(store: Store, kind: str, name: str, **kw: object) -> ImportReport:
    return import_file(store, kind, FILES / name, **kw)  # type: ignore[arg-type]


@pytest.fixture
def base(store: Store) -> Store:
    """Departments, locations and suppliers that the other kinds refer to."""
    for kind, name in (("org_units", "org_units.csv"), ("locations", "locations.csv"),
                       ("suppliers", "suppliers.csv")):
        assert _imp(store, kind, name).ok
    return store


def _count(store: Store, model: type) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _audits(store: Store) -> int:
    return _count(store, AuditLog)


# --- encodings and formats --------------------------------------------------------------------

def test_utf8_bom_csv_with_chinese_headers_and_names_for_codes(base: Store) -> None:
    with base.session() as s:
        loc = s.scalar(select(Location).where(Location.code == "10306"))
        assert (loc.building, loc.floor, loc.room, loc.org_code) == ("住院部A", "3", "306", "D01")


def test_gbk_csv_as_chinese_hospitals_export(base: Store) -> None:
    report = _imp(base, "locations", "locations_gbk.csv")
    assert report.ok and report.encoding == "gbk" and report.created == 3
    with base.session() as s:
        assert s.scalar(select(Location.name).where(Location.code == "10403")) == "治疗室，换药室"


def test_gb18030_only_character(base: Store) -> None:
    report = _imp(base, "locations", "locations_gb18030.csv")
    assert report.ok and report.encoding == "gb18030"
    with base.session() as s:
        assert s.scalar(select(Location.name).where(Location.code == "10801")) == "䶮先生病房"


def test_non_utf8_non_gbk_csv_is_a_clear_error(base: Store) -> None:
    report = _imp(base, "locations", "locations_latin1.csv")
    assert not report.applied and len(report.errors) == 1
    assert "not UTF-8, GBK or GB18030" in report.errors[0].reason
    assert "line 2" in report.errors[0].reason


@pytest.mark.parametrize("data", [b"\xff\xfec\x00o\x00d\x00e\x00", b"code\x00\x01\x02"])
def test_utf16_and_binary_are_refused(data: bytes) -> None:
    from ticketing.imports import ImportFileError

    with pytest.raises(ImportFileError, match="UTF-16 or a binary"):
        decode_text(data)


def test_broken_and_old_workbooks_are_reported(base: Store, tmp_path: Path) -> None:
    assert "not a readable .xlsx" in _imp(base, "staff", "broken.xlsx").errors[0].reason
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    assert "old binary .xls" in import_file(base, "staff", old).errors[0].reason


def test_xlsx_rows_keep_sheet_row_numbers_and_typed_cells(base: Store) -> None:
    report = _imp(base, "staff", "staff.xlsx")
    assert report.ok and report.created == 3 and report.encoding == "xlsx"
    with base.session() as s:
        w = s.scalar(select(Staff).where(Staff.code == "W202"))
        assert (w.phone, w.skills, w.shift, w.on_duty) == ("13800002002", "repair,transport", "night", False)
    sheet = read_sheet(FILES / "staff.xlsx")
    assert [n for n, _ in sheet.rows] == [2, 3, 5]  # the blank row 4 is skipped, not renumbered


def test_menus_from_csv_and_bad_xlsx(base: Store) -> None:
    assert _imp(base, "menus", "menus.csv").created == 3
    with base.session() as s:
        m = s.scalar(select(MenuItem).where(MenuItem.code == "M003"))
        assert (m.menu_date, m.meal, m.diet, m.price, m.cutoff) == (
            date(2026, 11, 23), "dinner", "diabetic", Decimal("16.50"), "15:30")
    bad = _imp(base, "menus", "menus_bad.xlsx")
    assert {e.line for e in bad.errors} == {3, 4}
    reasons = {e.line: e.reason for e in bad.errors}
    assert "price '二十' is not a number" in reasons[3]
    assert "2026-13-01" in reasons[4] and "夜宵" in reasons[4] and "25:00" in reasons[4]
    with base.session() as s:
        assert s.scalar(select(func.count()).select_from(MenuItem)) == 3  # M101 not imported


# --- validation -------------------------------------------------------------------------------

def test_every_bad_row_is_reported_with_line_and_nothing_is_imported(base: Store) -> None:
    before = (_count(base, Location), _audits(base))
    report = _imp(base, "locations", "locations_bad.csv")
    assert not report.applied
    assert [e.line for e in report.errors] == [3, 4, 5, 6, 7]
    reasons = {e.line: e.reason for e in report.errors}
    assert reasons[3] == "unknown department code 'D99'"
    assert reasons[4] == "duplicate code '10501' (first on line 2)"
    assert "must be digits" in reasons[5]
    assert reasons[6] == "building is empty"
    assert "only 4 cells" in reasons[7]
    assert (_count(base, Location), _audits(base)) == before


def test_partial_imports_good_rows_and_reports_bad_ones(base: Store) -> None:
    report = _imp(base, "locations", "locations_bad.csv", partial=True)
    assert report.applied and report.created == 2 and len(report.errors) == 5
    with base.session() as s:
        codes = set(s.scalars(select(Location.code).where(Location.code.like("105%"))))
    assert codes == {"10501", "10507"}


def test_wrong_columns_are_one_error_on_the_header(base: Store) -> None:
    report = _imp(base, "locations", "locations_wrong_columns.csv", partial=True)
    assert not report.applied and len(report.errors) == 1 and report.errors[0].line == 1
    reason = report.errors[0].reason
    assert "unknown column 'level'" in reason and "missing column 'floor'" in reason


def test_extra_cells_beyond_the_header_are_refused(base: Store) -> None:
    sheet = parse_csv("code,name\nS09,Acme,extra\n", "mem.csv")
    report = import_sheet(base, "suppliers", sheet)
    assert report.errors == [RowError(2, "3 cells but the header has 2 columns")]


def test_quoted_multiline_cell_keeps_the_record_start_line(base: Store) -> None:
    sheet = parse_csv('code,name\nS10,"Two\nlines"\nS11,\n', "mem.csv")
    report = import_sheet(base, "suppliers", sheet)
    assert report.errors == [RowError(4, "name is empty")]


def test_staff_duplicate_phone_unknown_role_skill_and_bad_numbers(base: Store) -> None:
    report = _imp(base, "staff", "staff_bad.csv")
    reasons = {e.line: e.reason for e in report.errors}
    assert sorted(reasons) == [3, 4, 5, 6, 7]
    assert reasons[3] == "duplicate phone '13800001001' (first on line 2)"
    assert "janitor" in reasons[4] and "unknown skill 'flying'" in reasons[5]
    assert "not an 11-digit mobile" in reasons[6]
    assert "evening" in reasons[7] and "maybe" in reasons[7]


def test_staff_phone_of_another_worker_in_the_store_is_refused(base: Store) -> None:
    assert _imp(base, "staff", "staff.csv").ok
    sheet = parse_csv("code,name,phone\nW900,New,138 0000 0001\n", "mem.csv")
    report = import_sheet(base, "staff", sheet)
    assert report.errors == [RowError(2, "phone 13800000001 already belongs to staff W001")]


def test_staff_values_are_normalised(base: Store) -> None:
    assert _imp(base, "staff", "staff.csv").ok
    with base.session() as s:
        rows = {w.code: w for w in s.scalars(select(Staff))}
    assert rows["W001"].phone == "13800000001" and rows["L001"].phone == "13800000010"
    assert rows["W002"].skills == "repair,transport" and rows["W002"].on_duty is False
    assert rows["L001"].org_code == "T01" and rows["L001"].role == "lead"  # 维修班 → T01


def test_phone_directory_duplicates_and_unknown_location(base: Store) -> None:
    assert _imp(base, "phones", "phones.csv").created == 3
    report = _imp(base, "phones", "phones_bad.csv")
    reasons = {e.line: e.reason for e in report.errors}
    assert reasons == {3: "duplicate number '6123' (first on line 2)",
                       4: "unknown location code '99999'",
                       5: "number: number '12' is not an extension or phone number"}
    with base.session() as s:
        vip = s.scalar(select(PhoneEntry).where(PhoneEntry.number == "8001"))
        assert vip.vip and vip.location_code == "20101"


def test_parts_prices_stock_and_suppliers(base: Store) -> None:
    assert _imp(base, "parts", "parts.csv").created == 3
    with base.session() as s:
        parts = {p.code: p for p in s.scalars(select(SparePart))}
    assert parts["P0002"].price == Decimal("45.00") and parts["P0002"].supplier_code == "S01"
    assert parts["P0003"].price == Decimal("1080.00") and parts["P0001"].stock == 120
    bad = {e.line: e.reason for e in _imp(base, "parts", "parts_bad.csv").errors}
    assert "'abc' is not a number" in bad[2] and "below 0" in bad[3]
    assert "more than 2 decimals" in bad[4] and bad[5] == "unknown supplier code 'S99'"


def test_the_old_names_of_phones_and_parts_import_as_them(base: Store) -> None:
    phones = _imp(base, "phone_directory", "phones.csv")
    parts = _imp(base, "spare_parts", "parts.csv")
    assert (phones.kind, phones.created, parts.kind, parts.created) == ("phones", 3, "parts", 3)
    assert (_count(base, PhoneEntry), _count(base, SparePart)) == (3, 3)


def test_unknown_kind_is_the_callers_mistake(store: Store) -> None:
    with pytest.raises(ValueError, match="unknown master data kind"):
        import_file(store, "rooms", FILES / "locations.csv")


# --- idempotence and history ------------------------------------------------------------------

def test_reimport_changes_nothing_and_writes_no_audit(base: Store) -> None:
    audits = _audits(base)
    report = _imp(base, "locations", "locations.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    assert _audits(base) == audits


def test_changes_are_audited_before_to_after(base: Store, tmp_path: Path) -> None:
    changed = tmp_path / "orgs.csv"
    changed.write_text("code,name,kind\nD03,影像科,department\n", encoding="utf-8")
    report = import_file(base, "org_units", changed, actor="admin")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    with base.session() as s:
        rows = history(s, "org_unit", "D03")
    assert [r.action for r in rows] == ["create", "update"]
    assert rows[1].actor == "admin"
    assert rows[1].before == {"name": "放射科"} and rows[1].after == {"name": "影像科"}
    assert rows[0].before is None and rows[0].after["name"] == "放射科"


def test_missing_rows_are_kept_unless_deactivation_is_asked(base: Store, tmp_path: Path) -> None:
    fewer = tmp_path / "loc.csv"
    fewer.write_text("code,campus,building,floor,room\n10305,本部,住院部A,3,305\n", encoding="utf-8")
    assert import_file(base, "locations", fewer).deactivated == 0
    with base.session() as s:
        assert s.scalar(select(func.count()).where(Location.active.is_(True))) == 4
    report = import_file(base, "locations", fewer, deactivate_missing=True)
    assert report.deactivated == 3 and report.unchanged == 1  # absent columns are left alone
    with base.session() as s:
        assert set(s.scalars(select(Location.code).where(Location.active.is_(True)))) == {"10305"}
        assert history(s, "location", "20101")[-1].action == "deactivate"
    again = import_file(base, "locations", FILES / "locations.csv")
    assert (again.updated, again.unchanged) == (3, 1)  # reactivated


def test_partial_with_deactivation_spares_the_bad_rows_records(base: Store, tmp_path: Path) -> None:
    f = tmp_path / "loc.csv"
    f.write_text("code,campus,building,floor,room,department\n"
                 "10305,本部,住院部A,3,305,D01\n10306,本部,住院部A,3,306,D77\n", encoding="utf-8")
    report = import_file(base, "locations", f, partial=True, deactivate_missing=True)
    assert report.applied and [e.line for e in report.errors] == [3]
    with base.session() as s:
        active = set(s.scalars(select(Location.code).where(Location.active.is_(True))))
    assert active == {"10305", "10306"}


def test_org_units_may_refer_to_parents_in_the_same_file(store: Store) -> None:
    sheet = parse_csv("编码,名称,上级\nH,医院,\nN,护理部,医院\nN1,一病区,N\nX,坏,Nope\n", "mem.csv")
    report = import_sheet(store, "org_units", sheet)
    assert report.errors == [RowError(5, "unknown department code 'Nope'")]
    ok = import_sheet(store, "org_units", parse_csv("code,name,parent\nH,医院,\nN,护理部,H\n", "m"))
    assert ok.ok
    with store.session() as s:
        assert s.scalar(select(OrgUnit.parent_code).where(OrgUnit.code == "N")) == "H"


def test_xlsx_written_by_a_spreadsheet_with_extra_empty_columns(base: Store, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["编码", "名称", "联系人", "电话", None, None])
    ws.append(["S20", "申城五金", "陈", "021-6666 0000", None, None])
    ws.cell(row=2, column=8, value=None)
    path = tmp_path / "sup.xlsx"
    wb.save(path)
    report = import_file(base, "suppliers", path)
    assert report.ok and report.created == 1


# --- passwords ----------------------------------------------------------------------------------

def test_password_hash_round_trip_and_format() -> None:
    stored = hash_password("demo")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert verify_password("demo", stored) and not verify_password("Demo", stored)
    assert hash_password("demo") != stored  # a fresh salt each time
    for broken in ("", "scrypt$x", "bcrypt$16384$8$1$aa$bb", stored[:-4] + "!!!!"):
        assert not verify_password("demo", broken)


def test_an_upload_is_checked_like_a_file_and_a_dry_run_writes_nothing(store: Store) -> None:
    from ticketing.imports import import_bytes
    from ticketing.model import OrgUnit

    data = (FILES / "org_units.csv").read_bytes()
    dry = import_bytes(store, "org_units", "科室.csv", data, actor="admin", dry_run=True)
    assert dry.ok and not dry.applied and dry.source == "科室.csv"
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(OrgUnit)) == 0
    real = import_bytes(store, "org_units", "科室.csv", data, actor="admin")
    assert real.applied and real.created == dry.rows
    broken = import_bytes(store, "org_units", "x.xlsx", b"not a workbook", actor="admin")
    assert not broken.ok and broken.errors[0].line == 0
