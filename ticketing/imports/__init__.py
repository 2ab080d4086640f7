"""Master data imports from CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) and Excel (.xlsx).

Every row is validated before anything is written and every bad row is reported with its line
and reason. One transaction: a file with a bad row imports nothing unless ``partial`` is asked
for. Records are upserted by their natural key, so importing the same file again changes
nothing; each created, changed or deactivated record gets an audit row (its history).

The steps live in modules of their own: ``sheets`` reads the file, ``checks`` validates every
row, ``upsert`` writes the records with their audit rows; this module holds the report and the
whole import, and every name the rest of the code imports from ``ticketing.imports``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ticketing.imports.checks import RowError, check_rows, map_columns
from ticketing.imports.sheets import (
    ImportFileError,
    Sheet,
    decode_text,
    parse_csv,
    read_sheet,
    read_xlsx,
)
from ticketing.imports.upsert import UpsertCounts, upsert_records
from ticketing.masterdata import kind
from ticketing.store import Store

__all__ = ["ImportFileError", "ImportReport", "RowError", "Sheet", "UpsertCounts", "check_rows",
           "decode_text", "import_bytes", "import_file", "import_sheet", "map_columns",
           "parse_csv", "read_sheet", "read_xlsx", "upsert_records"]


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
