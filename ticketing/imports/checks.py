"""Checking an import's rows before anything is written: the header mapped to the kind's
fields (English or Chinese names), every cell parsed, duplicates within the file, references
resolved (by code, or by an unambiguous name), the staff's phones and the parts' stock — every
problem reported as a ``RowError`` with its line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.imports.sheets import Sheet
from ticketing.masterdata import BadValue, Kind, Ref
from ticketing.model import Staff
from ticketing.stock_import import stock_changed


@dataclass(frozen=True)
class RowError:
    line: int  # 1-based line (CSV) or row (Excel) of the file; the header is line 1
    reason: str


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
