"""Log-in accounts as an administrator keeps them: list (with open sessions and throttles),
create, change (role, name, language, staff code, disable), reset the password, unlock a
throttled name, end all sessions. Every change is audited (``app_user``, by user name); the
routes are ``web.api.accounts``. Disabling an account or resetting its password ends its
sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import HTTPException
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from config.settings import WebSettings
from ticketing.audit import audit, row_dict
from ticketing.model import LoginThrottle, User, WebSession
from web import sessions
from web.security import hash_password
from web.sessions import deleted

# what an account listing shows (never the password hash, nor the counters 0006 retired)
SHOWN = ("id", "username", "display_name", "role", "language", "staff_code", "active")


def public(u: User) -> dict[str, Any]:
    return {k: v for k, v in row_dict(u).items() if k in SHOWN}


def user_named(s: Session, username: str) -> User:
    u = s.scalar(select(User).where(User.username == username))
    if u is None:
        raise HTTPException(404, f"no user {username!r}")
    return u


def throttle_keys(username: str) -> Any:
    """The throttles that hold a name back: its own, and every (address, name) pair's."""
    name = username.strip().lower()
    return or_(LoginThrottle.key == f"name:{name}", LoginThrottle.key.like(f"pair:%|{_like(name)}",
                                                                          escape="\\"))


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_users(s: Session, now: datetime, q: str = "", limit: int = 200) -> list[dict[str, Any]]:
    """Accounts by name, each with its open sessions and when a throttle of its name ends."""
    stmt = select(User).order_by(User.username).limit(limit)
    if q:
        like = "%" + _like(q) + "%"
        stmt = stmt.where(or_(User.username.like(like, escape="\\"),
                              User.display_name.like(like, escape="\\")))
    users = list(s.scalars(stmt))
    counts = sessions.open_counts(s, now)
    blocked: dict[str, datetime] = {}
    for key, until in s.execute(select(LoginThrottle.key, LoginThrottle.blocked_until)
                                .where(LoginThrottle.blocked_until > now)):
        name = key.split("|", 1)[1] if key.startswith("pair:") else key[5:] if key.startswith("name:") else ""
        if name and until is not None and (name not in blocked or until > blocked[name]):
            blocked[name] = until
    out = []
    for u in users:
        until = blocked.get(u.username.lower())
        out.append({**public(u), "sessions": counts.get(u.id, 0),
                    "throttled_until": until.isoformat() if until else None})
    return out


def create_user(s: Session, now: datetime, actor: str, username: str, password: str, role: str,
                display_name: str, language: str, staff_code: str) -> dict[str, Any]:
    if s.scalar(select(User.id).where(User.username == username)) is not None:
        raise HTTPException(409, f"user {username} exists")
    u = User(username=username, display_name=display_name, role=role, language=language,
             staff_code=staff_code, password_hash=hash_password(password), failed_attempts=0,
             active=True)
    s.add(u)
    s.flush()
    audit(s, now, actor, "app_user", username, "create", None, public(u))
    return public(u)


def edit_user(s: Session, now: datetime, actor: str, username: str,
              changes: dict[str, Any]) -> tuple[dict[str, Any], list[int]]:
    """Apply checked ``changes``; returns the account and the sessions a disable ended."""
    u = user_named(s, username)
    before = public(u)
    if u.username == actor and (changes.get("active") is False or changes.get("role", "admin") != "admin"):
        raise HTTPException(409, "an administrator cannot disable or demote their own account")
    for column, value in changes.items():
        setattr(u, column, value)
    s.flush()
    audit(s, now, actor, "app_user", username, "edit", before, public(u))
    ended: list[int] = []
    if changes.get("active") is False:
        ended = _end(s, u, now, actor, "disabled")
    return public(u), ended


def reset_password(s: Session, now: datetime, actor: str, username: str, password: str) -> list[int]:
    """A new password (scrypt); every session of the account ends."""
    u = user_named(s, username)
    u.password_hash = hash_password(password)
    audit(s, now, actor, "app_user", username, "password_reset", None, None)
    return _end(s, u, now, actor, "password_reset")


def unlock(s: Session, now: datetime, actor: str, username: str) -> int:
    """Forget the failed log-ins held against a name (from every address); returns how many
    throttles there were."""
    u = user_named(s, username)
    gone = deleted(s, delete(LoginThrottle).where(throttle_keys(u.username)))
    audit(s, now, actor, "app_user", username, "unlock", None, {"throttles": gone})
    return gone


def _end(s: Session, u: User, now: datetime, actor: str, reason: str) -> list[int]:
    ids = list(s.scalars(select(WebSession.id).where(WebSession.user_id == u.id,
                                                     WebSession.ended_at.is_(None))))
    n = sessions.end_all(s, u.id, now, actor, reason)
    audit(s, now, actor, "app_user", u.username, "sessions_ended", None, {"sessions": n,
                                                                       "reason": reason})
    return ids


def user_sessions(s: Session, username: str, now: datetime, settings: WebSettings) -> list[dict[str, Any]]:
    return sessions.listing(s, user_named(s, username).id, now, settings)
