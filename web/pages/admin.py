"""The master data pages (基础数据, administrators only): one kind's rows with a search, inline
edits and a file import (through ``web.api.masterdata``), and a record's change history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, Response

from ticketing.audit import history
from ticketing.masterdata import KIND_ALIASES
from web.deps import AdminPage, web_state
from web.masterdata import KINDS, PageKind, list_rows

router = APIRouter(include_in_schema=False)


@router.get("/admin", response_class=HTMLResponse)
def admin_home(request: Request, user: AdminPage, kind: str = "locations", q: str = "") -> Response:
    web = web_state(request)
    kind = KIND_ALIASES.get(kind, kind)  # a bookmark may still say an old name
    if kind not in KINDS:
        raise HTTPException(404, "unknown kind")
    with web.deps.store.session() as s:
        rows = list_rows(s, kind, q[:50], 200)
    key, fields = KINDS[kind][1], KINDS[kind][2]
    return web.render(request, "admin.html", user, {
        "kinds": list(KINDS), "kind": kind, "rows": rows, "key": key, "fields": fields, "q": q})


@router.get("/admin/{kind}/{key}/history", response_class=HTMLResponse)
def admin_history(request: Request, kind: PageKind, key: Annotated[str, Path(max_length=50)],
                  user: AdminPage) -> Response:
    web = web_state(request)
    kind = KIND_ALIASES.get(kind, kind)
    model = KINDS[kind][0]
    with web.deps.store.session() as s:
        entries = [{"at": a.at, "actor": a.actor, "action": a.action, "before": a.before,
                    "after": a.after} for a in history(s, model.__tablename__, key)]
    return web.render(request, "history.html", user, {"kind": kind, "key": key, "entries": entries})
