"""Master data over the API (administrators only): rows of one kind, an audited edit, a
record's history, imports of CSV or Excel files. Log-in accounts
have routes of their own (``web.api.accounts``), answered before the ``/{kind}`` routes here.

``KIND`` is one of ``web.masterdata.KINDS`` — the names ``onestop import`` takes. The old
spellings (``/api/admin/phone_directory``, ``/api/admin/spare_parts``…) still answer, as the
kinds they stand for, but are left out of the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Path, Query, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from ticketing.audit import history
from ticketing.masterdata import KIND_ALIASES
from web import explain
from web.deps import Admin, web_state
from web.masterdata import KINDS, EditIn, Kind, edit_row, list_rows, run_import

router = APIRouter(prefix="/api/admin", tags=["master data"])


def _old_name_routes(old: str, new: str) -> None:
    """The routes below under a kind's old name, answering as kind ``new``."""

    @router.get(f"/{old}", include_in_schema=False)
    def api_list_old_name(request: Request, user: Admin,
                          q: Annotated[str, Query(max_length=50)] = "",
                          limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
        return api_list(request, new, user, q, limit)

    @router.patch(f"/{old}/{{key}}", include_in_schema=False)
    def api_edit_old_name(request: Request, key: Annotated[str, Path(max_length=50)], body: EditIn,
                          user: Admin) -> dict[str, Any]:
        return api_edit(request, new, key, body, user)

    @router.get(f"/{old}/{{key}}/history", include_in_schema=False)
    def api_history_old_name(request: Request, key: Annotated[str, Path(max_length=50)],
                             user: Admin) -> list[dict[str, Any]]:
        return api_history(request, new, key, user)

    @router.post(f"/import/{old}", include_in_schema=False)
    async def api_import_old_name(request: Request, user: Admin, file: Annotated[UploadFile, File()],
                                  dry_run: Annotated[bool, Form()] = False) -> dict[str, Any]:
        return await api_import(request, new, user, file, dry_run)


# Before the {kind} routes: they would take an old name first and refuse it (422).
for _old, _new in KIND_ALIASES.items():
    _old_name_routes(_old, _new)


@router.get("/{kind}")
def api_list(request: Request, kind: Kind, user: Admin,
             q: Annotated[str, Query(max_length=50)] = "",
             limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    """Master data rows of one kind (search by code or name)."""
    with web_state(request).deps.store.session() as s:
        return list_rows(s, kind, q, limit)


@router.patch("/{kind}/{key}")
def api_edit(request: Request, kind: Kind, key: Annotated[str, Path(max_length=50)], body: EditIn,
             user: Admin) -> dict[str, Any]:
    """Change a master record; the change is audited (before → after)."""
    web = web_state(request)
    with web.deps.store.session() as s:
        return edit_row(s, kind, key, dict(body.changes), user.username, web.deps.clock.now())


@router.get("/{kind}/{key}/history")
def api_history(request: Request, kind: Kind, key: Annotated[str, Path(max_length=50)],
                user: Admin) -> list[dict[str, Any]]:
    """Every recorded change of one master record."""
    model = KINDS[kind][0]
    with web_state(request).deps.store.session() as s:
        return [{"at": a.at.isoformat(), "actor": a.actor, "action": a.action, "before": a.before,
                 "after": a.after} for a in history(s, model.__tablename__, key)]


@router.post("/import/{kind}")
async def api_import(request: Request, kind: Kind, user: Admin,
                     file: Annotated[UploadFile, File()], dry_run: Annotated[bool, Form()] = False) -> dict[str, Any]:
    """Import a CSV or Excel file of one kind: all rows or none; the report lists each bad row
    with its line and reason (``reason`` in English for programs, ``message`` in the user's
    language)."""
    data = await file.read(20 * 1024 * 1024 + 1)
    if len(data) > 20 * 1024 * 1024:
        raise HTTPException(413, "file larger than 20 MiB")
    web = web_state(request)
    report = await run_in_threadpool(run_import, web, kind, file.filename or "upload.csv",
                                     data, user.username, dry_run)
    words = web.words(web.language(user))
    for error in report.get("errors", []):  # each reason also in the words of who imported
        error["message"] = explain.reasons(str(error.get("reason", "")), words)
    return report
