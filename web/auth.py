"""Log-in, log-out, lock-out, and the dependencies every route uses to know who is asking.

Every ``/api/`` route depends on :func:`require` with one permission name (see
``web.security.PERMISSIONS``): no session → 401, a role without the permission → 403, a
state-changing method without the session's CSRF token (header ``X-CSRF-Token`` or form
field ``csrf_token``) → 403. Pages use :func:`page_user`, which sends a stranger to /login.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from ticketing.audit import audit
from ticketing.model import User
from web.security import (
    SESSION_TTL_S,
    SessionToken,
    allowed,
    dummy_verify,
    verify_password,
)

SESSION_COOKIE = "onestop_session"
PRE_COOKIE = "onestop_pre"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    display_name: str
    role: str
    language: str
    staff_code: str
    csrf: str
    token: SessionToken

    @property
    def masked(self) -> bool:
        """Viewers see caller numbers masked."""
        return self.role == "viewer"

    def can(self, permission: str) -> bool:
        return allowed(self.role, permission)


class LoginRequired(Exception):
    """A page was asked for without a session: the handler redirects to /login."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def _web(request: Request) -> Any:
    return request.app.state.web


def _now_s(request: Request) -> int:
    return int(_web(request).deps.clock.now().timestamp())


def _load_user(request: Request) -> CurrentUser | None:
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if not cookie:
        return None
    web = _web(request)
    token = web.signer.read(cookie, _now_s(request))
    if token is None:
        return None
    with web.deps.store.session() as s:
        u = s.get(User, token.user_id)
        if u is None or not u.active:
            return None
        return CurrentUser(u.id, u.username, u.display_name or u.username, u.role,
                           u.language or web.deps.settings.language, u.staff_code,
                           web.signer.csrf(token), token)


async def current_user(request: Request) -> CurrentUser | None:
    """The logged-in user, or None. Cached on the request."""
    if "user" not in request.state._state:
        request.state.user = await run_in_threadpool(_load_user, request)
    return request.state.user  # type: ignore[no-any-return]


async def _check_csrf(request: Request, user: CurrentUser) -> None:
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get("x-csrf-token", "")
    if not given and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token", "")
        given = value if isinstance(value, str) else ""
    if not _web(request).signer.check_csrf(user.token, given):
        raise HTTPException(403, "CSRF token missing or wrong: send the X-CSRF-Token header")


def require(permission: str) -> Callable[[Request], Awaitable[CurrentUser]]:
    """An API dependency: the user, if logged in (401), allowed (403) and CSRF-checked (403)."""

    async def dependency(request: Request) -> CurrentUser:
        user = await current_user(request)
        if user is None:
            raise HTTPException(401, "log in first", headers={"WWW-Authenticate": "Cookie"})
        if not user.can(permission):
            raise HTTPException(403, f"role {user.role} may not use this ({permission})")
        await _check_csrf(request, user)
        return user

    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency


def page_user(permission: str) -> Callable[[Request], Awaitable[CurrentUser]]:
    """A page dependency: like :func:`require`, but a stranger is sent to the log-in page."""

    async def dependency(request: Request) -> CurrentUser:
        user = await current_user(request)
        if user is None:
            raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        if not user.can(permission):
            raise HTTPException(403, f"role {user.role} may not open this page")
        await _check_csrf(request, user)
        return user

    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency


# --- log-in / log-out ----------------------------------------------------------------------

def safe_next(next_url: str) -> str:
    # Only paths on this site: never redirect a user to someone else's page.
    if next_url.startswith("/") and not next_url.startswith("//") and "\\" not in next_url:
        return next_url
    return ""


def landing(role: str) -> str:
    return {"viewer": "/wallboard", "manager": "/stats", "admin": "/desk"}.get(role, "/desk")


def _login_page(request: Request, error: str = "", next_url: str = "", status: int = 200,
                username: str = "", lang: str = "") -> Response:
    web = _web(request)
    seed = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(18)
    resp = web.render(request, "login.html", None, {
        "error": error, "next": safe_next(next_url), "csrf": web.signer.pre_csrf(seed),
        "username": username}, status=status, language=lang or None)
    resp.set_cookie(PRE_COOKIE, seed, httponly=True, samesite="lax", path="/login",
                    secure=web.deps.settings.web.cookie_secure)
    return resp


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "", lang: str = "") -> Response:
    return _login_page(request, next_url=next, lang=lang)


@router.post("/login")
async def login(request: Request, username: str = Form(""), password: str = Form(""),
                csrf_token: str = Form(""), next: str = Form(""), lang: str = Form("")) -> Response:
    web = _web(request)
    seed = request.cookies.get(PRE_COOKIE, "")
    if not seed or not secrets.compare_digest(csrf_token, web.signer.pre_csrf(seed)):
        return _login_page(request, "login_expired", next, status=403, username=username.strip()[:50],
                           lang=lang)
    outcome, user_id, role = await run_in_threadpool(_attempt, request, username.strip()[:50], password)
    if outcome != "ok":
        return _login_page(request, "locked" if outcome == "locked" else "login_failed", next,
                           status=429 if outcome == "locked" else 401, username=username.strip()[:50],
                           lang=lang)
    resp = RedirectResponse(safe_next(next) or landing(role), status_code=303)
    cookie = web.signer.issue(user_id, _now_s(request))
    resp.set_cookie(SESSION_COOKIE, cookie, max_age=SESSION_TTL_S, httponly=True, samesite="lax",
                    secure=web.deps.settings.web.cookie_secure, path="/")
    resp.delete_cookie(PRE_COOKIE, path="/login")
    return resp


def _attempt(request: Request, username: str, password: str) -> tuple[str, int, str]:
    """Check a log-in and record it: ("ok" | "failed" | "locked", user id, role)."""
    web = _web(request)
    settings = web.deps.settings.web
    now = web.deps.clock.now()
    peer = request.client.host if request.client else ""
    with web.deps.store.session() as s:
        u = s.scalar(select(User).where(User.username == username).with_for_update())
        if u is None or not u.active:
            dummy_verify(password)
            audit(s, now, username or "?", "app_user", username or "?", "login_failed", None,
                  {"reason": "unknown user" if u is None else "inactive", "peer": peer})
            return "failed", 0, ""
        if u.locked_until is not None and u.locked_until > now:
            audit(s, now, username, "app_user", username, "login_refused", None,
                  {"reason": "locked", "until": u.locked_until.isoformat(), "peer": peer})
            return "locked", 0, ""
        if not verify_password(password, u.password_hash):
            u.failed_attempts += 1
            after: dict[str, Any] = {"failed_attempts": u.failed_attempts, "peer": peer}
            if u.failed_attempts >= settings.lockout_attempts:
                u.locked_until = now + timedelta(minutes=settings.lockout_minutes)
                u.failed_attempts = 0
                after["locked_until"] = u.locked_until.isoformat()
            audit(s, now, username, "app_user", username, "login_failed", None, after)
            return ("locked" if "locked_until" in after else "failed"), 0, ""
        u.failed_attempts, u.locked_until = 0, None
        audit(s, now, username, "app_user", username, "login", None, {"peer": peer})
        return "ok", u.id, u.role


@router.post("/logout")
async def logout(request: Request) -> Response:
    user = await current_user(request)
    if user is not None:
        await _check_csrf(request, user)
        web = _web(request)
        web.signer.revoke(user.token, _now_s(request))
        await run_in_threadpool(_audit_simple, request, user.username, "logout")
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


def _audit_simple(request: Request, username: str, action: str, **after: Any) -> None:
    web = _web(request)
    with web.deps.store.session() as s:
        audit(s, web.deps.clock.now(), username, "app_user", username, action, None, after or None)


def login_redirect(exc: LoginRequired) -> Response:
    return RedirectResponse("/login?next=" + quote(exc.next_url, safe=""), status_code=303)
