"""Master data as administrators see it: the kinds they may list and edit (with the columns
they may change), listing with a search, an audited edit, and imports handed to
``ticketing.imports`` with the bad-row report. The routes are ``web.api.masterdata`` and
``web.pages.admin``.

A kind has one name on the command line (``onestop import KIND``), in the API
(``/api/admin/KIND``) and on the admin pages (``/admin?kind=KIND``): the importable kinds are
named as in ``ticketing.masterdata.KINDS``, plus ``users`` (log-in accounts, not imported).
The old spellings in ``ticketing.masterdata.KIND_ALIASES`` are still served, off the OpenAPI
document.
"""

from __future__ import annotations

import importlib
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import HTTPException, Path
from sqlalchemy import Boolean, Integer, Numeric, inspect, or_, select
from sqlalchemy.orm import Session

from ticketing.audit import audit, row_dict
from ticketing.masterdata import KIND_ALIASES
from ticketing.model import (
    Location,
    MenuItem,
    OrgUnit,
    PhoneEntry,
    SparePart,
    Staff,
    Supplier,
    User,
)
from web.paging import Page, paginate
from web.security import ROLES

# kind → (model, key column, columns an admin may edit)
KINDS: dict[str, tuple[Any, str, tuple[str, ...]]] = {
    "locations": (Location, "code", ("campus", "building", "floor", "room", "name", "org_code", "active")),
    "org_units": (OrgUnit, "code", ("name", "name_en", "kind", "parent_code", "active")),
    "staff": (Staff, "code", ("name", "org_code", "role", "team", "skills", "phone", "shift",
                              "on_duty", "active")),
    "phones": (PhoneEntry, "number", ("person", "staff_code", "org_code", "location_code", "vip",
                                      "active")),
    "parts": (SparePart, "code", ("name", "spec", "unit", "stock", "price", "supplier_code",
                                  "active")),
    "suppliers": (Supplier, "code", ("name", "contact", "phone", "active")),
    "menus": (MenuItem, "code", ("name", "name_en", "meal", "diet", "price", "cutoff", "active")),
    "users": (User, "username", ("display_name", "role", "language", "staff_code", "active")),
}
Kind = Annotated[str, Path(pattern="^(" + "|".join(KINDS) + ")$", description="master data kind")]
# A page's path may still say an old name (a bookmark); the API's old names are routes of their own.
PageKind = Annotated[str, Path(pattern="^(" + "|".join([*KINDS, *KIND_ALIASES]) + ")$")]


def public(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("password_hash", None)
    return row


def _list_stmt(kind: str, q: str) -> Any:
    model, key, fields = KINDS[kind]
    stmt = select(model).order_by(getattr(model, key))
    if q:
        like = "%" + q.replace("%", "").replace("_", "") + "%"
        text_cols = [getattr(model, c) for c in (key, *fields) if c in ("name", "person", "building",
                                                                        "display_name")]
        stmt = stmt.where(or_(getattr(model, key).like(like), *(c.like(like) for c in text_cols)))
    return stmt


def list_rows(s: Session, kind: str, q: str, limit: int) -> list[dict[str, Any]]:
    return [public(row_dict(r)) for r in s.scalars(_list_stmt(kind, q).limit(limit))]


def list_page(s: Session, kind: str, q: str, number: int, size: int, base: str,
              params: dict[str, Any]) -> Page:
    """One page of ``kind``'s rows matching ``q`` (code or name), with how many match."""
    page = paginate(s, _list_stmt(kind, q), number, size, base, params)
    page.rows = [public(row_dict(r)) for r in page.rows]
    return page


def _coerce(model: Any, column: str, value: Any) -> Any:
    col_type = inspect(model).columns[column].type
    try:
        if isinstance(col_type, Boolean):
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "y", "是")
            return bool(value)
        if isinstance(col_type, Integer):
            return int(value)
        if isinstance(col_type, Numeric):
            return Decimal(str(value))
    except (ValueError, TypeError, InvalidOperation):
        raise HTTPException(400, f"{column}: {value!r} is not a valid value") from None
    text = str(value)
    length = getattr(col_type, "length", None)
    if length and len(text) > length:
        raise HTTPException(400, f"{column}: longer than {length} characters")
    return text


def edit_row(s: Session, kind: str, key: str, changes: dict[str, Any], actor: str, now: Any) -> dict[str, Any]:
    model, key_col, fields = KINDS[kind]
    unknown = set(changes) - set(fields)
    if unknown:
        raise HTTPException(400, f"cannot edit {', '.join(sorted(unknown))} of {kind}")
    if kind == "users" and "role" in changes and changes["role"] not in ROLES:
        raise HTTPException(400, f"role must be one of {', '.join(ROLES)}")
    row = s.scalar(select(model).where(getattr(model, key_col) == key))
    if row is None:
        raise HTTPException(404, f"no {kind} {key!r}")
    before = row_dict(row)
    for column, value in changes.items():
        setattr(row, column, _coerce(model, column, value))
    s.flush()
    after = row_dict(row)
    audit(s, now, actor, model.__tablename__, key, "edit", public(before), public(after))
    return public(after)


def run_import(web: Any, kind: str, filename: str, data: bytes, actor: str, dry_run: bool) -> dict[str, Any]:
    """Hand the file to ``ticketing.imports`` and return its report as plain data."""
    try:
        imports = importlib.import_module("ticketing.imports")
    except ImportError:
        raise HTTPException(501, "imports are not available in this build (ticketing.imports)") from None
    importer = getattr(imports, "import_bytes", None)
    if importer is None:
        raise HTTPException(501, "ticketing.imports has no import_bytes(store, kind, filename, data, actor, dry_run)")
    try:
        report = importer(web.deps.store, kind, filename, data, actor=actor, dry_run=dry_run)
    except (ValueError, KeyError) as exc:
        raise HTTPException(400, str(exc)) from exc
    with web.deps.store.session() as s:
        audit(s, web.deps.clock.now(), actor, "import", kind, "import", None,
              {"file": filename[:100], "dry_run": dry_run})
    return report if isinstance(report, dict) else _report_dict(report)


def _report_dict(report: Any) -> dict[str, Any]:
    if hasattr(report, "as_dict"):
        return dict(report.as_dict())
    if hasattr(report, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(report)
    return {"report": str(report)}
