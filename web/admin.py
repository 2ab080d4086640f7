"""Master data admin: list, edit (audited, with history), import files with the bad-row report,
and the log-in accounts. Administrators only."""

from __future__ import annotations

import importlib
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Boolean, Integer, Numeric, inspect, or_, select
from sqlalchemy.orm import Session

from ticketing.audit import audit, history, row_dict
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
from web.auth import CurrentUser, page_user, require
from web.security import ROLES, hash_password

router = APIRouter()

# kind → (model, key column, columns an admin may edit)
KINDS: dict[str, tuple[Any, str, tuple[str, ...]]] = {
    "locations": (Location, "code", ("campus", "building", "floor", "room", "name", "org_code", "active")),
    "org_units": (OrgUnit, "code", ("name", "name_en", "kind", "parent_code", "active")),
    "staff": (Staff, "code", ("name", "org_code", "role", "team", "skills", "phone", "shift",
                              "on_duty", "active")),
    "phone_directory": (PhoneEntry, "number", ("person", "staff_code", "org_code", "location_code",
                                               "vip", "active")),
    "spare_parts": (SparePart, "code", ("name", "spec", "unit", "stock", "price", "supplier_code",
                                        "active")),
    "suppliers": (Supplier, "code", ("name", "contact", "phone", "active")),
    "menus": (MenuItem, "code", ("name", "name_en", "meal", "diet", "price", "cutoff", "active")),
    "users": (User, "username", ("display_name", "role", "language", "staff_code", "active")),
}
Kind = Annotated[str, Path(pattern="^(" + "|".join(KINDS) + ")$", description="master data kind")]
Admin = Annotated[CurrentUser, Depends(require("admin"))]
AdminPage = Annotated[CurrentUser, Depends(page_user("admin"))]


def _web(request: Request) -> Any:
    return request.app.state.web


def _public(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("password_hash", None)
    return row


def list_rows(s: Session, kind: str, q: str, limit: int) -> list[dict[str, Any]]:
    model, key, fields = KINDS[kind]
    stmt = select(model).order_by(getattr(model, key)).limit(limit)
    if q:
        like = "%" + q.replace("%", "").replace("_", "") + "%"
        text_cols = [getattr(model, c) for c in (key, *fields) if c in ("name", "person", "building",
                                                                        "display_name")]
        stmt = stmt.where(or_(getattr(model, key).like(like), *(c.like(like) for c in text_cols)))
    return [_public(row_dict(r)) for r in s.scalars(stmt)]


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
    audit(s, now, actor, model.__tablename__, key, "edit", _public(before), _public(after))
    return _public(after)


class EditIn(BaseModel):
    changes: dict[str, str | int | float | bool | None] = Field(max_length=20)


class NewUserIn(BaseModel):
    username: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: str = Field(pattern="^(" + "|".join(ROLES) + ")$")
    display_name: str = Field("", max_length=50)
    language: str = Field("zh-CN", pattern="^(zh-CN|en)$")
    staff_code: str = Field("", max_length=32)


# --- API ---------------------------------------------------------------------------------

@router.get("/api/admin/{kind}")
def api_list(request: Request, kind: Kind, user: Admin,
             q: Annotated[str, Query(max_length=50)] = "",
             limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    """Master data rows of one kind (search by code or name)."""
    with _web(request).deps.store.session() as s:
        return list_rows(s, kind, q, limit)


@router.patch("/api/admin/{kind}/{key}")
def api_edit(request: Request, kind: Kind, key: Annotated[str, Path(max_length=50)], body: EditIn,
             user: Admin) -> dict[str, Any]:
    """Change a master record; the change is audited (before → after)."""
    web = _web(request)
    with web.deps.store.session() as s:
        return edit_row(s, kind, key, dict(body.changes), user.username, web.deps.clock.now())


@router.get("/api/admin/{kind}/{key}/history")
def api_history(request: Request, kind: Kind, key: Annotated[str, Path(max_length=50)],
                user: Admin) -> list[dict[str, Any]]:
    """Every recorded change of one master record."""
    model = KINDS[kind][0]
    with _web(request).deps.store.session() as s:
        return [{"at": a.at.isoformat(), "actor": a.actor, "action": a.action, "before": a.before,
                 "after": a.after} for a in history(s, model.__tablename__, key)]


@router.post("/api/admin/users", status_code=201)
def api_new_user(request: Request, body: NewUserIn, user: Admin) -> dict[str, Any]:
    """Create a log-in account (the password is stored as a scrypt hash)."""
    web = _web(request)
    with web.deps.store.session() as s:
        if s.scalar(select(User.id).where(User.username == body.username)) is not None:
            raise HTTPException(409, f"user {body.username} exists")
        u = User(username=body.username, display_name=body.display_name, role=body.role,
                 language=body.language, staff_code=body.staff_code,
                 password_hash=hash_password(body.password), failed_attempts=0, active=True)
        s.add(u)
        s.flush()
        audit(s, web.deps.clock.now(), user.username, "app_user", body.username, "create", None,
              _public(row_dict(u)))
        return _public(row_dict(u))


@router.post("/api/admin/import/{kind}")
async def api_import(request: Request, kind: Kind, user: Admin,
                     file: Annotated[UploadFile, File()], dry_run: Annotated[bool, Form()] = False) -> dict[str, Any]:
    """Import a CSV or Excel file of one kind: all rows or none; the report lists each bad row
    with its line and reason."""
    data = await file.read(20 * 1024 * 1024 + 1)
    if len(data) > 20 * 1024 * 1024:
        raise HTTPException(413, "file larger than 20 MiB")
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(run_import, _web(request), kind, file.filename or "upload.csv",
                                   data, user.username, dry_run)


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


# --- pages -------------------------------------------------------------------------------

@router.get("/admin", response_class=HTMLResponse, include_in_schema=False)
def admin_home(request: Request, user: AdminPage, kind: str = "locations", q: str = "") -> Response:
    web = _web(request)
    if kind not in KINDS:
        raise HTTPException(404, "unknown kind")
    with web.deps.store.session() as s:
        rows = list_rows(s, kind, q[:50], 200)
    key, fields = KINDS[kind][1], KINDS[kind][2]
    return web.render(request, "admin.html", user, {
        "kinds": list(KINDS), "kind": kind, "rows": rows, "key": key, "fields": fields, "q": q})


@router.get("/admin/{kind}/{key}/history", response_class=HTMLResponse, include_in_schema=False)
def admin_history(request: Request, kind: Kind, key: Annotated[str, Path(max_length=50)],
                  user: AdminPage) -> Response:
    web = _web(request)
    model = KINDS[kind][0]
    with web.deps.store.session() as s:
        entries = [{"at": a.at, "actor": a.actor, "action": a.action, "before": a.before,
                    "after": a.after} for a in history(s, model.__tablename__, key)]
    return web.render(request, "history.html", user, {"kind": kind, "key": key, "entries": entries})
