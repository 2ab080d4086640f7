"""Tables out of the building for the stores, the kitchen and the escorts: CSV (UTF-8 with
BOM, so Excel opens Chinese right) and Excel workbooks of one or more sheets, with the
column headings in the user's language and nothing a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.responses import Response
from openpyxl import Workbook

from web.export import _safe_cell


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[str]  # keys of the rows
    rows: Sequence[dict[str, Any]]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float, str)):
        return _safe_cell(value)
    return _safe_cell(str(value))


def to_csv(sheet: Sheet, heading: Callable[[str], str]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([heading(c) for c in sheet.columns])
    for r in sheet.rows:
        writer.writerow([_cell(r.get(c)) for c in sheet.columns])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(sheets: Sequence[Sheet], heading: Callable[[str], str]) -> bytes:
    wb = Workbook()
    first = True
    for sheet in sheets:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = sheet.title[:31] or "sheet"
        ws.append([heading(c) for c in sheet.columns])
        for r in sheet.rows:
            ws.append([_cell(r.get(c)) for c in sheet.columns])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def attachment(filename: str) -> str:
    """A Content-Disposition for ``filename``: an ASCII name for old clients and the real one
    (a supplier's Chinese name, say) in RFC 6266's ``filename*``; headers are Latin-1, so a
    name put in as it is would fail the response."""
    from urllib.parse import quote

    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download(sheets: Sequence[Sheet], fmt: str, name: str, heading: Callable[[str], str]) -> Response:
    """The first sheet as CSV, or every sheet in one workbook."""
    disposition = {"Content-Disposition": attachment(f"{name}.{fmt}")}
    if fmt == "csv":
        return Response(to_csv(sheets[0], heading), media_type="text/csv; charset=utf-8", headers=disposition)
    return Response(to_xlsx(sheets, heading),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers=disposition)
