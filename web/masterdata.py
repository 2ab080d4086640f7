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
import math
from typing import Annotated, Any

from fastapi import HTTPException, Path
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict
from pydantic import Field as Spec
from sqlalchemy import Boolean, Integer, Numeric, inspect, or_, select
from sqlalchemy.orm import Session

from ticketing.audit import audit, row_dict
from ticketing.masterdata import KIND_ALIASES, BadValue, Field, boolean, choice, code, text
from ticketing.masterdata import KINDS as IMPORTABLE
from ticketing.masterdata import Kind as KindSpec
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
from ticketing.model_facilities import Equipment
from web.paging import Page, paginate
from web.security import ROLES

# kind → (model, key column, columns an admin may edit)
KINDS: dict[str, tuple[Any, str, tuple[str, ...]]] = {
    "locations": (Location, "code", ("campus", "building", "floor", "room", "name", "org_code", "active")),
    "org_units": (OrgUnit, "code", ("name", "name_en", "kind", "parent_code", "active")),
    "staff": (Staff, "code", ("name", "org_code", "role", "team", "skills", "phone", "shift",
                              "on_duty", "active", "grade")),
    "phones": (PhoneEntry, "number", ("person", "staff_code", "org_code", "location_code", "vip",
                                      "active")),
    # the stock moves only by stock documents (/stock): not an edit
    "parts": (SparePart, "code", ("name", "spec", "unit", "price", "supplier_code", "active",
                                  "min_stock", "reorder_qty")),
    "suppliers": (Supplier, "code", ("name", "contact", "phone", "active")),
    "menus": (MenuItem, "code", ("name", "name_en", "meal", "diet", "price", "cutoff", "active")),
    "equipment": (Equipment, "code", ("name", "type", "location_code", "supplier_code", "model",
                                      "serial", "installed", "status", "active")),
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


# --- checking an edit: the importer's parser for each field ----------------------------------

class EditIn(BaseModel):
    """An edit of one record: column → new value (text, a number, yes/no or null)."""
    model_config = ConfigDict(extra="forbid")
    changes: dict[str, str | int | float | bool | None] = Spec(min_length=1, max_length=20)


ACTIVE = Field("active", (), boolean(True))
USER_FIELDS: dict[str, Field] = {f.name: f for f in (
    Field("display_name", (), text(50)),
    Field("role", (), choice({r: r for r in ROLES}, ""), required=True),
    Field("language", (), choice({"zh-cn": "zh-CN", "en": "en"}, ""), required=True),
    Field("staff_code", (), code(32)),
    ACTIVE,
)}


def field_specs(kind: str) -> dict[str, Field]:
    """Every column an administrator may edit of ``kind``, with the parser that checks it —
    the importer's (``ticketing.masterdata``), and a yes/no for ``active``."""
    if kind == "users":
        return USER_FIELDS
    specs = {f.name: f for f in IMPORTABLE[kind].fields}
    return {name: specs.get(name, ACTIVE if name == "active" else None)  # type: ignore[misc]
            for name in KINDS[kind][2]}


def check_changes(s: Session, kind: str, key: str, changes: dict[str, Any]) -> dict[str, Any]:
    """The edit's values as the columns take them, or ``RequestValidationError`` (422) naming
    every bad field: a JSON value goes through the field's import parser as the text of a
    cell; ``null`` is an empty cell (refused where a value is required, and for yes/no)."""
    model, _key, _fields = KINDS[kind]
    specs = field_specs(kind)
    errors: list[dict[str, Any]] = []
    out: dict[str, Any] = {}
    for name, value in changes.items():
        spec = specs.get(name)
        if spec is None:
            errors.append(_error(name, value, f"cannot edit {name} of {kind}; "
                                              f"editable: {', '.join(specs)}"))
            continue
        try:
            out[name] = _parsed(model, spec, value)
            if kind in IMPORTABLE:
                out[name] = _resolved(s, IMPORTABLE[kind], name, out[name], key)
        except BadValue as exc:
            errors.append(_error(name, value, str(exc)))
    if errors:
        raise RequestValidationError(errors)
    return out


def _error(field: str, value: Any, message: str) -> dict[str, Any]:
    return {"type": "value_error", "loc": ("body", "changes", field), "msg": message,
            "input": value}


def _parsed(model: Any, spec: Field, value: Any) -> Any:
    column = inspect(model).columns[spec.name].type
    yes_no, numeric = isinstance(column, Boolean), isinstance(column, (Integer, Numeric))
    if value is None:
        if yes_no:
            raise BadValue("must be yes or no, not empty")
        cell = ""
    elif isinstance(value, bool):
        if not yes_no:
            raise BadValue("true/false is a yes/no answer, and this is not a yes/no field")
        cell = "1" if value else "0"
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise BadValue("is not a finite number")
        if not numeric:
            raise BadValue("expected text, not a number with a fraction")
        cell = repr(value)
    elif isinstance(value, int):
        cell = str(value)
    elif isinstance(value, str):
        cell = value
    else:
        raise BadValue("expected text, a number or yes/no")
    parsed = spec.parse(cell)
    if spec.required and parsed in ("", None):
        raise BadValue("required: may not be empty")
    return parsed


def _resolved(s: Session, spec: KindSpec, name: str, value: Any, key: str) -> Any:
    """A reference (a department, a supplier…) by code or exact name → its code; a staff
    phone another active worker has is refused (replies are matched by phone)."""
    ref = next((r for r in spec.refs if r.field == name), None)
    if ref is not None and value:
        target: Any = ref.model
        code_col = target.number if target.__tablename__ == "phone_entry" else target.code
        what = {"org_unit": "department", "location": "location", "staff": "staff",
                "supplier": "supplier"}.get(target.__tablename__, target.__tablename__)
        if s.scalar(select(code_col).where(code_col == value)) is not None:
            return value
        named = list(s.scalars(select(code_col).where(target.name == value).limit(2))) \
            if ref.by_name else []
        if len(named) == 1:
            return named[0]
        if named:
            raise BadValue(f"{what} name {value!r} is ambiguous; use the code")
        raise BadValue(f"unknown {what} code {value!r}")
    if name in spec.unique and value:
        column = getattr(spec.model, name)
        other = s.scalar(select(getattr(spec.model, spec.key)).where(
            column == value, getattr(spec.model, spec.key) != key,
            spec.model.active.is_(True)))  # type: ignore[attr-defined]
        if other is not None:
            raise BadValue(f"{name} {value} already belongs to {spec.name} {other}")
    return value


def edit_row(s: Session, kind: str, key: str, changes: dict[str, Any], actor: str, now: Any) -> dict[str, Any]:
    """Check and apply an administrator's edit of one record, audited (before → after)."""
    model, key_col, _fields = KINDS[kind]
    row = s.scalar(select(model).where(getattr(model, key_col) == key))
    if row is None:
        raise HTTPException(404, f"no {kind} {key!r}")
    values = check_changes(s, kind, key, changes)
    before = row_dict(row)
    for column, value in values.items():
        setattr(row, column, value)
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
