"""Log-in accounts (administrators only): list, create, change a role or a name, reset a
password, disable and enable, unlock after too many failed log-ins. Every change is one
audited store transaction (``app_user``: before → after, never a password hash). An
administrator cannot disable, or take the admin role from, their own account."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ticketing.audit import audit
from ticketing.model import User
from web.deps import Admin, web_state
from web.i18n import LANGUAGES
from web.security import ROLES, hash_password

router = APIRouter(prefix="/api", tags=["users"])

Username = Annotated[str, Path(min_length=1, max_length=50, description="log-in name")]
ROLE_PATTERN = "^(" + "|".join(ROLES) + ")$"
LANGUAGE_PATTERN = "^(" + "|".join(LANGUAGES) + ")$"


class NewUserIn(BaseModel):
    username: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: str = Field(pattern=ROLE_PATTERN)
    display_name: str = Field("", max_length=50)
    language: str = Field("zh-CN", pattern=LANGUAGE_PATTERN)
    staff_code: str = Field("", max_length=32)


class UserEditIn(BaseModel):
    role: str | None = Field(None, pattern=ROLE_PATTERN)
    display_name: str | None = Field(None, max_length=50)
    language: str | None = Field(None, pattern=LANGUAGE_PATTERN)
    staff_code: str | None = Field(None, max_length=32)
    active: bool | None = None


class PasswordIn(BaseModel):
    password: str = Field(min_length=8, max_length=200)


def account(u: User, now: datetime | None = None) -> dict[str, Any]:
    """An account as the API and the users page show it (never the password hash)."""
    locked = u.locked_until is not None and (now is None or u.locked_until > now)
    return {"username": u.username, "display_name": u.display_name, "role": u.role,
            "language": u.language, "staff_code": u.staff_code, "active": u.active,
            "locked": locked, "locked_until": u.locked_until.isoformat() if locked and u.locked_until else None,
            "failed_attempts": u.failed_attempts}


def users_stmt(q: str) -> Any:
    stmt = select(User).order_by(User.username)
    if q:
        like = "%" + q.replace("%", "").replace("_", "") + "%"
        stmt = stmt.where(or_(User.username.like(like), User.display_name.like(like)))
    return stmt


def _get(s: Session, username: str) -> User:
    u = s.scalar(select(User).where(User.username == username))
    if u is None:
        raise HTTPException(404, f"no user '{username}'")
    return u


def _change(request: Request, actor: str, username: str, action: str, **changes: Any) -> dict[str, Any]:
    web = web_state(request)
    now = web.deps.clock.now()
    with web.deps.store.session() as s:
        u = _get(s, username)
        if username == actor and (changes.get("active") is False or changes.get("role", "admin") != "admin"):
            raise HTTPException(400, f"you cannot {action} your own account")
        before = account(u, now)
        for name, value in changes.items():
            setattr(u, name, value)
        s.flush()
        after = account(u, now)
        if action == "reset_password":
            before, after = None, {"password": "reset"}
        audit(s, now, actor, "app_user", username, action, before, after)
        return account(u, now)


@router.get("/users")
def list_users(request: Request, user: Admin, q: Annotated[str, Query(max_length=50)] = "",
               limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    """Log-in accounts (search by user name or name)."""
    web = web_state(request)
    now = web.deps.clock.now()
    with web.deps.store.session() as s:
        return [account(u, now) for u in s.scalars(users_stmt(q).limit(limit))]


@router.post("/users", status_code=201)
def create_user(request: Request, body: NewUserIn, user: Admin) -> dict[str, Any]:
    """Create a log-in account (the password is stored as a scrypt hash)."""
    web = web_state(request)
    now = web.deps.clock.now()
    with web.deps.store.session() as s:
        if s.scalar(select(User.id).where(User.username == body.username)) is not None:
            raise HTTPException(409, f"user {body.username} exists")
        u = User(username=body.username, display_name=body.display_name, role=body.role,
                 language=body.language, staff_code=body.staff_code,
                 password_hash=hash_password(body.password), failed_attempts=0, active=True)
        s.add(u)
        s.flush()
        audit(s, now, user.username, "app_user", body.username, "create", None, account(u, now))
        return account(u, now)


@router.patch("/users/{username}")
def edit_user(request: Request, username: Username, body: UserEditIn, user: Admin) -> dict[str, Any]:
    """Change an account's role, name, language, staff member or whether it may log in."""
    changes = body.model_dump(exclude_none=True)
    if not changes:
        raise HTTPException(400, "nothing to change")
    return _change(request, user.username, username, "edit", **changes)


@router.post("/users/{username}/reset-password")
def reset_password(request: Request, username: Username, body: PasswordIn, user: Admin) -> dict[str, Any]:
    """Give the account a new password (and clear a lock-out)."""
    return _change(request, user.username, username, "reset_password",
                   password_hash=hash_password(body.password), failed_attempts=0, locked_until=None)


@router.post("/users/{username}/disable")
def disable_user(request: Request, username: Username, user: Admin) -> dict[str, Any]:
    """The account may no longer log in; its open sessions end at their next request."""
    return _change(request, user.username, username, "disable", active=False)


@router.post("/users/{username}/enable")
def enable_user(request: Request, username: Username, user: Admin) -> dict[str, Any]:
    return _change(request, user.username, username, "enable", active=True)


@router.post("/users/{username}/unlock")
def unlock_user(request: Request, username: Username, user: Admin) -> dict[str, Any]:
    """Lift a lock-out after too many failed log-ins."""
    return _change(request, user.username, username, "unlock", failed_attempts=0, locked_until=None)
