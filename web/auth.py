"""Log-in, log-out, lock-out, and the dependencies every route uses to know who is asking.

Every ``/api/`` route depends on :func:`require` with one permission name (see
``web.security.PERMISSIONS``): no session → 401, a role without the permission → 403, a
state-changing method without the session's CSRF token (header ``X-CSRF-Token`` or form
field ``csrf_token``) → 403. Pages use :func:`page_user`, which sends a stranger to /login.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from ticketing.audit import audit
from ticketing.model import User, WebSession
from web import sessions, throttle
from web.masking import redact
from web.security import SessionToken, allowed, dummy_verify, verify_password

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

    def redact(self, value: Any, known: Iterable[str] = ()) -> Any:
        """``value`` as this user may see it: numbers masked for viewers (``web.masking``)."""
        return redact(value, self.masked, known)


class LoginRequired(Exception):
    """A page was asked for without a session: the handler redirects to /login."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def _web(request: Request) -> Any:
    return request.app.state.web


def client_address(request: Request) -> str:
    """The client's address: the peer's, or — when the peer is a trusted reverse proxy
    (``[web] trusted_proxies``) — the last address in X-Forwarded-For that is not one."""
    peer = request.client.host if request.client else ""
    trusted = _web(request).trusted_proxies
    if not trusted or not _in(peer, trusted):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _in(hop, trusted):
            return hop[:64] if _is_address(hop) else peer
    return peer


def _in(address: str, networks: list[Any]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _load_user(request: Request) -> CurrentUser | None:
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if not cookie:
        return None
    web = _web(request)
    nonce = web.signer.read(cookie)
    if nonce is None:
        return None
    now = web.deps.clock.now()
    with web.deps.store.read_connection() as c:  # every request: a read that waits for no command
        found = sessions.find(c, nonce, now, web.deps.settings.web, note_use=False)
    if found is None:
        return None
    if sessions.stale(found.last_seen_at, now):  # at most once a minute per session
        with web.deps.store.session() as s:
            sessions.touch(s, found.session_id, now)
    token = SessionToken(nonce, found.session_id)
    return CurrentUser(found.user_id, found.username, found.display_name, found.role,
                       found.language or web.deps.settings.language, found.staff_code,
                       web.signer.csrf(token), token)


async def current_user(request: Request) -> CurrentUser | None:
    """The logged-in user, or None. Cached on the request."""
    if "user" not in request.state._state:
        request.state.user = await run_in_threadpool(_load_user, request)
    return request.state.user


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
    nonce = web.signer.new_token()
    outcome, role, until = await run_in_threadpool(_attempt, request, username.strip()[:50],
                                                   password, nonce)
    if outcome == "throttled":
        resp = _login_page(request, "throttled", next, status=429, username=username.strip()[:50], lang=lang)
        resp.headers["Retry-After"] = str(throttle.retry_after(until, web.deps.clock.now()))  # type: ignore[arg-type]
        return resp
    if outcome != "ok":
        return _login_page(request, "login_failed", next, status=401, username=username.strip()[:50],
                           lang=lang)
    resp = RedirectResponse(safe_next(next) or landing(role), status_code=303)
    resp.set_cookie(SESSION_COOKIE, web.signer.cookie(nonce),
                    max_age=int(web.deps.settings.web.session_hours * 3600), httponly=True,
                    samesite="lax", secure=web.deps.settings.web.cookie_secure, path="/")
    resp.delete_cookie(PRE_COOKIE, path="/login")
    return resp


def _attempt(request: Request, username: str, password: str,
             nonce: str) -> tuple[str, str, datetime | None]:
    """Check a log-in and record it: ("ok" | "failed" | "throttled", role, hold until); a good
    one opens the session ``nonce`` names. The attempt counts as a failure before the
    password is checked (so attempts sent at once are all counted) and is taken back if it
    was right; the slow check runs outside the store's transactions."""
    web = _web(request)
    settings = web.deps.settings.web
    now = web.deps.clock.now()
    peer = client_address(request)
    keys = throttle.keys(peer, username, settings)
    who = username or "?"
    with web.deps.store.session() as s:
        until = throttle.held_until(s, keys, now)
        if until is not None:
            audit(s, now, who, "app_user", who, "login_refused", None,
                  {"reason": "throttled", "until": until.isoformat(), "peer": peer})
            return "throttled", "", until
        hold = throttle.failed(s, keys, now, settings)
        found = s.execute(select(User.id, User.password_hash, User.active)
                          .where(User.username == username)).first()
    if found is None or not found.active:
        dummy_verify(password)  # as long as a real check: the time tells no names either
        good = False
    else:
        good = verify_password(password, found.password_hash)
    with web.deps.store.session() as s:
        u = s.get(User, found.id) if good and found is not None else None
        if u is None or not u.active:
            reason = "unknown user" if found is None else "inactive" if not found.active else "password"
            audit(s, now, who, "app_user", who, "login_failed", None, {"reason": reason, "peer": peer})
            return ("throttled" if hold else "failed"), "", hold
        throttle.succeeded(s, peer, username, settings)
        sessions.open_session(s, u.id, nonce, now, settings, peer,
                              request.headers.get("user-agent", ""))
        audit(s, now, username, "app_user", username, "login", None, {"peer": peer})
        return "ok", u.role, None


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End this session; with the form field ``everywhere`` set, every session of the user."""
    user = await current_user(request)
    if user is not None:
        await _check_csrf(request, user)
        everywhere = False
        if request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")):
            everywhere = (await request.form()).get("everywhere", "") not in ("", "0")
        if everywhere:
            await run_in_threadpool(end_user_sessions, _web(request), user.id, user.username,
                                    user.username, "everywhere")
        else:
            await run_in_threadpool(_end_own, request, user)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


def _end_own(request: Request, user: CurrentUser) -> None:
    web = _web(request)
    now = web.deps.clock.now()
    with web.deps.store.session() as s:
        sessions.end(s, user.token.session_id, now, user.username, "logout")
        audit(s, now, user.username, "app_user", user.username, "logout", None, None)
    web.deps.hub.end_session(user.token.session_id)


def end_user_sessions(web: Any, user_id: int, username: str, actor: str, reason: str) -> int:
    """End every session of a user (log out everywhere, an administrator's order, a disabled
    or re-keyed account), audited; their open event streams in this process end now, in
    other processes at their next check."""
    now = web.deps.clock.now()
    with web.deps.store.session() as s:
        ids = list(s.scalars(select(WebSession.id).where(WebSession.user_id == user_id,
                                                         WebSession.ended_at.is_(None))))
        n = sessions.end_all(s, user_id, now, actor, reason)
        action = "logout_everywhere" if reason == "everywhere" else "sessions_ended"
        audit(s, now, actor, "app_user", username, action, None, {"sessions": n})
    for session_id in ids:
        web.deps.hub.end_session(session_id)
    return n


def _audit_simple(request: Request, username: str, action: str, **after: Any) -> None:
    web = _web(request)
    with web.deps.store.session() as s:
        audit(s, web.deps.clock.now(), username, "app_user", username, action, None, after or None)


def login_redirect(exc: LoginRequired) -> Response:
    return RedirectResponse("/login?next=" + quote(exc.next_url, safe=""), status_code=303)
