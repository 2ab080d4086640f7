"""Log-in accounts and sessions. One's own sessions (``/api/me/sessions``: list, log out
everywhere) for every logged-in user; the accounts (``/api/admin/users``: list, create,
change role or name or language, disable, reset a password, unlock a throttled name, end all
of a user's sessions) for administrators. Every change is audited.

This module is included before ``web.api.masterdata``, so ``/api/admin/users`` and
``/api/admin/users/{username}`` are answered here rather than by its ``/{kind}`` routes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from web import accounts, sessions
from web.auth import end_user_sessions
from web.deps import Admin, Own, web_state
from web.masterdata import EditIn, check_changes
from web.security import ROLES

router = APIRouter(prefix="/api", tags=["accounts"])

Username = Annotated[str, Path(min_length=1, max_length=50, description="log-in name")]
Role = Literal[ROLES]  # type: ignore[valid-type]


class NewUserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: Role
    display_name: str = Field("", max_length=50)
    language: Literal["zh-CN", "en"] = "zh-CN"
    staff_code: str = Field("", max_length=32, pattern=r"^([A-Za-z0-9][A-Za-z0-9_.\-/]*)?$")


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(min_length=8, max_length=200)


# --- one's own sessions -------------------------------------------------------------------

@router.get("/me/sessions")
def my_sessions(request: Request, user: Own) -> list[dict[str, Any]]:
    """My log-in sessions of the last week (``current`` marks this one)."""
    web = web_state(request)
    with web.deps.store.session() as s:
        return sessions.listing(s, user.id, web.deps.clock.now(), web.deps.settings.web,
                                current=user.token.session_id)


@router.post("/me/sessions/end")
async def end_my_sessions(request: Request, user: Own) -> dict[str, int]:
    """Log out everywhere: end every session of mine, this one included."""
    web = web_state(request)
    n = await run_in_threadpool(end_user_sessions, web, user.id, user.username, user.username,
                                "everywhere")
    return {"ended": n}


# --- accounts (administrators) --------------------------------------------------------------

@router.get("/admin/users")
def list_users(request: Request, user: Admin, q: Annotated[str, Query(max_length=50)] = "",
               limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    """Log-in accounts with their open sessions and when a throttle of their name ends."""
    web = web_state(request)
    with web.deps.store.session() as s:
        return accounts.list_users(s, web.deps.clock.now(), q, limit)


@router.post("/admin/users", status_code=201)
def create_user(request: Request, body: NewUserIn, user: Admin) -> dict[str, Any]:
    """Create a log-in account (the password is stored as a scrypt hash)."""
    web = web_state(request)
    with web.deps.store.session() as s:
        return accounts.create_user(s, web.deps.clock.now(), user.username, body.username,
                                    body.password, body.role, body.display_name, body.language,
                                    body.staff_code)


@router.patch("/admin/users/{username}")
def edit_user(request: Request, username: Username, body: EditIn, user: Admin) -> dict[str, Any]:
    """Change an account's ``display_name``, ``role``, ``language`` or ``staff_code``, or set
    ``active`` false to disable it (which ends its sessions): ``{"changes": {...}}``, checked
    field by field (422 names each bad one)."""
    web = web_state(request)
    with web.deps.store.session() as s:
        accounts.user_named(s, username)  # 404 before 422
        changes = check_changes(s, "users", username, dict(body.changes))
        out, ended = accounts.edit_user(s, web.deps.clock.now(), user.username, username, changes)
    for session_id in ended:
        web.deps.hub.end_session(session_id)
    return out


@router.post("/admin/users/{username}/password")
def reset_password(request: Request, username: Username, body: PasswordIn, user: Admin) -> dict[str, int]:
    """Set a new password; every session of the account ends."""
    web = web_state(request)
    with web.deps.store.session() as s:
        ended = accounts.reset_password(s, web.deps.clock.now(), user.username, username,
                                        body.password)
    for session_id in ended:
        web.deps.hub.end_session(session_id)
    return {"ended": len(ended)}


@router.post("/admin/users/{username}/unlock")
def unlock_user(request: Request, username: Username, user: Admin) -> dict[str, int]:
    """Forget the failed log-ins held against this name, from every address."""
    web = web_state(request)
    with web.deps.store.session() as s:
        return {"cleared": accounts.unlock(s, web.deps.clock.now(), user.username, username)}


@router.get("/admin/users/{username}/sessions")
def user_sessions(request: Request, username: Username, user: Admin) -> list[dict[str, Any]]:
    """An account's sessions of the last week."""
    web = web_state(request)
    with web.deps.store.session() as s:
        return accounts.user_sessions(s, username, web.deps.clock.now(), web.deps.settings.web)


@router.post("/admin/users/{username}/sessions/end")
def end_user_sessions_route(request: Request, username: Username, user: Admin) -> dict[str, int]:
    """End every session of the account (it can log in again)."""
    web = web_state(request)
    with web.deps.store.session() as s:
        target = accounts.user_named(s, username)
    return {"ended": end_user_sessions(web, target.id, target.username, user.username, "admin")}
