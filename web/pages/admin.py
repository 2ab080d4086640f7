"""The master data pages (基础数据, administrators only): one kind's rows a page at a time with
a search, each value by its name; an edit form per row and a file import with its report
(through ``web.api.masterdata``); a record's change history as readable changes; and the
log-in accounts (``kind=users``: create, role, password, disable, unlock a throttled name, end
sessions — through ``web.api.accounts``)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from ticketing.audit import history
from ticketing.masterdata import KIND_ALIASES
from web import accounts, labels, timefmt
from web.deps import AdminPage, web_state
from web.masterdata import KINDS, PageKind, list_page
from web.masterdata_view import display, schema
from web.names import Names
from web.paging import page_number, page_of
from web.security import ROLES

router = APIRouter(include_in_schema=False)

ADMIN_SIZE = 30


@router.get("/admin", response_class=HTMLResponse)
def admin_home(request: Request, user: AdminPage, kind: str = "locations",
               q: Annotated[str, Query(max_length=50)] = "", page: str = "1") -> Response:
    web = web_state(request)
    kind = KIND_ALIASES.get(kind, kind)  # a bookmark may still say an old name
    if kind not in KINDS:
        raise HTTPException(404, "unknown kind")
    language = web.language(user)
    words = web.words(language)
    params = {"kind": kind, "q": q.strip()}
    if kind == "users":
        return _users_page(request, user, words, language, params, page_number(page))
    with web.deps.store.session() as s:
        listed = list_page(s, kind, q.strip(), page_number(page), ADMIN_SIZE, "/admin", params)
        listed.rows = display(s, kind, listed.rows, words, language)
        form = schema(s, kind, words, language)
    return web.render(request, "admin.html", user, {
        "kinds": list(KINDS), "kind": kind, "listed": listed, "key": KINDS[kind][1],
        "fields": KINDS[kind][2], "q": q, "schema": form})


def _users_page(request: Request, user: Any, words: dict[str, str], language: str,
                params: dict[str, Any], number: int) -> Response:
    web = web_state(request)
    now = web.deps.clock.now()
    with web.deps.store.session() as s:
        rows = accounts.list_users(s, now, params["q"], 2000)  # accounts are hundreds at most
        listed = page_of(rows, number, ADMIN_SIZE, "/admin", params)
        staff = Names(s, words, language).staff(r["staff_code"] for r in listed.rows)
    for r in listed.rows:
        r["staff_name"] = staff.get(r["staff_code"], "") if r["staff_code"] else ""
    return web.render(request, "users.html", user, {
        "kinds": list(KINDS), "kind": "users", "listed": listed, "q": params["q"], "roles": ROLES,
        "languages": ("zh-CN", "en")})


def _value_text(field: str, value: Any, words: dict[str, str], tz: Any = None) -> str:
    """A value in a history entry as people read it."""
    if tz is not None and isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d.*", value):
        return timefmt.fmt(value, tz, "full")
    if isinstance(value, bool) or field in ("active", "on_duty", "vip", "locked"):
        return labels.label("bool", bool(value), words)
    if value in (None, ""):
        return "—"
    if field == "reason":
        return words.get("loginwhy:" + str(value).replace(" ", "_"), str(value))
    if field == "role":
        key = labels.key("role", value)
        return words.get(key) or labels.label("staffrole", value, words)
    kinds = {"shift": "shift", "kind": "orgkind", "meal": "meal", "diet": "diet", "language": "lang",
             "skills": "svc", "grade": "grade"}
    if field in kinds:
        return labels.label(kinds[field], value, words)
    return str(value)


def readable_changes(before: dict[str, Any] | None, after: dict[str, Any] | None,
                     words: dict[str, str], tz: Any = None) -> list[dict[str, str]]:
    """The fields an audit entry changed, each with its name and its old and new value."""
    before, after = before or {}, after or {}
    out = []
    for field in [*after.keys(), *[k for k in before if k not in after]]:
        if field in ("id", "password_hash", "failed_attempts") or before.get(field) == after.get(field):
            continue
        out.append({"field": labels.label("field", field, words),
                    "before": _value_text(field, before.get(field), words, tz) if field in before else "",
                    "after": _value_text(field, after.get(field), words, tz) if field in after else "—"})
    return out


@router.get("/admin/{kind}/{key}/history", response_class=HTMLResponse)
def admin_history(request: Request, kind: PageKind, key: Annotated[str, Path(max_length=50)],
                  user: AdminPage) -> Response:
    web = web_state(request)
    kind = KIND_ALIASES.get(kind, kind)
    model = KINDS[kind][0]
    language = web.language(user)
    words = web.words(language)
    with web.deps.store.session() as s:
        entries: list[dict[str, Any]] = [{"at": a.at, "actor": a.actor, "action": a.action,
                    "changes": readable_changes(a.before, a.after, words, web.tz)}
                   for a in history(s, model.__tablename__, key)]
        people = Names(s, words, language).users(e["actor"] for e in entries)
    for e in entries:
        e["actor_name"] = words.get(f"actor:{e['actor']}") or people.get(e["actor"], e["actor"])
    return web.render(request, "history.html", user, {"kind": kind, "key": key, "entries": entries})
