"""Reading an import file: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, the delimiter sniffed) or
Excel (.xlsx, the first worksheet) into a ``Sheet`` — a header and rows with their line numbers.
A file that cannot be read as a whole raises ``ImportFileError`` naming the file (and the line).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, format); nothing was imported."""


@dataclass(frozen=True)
class Sheet:
    """A table read from a file: the header and the data rows with their line numbers."""

    source: str
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]
    encoding: str = ""
    strict_width: bool = True  # CSV rows must have as many cells as the header


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


def cell_text(value: Any) -> str:
    """An Excel cell as the text a CSV would hold (``305.0`` → ``305``, dates as ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "strftime"):  # datetime.time
        return str(value.strftime("%H:%M"))
    return str(value)
