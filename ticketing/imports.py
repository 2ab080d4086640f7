"""Master data imports from CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) and Excel (.xlsx).

Every row is validated before anything is written and every bad row is reported with its line
and reason. One transaction: a file with a bad row imports nothing unless ``partial`` is asked
for. Records are upserted by their natural key, so importing the same file again changes
nothing; each created, changed or deactivated record gets an audit row (its history).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ticketing.audit import audit, jsonable
from ticketing.masterdata import BadValue, Kind, Ref, cell_text, kind
from ticketing.model import AuditLog, Staff
from ticketing.stock_import import opening_balances, stock_changed
from ticketing.store import Store


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, format); nothing was imported."""


@dataclass(frozen=True)
class RowError:
    line: int  # 1-based line (CSV) or row (Excel) of the file; the header is line 1
    reason: str


@dataclass
class ImportReport:
    kind: str
    source: str
    encoding: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False  # False: nothing was written

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "source": self.source, "encoding": self.encoding,
                "rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "deactivated": self.deactivated,
                "applied": self.applied,
                "errors": [{"line": e.line, "reason": e.reason} for e in self.errors]}

    @property
    def file_error(self) -> str:
        """Why the file could not be read at all ("" when it was read): such a report has one
        error on line 0 and no rows."""
        if self.rows == 0 and len(self.errors) == 1 and self.errors[0].line == 0:
            return self.errors[0].reason
        return ""

    def format(self) -> str:
        """A human summary, then one line per bad row (or the one reason the file was not read)."""
        if self.file_error:
            return f"{self.kind}: nothing imported: {self.file_error}"
        verdict = "imported" if self.applied else "NOT imported"
        lines = [f"{self.kind} from {self.source}: {self.rows} rows, {verdict}: "
                 f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
                 f"{self.deactivated} deactivated, {len(self.errors)} bad"]
        lines += [f"  line {e.line}: {e.reason}" for e in self.errors]
        return "\n".join(lines)


@dataclass(frozen=True)
class Sheet:
    """A table read from a file: the header and the data rows with their line numbers."""

    source: str
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]
    encoding: str = ""
    strict_width: bool = True  # CSV rows must have as many cells as the header


# --- reading files ----------------------------------------------------------------------------

def read_sheet(path: str | Path) -> Sheet:
    """Read a CSV or .xlsx file (chosen by content, not only by name)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if data.startswith(b"PK\x03\x04"):
        return read_xlsx(path)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(f"{path}: an old binary .xls workbook; save it as .xlsx or CSV")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise ImportFileError(f"{path}: not a valid .xlsx workbook")
    text, encoding = decode_text(data, str(path))
    return parse_csv(text, str(path), encoding)


def decode_text(data: bytes, source: str = "file") -> tuple[str, str]:
    """Decode a CSV as UTF-8 (with or without BOM) or GBK/GB18030; anything else is refused."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _not_text(source, data, exc) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data:
        raise ImportFileError(f"{source}: looks like UTF-16 or a binary file; "
                              "save it as CSV UTF-8 (or GBK) or as .xlsx")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        first_error = utf8_error
    for encoding in ("gbk", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _plausible_chinese(text):
            return text, encoding
    raise _not_text(source, data, first_error)


def _not_text(source: str, data: bytes, exc: UnicodeDecodeError) -> ImportFileError:
    pos = exc.start
    line = data.count(b"\n", 0, pos) + 1
    return ImportFileError(
        f"{source}: line {line}: byte 0x{data[pos]:02x} is not UTF-8, GBK or GB18030 text; "
        "save the file as CSV UTF-8 (or GBK) or as .xlsx")


# Characters a GBK decode of real Chinese text yields. A file in another 8-bit encoding that
# happens to decode as GB18030 turns into private-use or rare characters and is refused.
_PLAUSIBLE = re.compile(
    "[\x00-\x7f\u00b7\u00d7\u00f7\u2010-\u2030\u2103\u2160-\u217f\u2460-\u24ff\u2500-\u257f"
    "\u25a0-\u25ff\u2605\u2606\u3000-\u303f\u3105-\u312f\u3400-\u4dbf\u4e00-\u9fff\uff01-\uffef"
    "\u0391-\u03c9\u0410-\u044f\u2190-\u2199\U00020000-\U0002ffff]*")


def _plausible_chinese(text: str) -> bool:
    return _PLAUSIBLE.fullmatch(text) is not None


def parse_csv(text: str, source: str = "csv", encoding: str = "utf-8") -> Sheet:
    """Split CSV text into a header and rows, keeping each row's first line number."""
    sample = text[:4096]
    try:
        delimiter = csv.Sniffer().sniff(sample.splitlines()[0] if sample else ",", ",\t;").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError(f"{source}: line {reader.line_num}: {exc}") from exc
    return _to_sheet(source, records, encoding, strict_width=True)


def read_xlsx(path: Path) -> Sheet:
    """The first worksheet of an .xlsx workbook, read-only (formulas as their cached values)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(f"{path}: not a readable .xlsx workbook ({exc})") from exc
    try:
        ws = wb.worksheets[0]
        records = [(n, [cell_text(v) for v in row])
                   for n, row in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1)]
    finally:
        wb.close()
    return _to_sheet(str(path), records, "xlsx", strict_width=False)


def _to_sheet(source: str, records: list[tuple[int, list[str]]], encoding: str,
              strict_width: bool) -> Sheet:
    filled = [(n, cells) for n, cells in records if any(c.strip() for c in cells)]
    if not filled:
        raise ImportFileError(f"{source}: the file has no header row")
    (header_line, header), rows = filled[0], filled[1:]
    while header and not header[-1].strip():  # Excel keeps empty trailing columns
        header = header[:-1]
    return Sheet(source, header, header_line, rows, encoding, strict_width)


# --- validation -------------------------------------------------------------------------------

def _norm(name: str) -> str:
    name = re.sub(r"[（(].*?[)）]", "", name.replace("\ufeff", "")).replace("*", "")
    return re.sub(r"[\s_\-]+", " ", name).strip().lower()


def map_columns(spec: Kind, header: list[str]) -> tuple[dict[int, str], list[str]]:
    """Column index → field name, and the problems with the header (unknown, duplicate or
    missing columns)."""
    names: dict[str, str] = {}
    for f in spec.fields:
        for alias in (f.name, *f.aliases):
            names.setdefault(_norm(alias), f.name)
    columns: dict[int, str] = {}
    problems: list[str] = []
    for i, raw in enumerate(header):
        target = names.get(_norm(raw))
        if target is None:
            problems.append(f"unknown column {raw.strip()!r} (column {i + 1})")
        elif target in columns.values():
            problems.append(f"column {raw.strip()!r} repeats the {target} column")
        else:
            columns[i] = target
    for f in spec.fields:
        if f.required and f.name not in columns.values():
            problems.append(f"missing column {f.name!r} ({' / '.join(f.aliases[:3])})")
    if problems:
        problems.append("expected columns: " + ", ".join(
            f.name + ("*" if f.required else "") for f in spec.fields))
    return columns, problems


@dataclass
class _Checked:
    records: list[tuple[int, dict[str, Any]]]
    errors: list[RowError]
    seen_keys: set[str]


def _parse_row(spec: Kind, columns: dict[int, str], width: int, cells: list[str],
               strict_width: bool) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    if len(cells) > width and any(c.strip() for c in cells[width:]):
        problems.append(f"{len(cells)} cells but the header has {width} columns")
    elif strict_width and len(cells) < width:
        problems.append(f"only {len(cells)} cells, the header has {width} columns")
    values: dict[str, Any] = {}
    for i, name in columns.items():
        f = spec.field(name)
        raw = cells[i] if i < len(cells) else ""
        if f.required and not raw.strip():
            problems.append(f"{name} is empty")
            continue
        try:
            values[name] = f.parse(raw)
        except BadValue as exc:
            problems.append(f"{name}: {exc}")
    return values, problems


def check_rows(s: Session, spec: Kind, sheet: Sheet) -> tuple[_Checked, list[RowError]]:
    """Parse and validate every row; returns the good records and every problem found."""
    columns, header_problems = map_columns(spec, sheet.header)
    if header_problems:
        return _Checked([], [], set()), [RowError(sheet.header_line, "; ".join(header_problems))]
    width = len(sheet.header)
    key_column = next(i for i, n in columns.items() if n == spec.key)
    checked = _Checked([], [], set())
    first_seen: dict[tuple[str, Any], int] = {}
    resolvers = {r.field: _resolver(s, spec, r, sheet, columns) for r in spec.refs}
    for line, cells in sheet.rows:
        if key_column < len(cells):
            checked.seen_keys.add(_raw_key(spec, cells[key_column]))
        values, problems = _parse_row(spec, columns, width, cells, sheet.strict_width)
        problems += _duplicates(spec, values, line, first_seen)
        for ref_field, resolve in resolvers.items():
            if values.get(ref_field):
                resolved, problem = resolve(values[ref_field])
                if problem:
                    problems.append(problem)
                else:
                    values[ref_field] = resolved
        if spec.name == "staff" and values.get("phone"):
            problems += _staff_phone_taken(s, values)
        if spec.name == "parts" and "stock" in values:
            problems += stock_changed(s, values)
        if problems:
            checked.errors.append(RowError(line, "; ".join(problems)))
        else:
            checked.records.append((line, values))
    return checked, []


def _raw_key(spec: Kind, raw: str) -> str:
    """A row's key even when the row is bad: such a record must not count as missing."""
    try:
        return str(spec.field(spec.key).parse(raw))
    except BadValue:
        return raw.strip()


def _duplicates(spec: Kind, values: dict[str, Any], line: int,
                first_seen: dict[tuple[str, Any], int]) -> list[str]:
    problems = []
    for name in (spec.key, *spec.unique):
        value = values.get(name)
        if value in (None, ""):
            continue
        earlier = first_seen.setdefault((name, value), line)
        if earlier != line:
            problems.append(f"duplicate {name} {value!r} (first on line {earlier})")
    return problems


def _resolver(s: Session, spec: Kind, ref: Ref, sheet: Sheet,
              columns: dict[int, str]) -> Callable[[str], tuple[str, str]]:
    """A function: a cell value → (the referenced record's code, problem or "")."""
    model: Any = ref.model
    key_attr = "number" if model.__tablename__ == "phone_entry" else "code"
    rows: list[tuple[Any, Any]] = [tuple(r) for r in s.execute(
        select(getattr(model, key_attr), getattr(model, "name", getattr(model, key_attr)))
        .where(model.active.is_(True)))]
    if ref.model is spec.model:  # a kind referring to itself: rows of the same file count too
        at = {name: i for i, name in columns.items()}
        rows += [(cells[at["code"]].strip(), cells[at["name"]].strip() if "name" in at else "")
                 for _, cells in sheet.rows if len(cells) > max(at.values())]
    codes = {str(r[0]) for r in rows}
    by_name: dict[str, set[str]] = {}
    if ref.by_name:
        for c, name in rows:
            by_name.setdefault(str(name), set()).add(str(c))
    what = {"org_unit": "department", "location": "location", "staff": "staff",
            "supplier": "supplier", "spare_part": "part"}.get(model.__tablename__, model.__tablename__)

    def resolve(value: str) -> tuple[str, str]:
        if value in codes:
            return value, ""
        named = by_name.get(value, set())
        if len(named) == 1:
            return next(iter(named)), ""
        if len(named) > 1:
            return value, f"{what} name {value!r} is ambiguous ({', '.join(sorted(named))}); use the code"
        return value, f"unknown {what} code {value!r}"
    return resolve


def _staff_phone_taken(s: Session, values: dict[str, Any]) -> list[str]:
    # Worker replies by SMS are matched by phone: two active staff on one phone would be ambiguous.
    other = s.scalar(select(Staff.code).where(Staff.phone == values["phone"], Staff.active.is_(True),
                                              Staff.code != values.get("code", "")))
    return [f"phone {values['phone']} already belongs to staff {other}"] if other else []


# --- writing ----------------------------------------------------------------------------------

@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0


def upsert_records(s: Session, spec: Kind, records: Iterable[dict[str, Any]], actor: str,
                   at: datetime, deactivate_missing: bool = False,
                   present_keys: set[str] | None = None) -> UpsertCounts:
    """Create or update ``records`` (field → parsed value) by the kind's key, with an audit
    row for each record that changes; optionally deactivate records not among the keys."""
    model: Any = spec.model
    existing = {str(getattr(o, spec.key)): o for o in s.scalars(select(model))}
    counts = UpsertCounts()
    new_rows: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    keys: set[str] = set(present_keys or ())
    for values in records:
        values = {**values, "active": True}
        key = str(values[spec.key])
        keys.add(key)
        obj = existing.get(key)
        if obj is None:
            new_rows.append(_with_defaults(spec, values))
            audit_rows.append(_audit_row(at, actor, spec.entity, key, "create", None,
                                         _jsonable(new_rows[-1])))
            counts.created += 1
            continue
        if spec.name == "parts":  # an existing part's stock moves only by stock documents
            values.pop("stock", None)
        before = {k: getattr(obj, k) for k in values}
        changed = {k: v for k, v in values.items() if before[k] != v}
        if not changed:
            counts.unchanged += 1
            continue
        for k, v in changed.items():
            setattr(obj, k, v)
        audit(s, at, actor, spec.entity, key, "update", _jsonable(before), _jsonable(values))
        counts.updated += 1
    if deactivate_missing:
        for key, obj in existing.items():
            if key not in keys and obj.active:
                obj.active = False
                audit(s, at, actor, spec.entity, key, "deactivate", {"active": True}, {"active": False})
                counts.deactivated += 1
    s.flush()
    if new_rows:
        s.execute(insert(model), new_rows)
        s.execute(insert(AuditLog), audit_rows)
        if spec.name == "parts":
            opening_balances(s, new_rows, actor, at)
    return counts


def _with_defaults(spec: Kind, values: dict[str, Any]) -> dict[str, Any]:
    # Bulk inserts skip the ORM's Python-side defaults: give every column its value.
    row: dict[str, Any] = {}
    for col in spec.model.__table__.columns:  # type: ignore[attr-defined]
        if col.name in values:
            row[col.name] = values[col.name]
        elif col.default is not None and not col.primary_key:
            arg = col.default.arg
            row[col.name] = arg(None) if callable(arg) else arg
    return row


def _audit_row(at: datetime, actor: str, entity: str, key: str, action: str,
               before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    return {"at": at, "actor": actor[:50], "entity": entity, "entity_key": key[:50],
            "action": action, "before": before, "after": after}


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: jsonable(v) for k, v in values.items()}


# --- the whole import -------------------------------------------------------------------------

def import_sheet(store: Store, kind_name: str, sheet: Sheet, actor: str = "import",
                 partial: bool = False, deactivate_missing: bool = False,
                 at: datetime | None = None, dry_run: bool = False) -> ImportReport:
    """Validate ``sheet`` as ``kind_name`` and write it in one transaction (see module doc).
    ``dry_run`` validates only: the report says what is wrong and nothing is written."""
    spec = kind(kind_name)
    report = ImportReport(spec.name, sheet.source, sheet.encoding, rows=len(sheet.rows))
    with store.session() as s:
        checked, header_errors = check_rows(s, spec, sheet)
        report.errors = header_errors or checked.errors
        if header_errors or (checked.errors and not partial) or dry_run:
            return report
        counts = upsert_records(s, spec, (v for _, v in checked.records), actor,
                                at or datetime.now(UTC), deactivate_missing, checked.seen_keys)
    report.created, report.updated = counts.created, counts.updated
    report.unchanged, report.deactivated = counts.unchanged, counts.deactivated
    report.applied = True
    return report


def import_file(store: Store, kind_name: str, path: str | Path, actor: str = "import",
                partial: bool = False, deactivate_missing: bool = False,
                at: datetime | None = None) -> ImportReport:
    """Import a CSV or .xlsx file of ``kind_name`` records; a file that cannot be read at all
    is reported as one error on line 0."""
    name = kind(kind_name).name  # an unknown kind is the caller's mistake: raise, don't report
    try:
        sheet = read_sheet(path)
    except ImportFileError as exc:
        return ImportReport(name, str(path), errors=[RowError(0, str(exc))])
    return import_sheet(store, kind_name, sheet, actor, partial, deactivate_missing, at)


def import_bytes(store: Store, kind_name: str, filename: str, data: bytes, actor: str = "import",
                 dry_run: bool = False, partial: bool = False) -> ImportReport:
    """Import an uploaded file (the desk's admin page): the same checks as ``import_file``;
    the file name's suffix says CSV or Excel."""
    import tempfile

    name = kind(kind_name).name
    suffix = Path(filename).suffix.lower() or ".csv"
    with tempfile.TemporaryDirectory(prefix="onestop-import-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            sheet = read_sheet(path)
        except ImportFileError as exc:
            return ImportReport(name, filename, errors=[RowError(0, str(exc))])
    return import_sheet(store, kind_name, replace(sheet, source=filename), actor, partial,
                        dry_run=dry_run)
