"""The web front: ``create_app(WebDeps) -> FastAPI``.

Run it with uvicorn and a graceful-shutdown timeout (an open SSE stream otherwise holds the
shutdown forever)::

    uvicorn.Config(create_app(deps), host=..., port=..., timeout_graceful_shutdown=3,
                   log_level="info", proxy_headers=False)
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import ipaddress
import json
import logging
import pkgutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from web import explain, housekeeping, labels, timefmt
from web.api.errors import error_json
from web.auth import CurrentUser, LoginRequired, login_redirect
from web.deps import WebDeps
from web.feed import ChangeFeed
from web.i18n import LANGUAGES, catalog
from web.listcache import SharedPages
from web.security import Signer, load_secret, mask_number

HERE = Path(__file__).resolve().parent
# asked for by every open desk all day (the list, the event stream, the robots' and operators'
# ticket commands, the pop's context, the ticket pane): matched before the other routers
HOT_ROUTERS = ("web.pages.desk", "web.api.events", "web.api.tickets", "web.api.actions", "web.api.calls")
log = logging.getLogger(__name__)


@dataclass
class WebState:
    deps: WebDeps
    signer: Signer
    templates: Jinja2Templates
    tz: ZoneInfo
    feed: ChangeFeed
    trusted_proxies: list[Any]  # ip networks whose X-Forwarded-For is believed
    # each language's words and their JSON for the pages' scripts, made once: the catalog and
    # the service catalog do not change while the app runs
    _words: dict[str, dict[str, str]] = field(default_factory=dict)
    _words_json: dict[str, str] = field(default_factory=dict)
    # the desk's list pages, rendered once per change for every desk (web/listcache.py)
    lists: SharedPages = field(default_factory=SharedPages)

    def words(self, language: str) -> dict[str, str]:
        """The page's message catalog plus the service types' names (``svc:repair`` → 维修)."""
        language = language if language in LANGUAGES else "zh-CN"
        if language not in self._words:
            types = self.deps.service.catalog.types
            self._words[language] = {**catalog(language),
                                     **{f"svc:{k}": st.name(language) for k, st in types.items()}}
            self._words_json[language] = json.dumps(self._words[language], ensure_ascii=False)
        return self._words[language]

    def language(self, user: CurrentUser | None) -> str:
        language = user.language if user else self.deps.settings.language
        return language if language in LANGUAGES else "zh-CN"

    def render(self, request: Request, name: str, user: CurrentUser | None,
               context: dict[str, Any], status: int = 200, language: str | None = None) -> HTMLResponse:
        """``name`` in the user's language (or ``language`` where nobody is logged in)."""
        language = language if language in LANGUAGES else self.language(user)
        words = self.words(language)
        missing: list[str] = []  # catalog keys a template asked for in vain (shown on the page)

        def t(key: str) -> str:
            if key not in words:
                missing.append(key)
                return key
            return words[key]

        def label(kind: str, value: Any) -> str:
            if value not in (None, "") and not (kind == "svc" and "," in str(value)) \
                    and labels.key(kind, value) not in words:
                missing.append(labels.key(kind, value))
            return labels.label(kind, value, words)

        ctx = {"request": request, "user": user, "t": t, "label": label, "lang": language,
               "words": words, "missing_words": missing, "center": self.deps.settings.center_name,
               "tz": self.deps.settings.timezone,
               "i18n_json": self._words_json[language], **context}
        resp = self.templates.TemplateResponse(request, name, ctx, status_code=status)
        # Pages are per user and live: never cached; never framed by another site.
        resp.headers["Cache-Control"] = "no-store"
        return resp


def _templates(tz: ZoneInfo) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescape on for .html
    templates.env.filters["mask"] = mask_number
    # every time shown: the center's zone, one of web.timefmt.STYLES (see there)
    templates.env.filters["when"] = lambda value, style="short": timefmt.fmt(value, tz, style)
    templates.env.filters["iso"] = timefmt.iso
    templates.env.filters["local"] = lambda value, pattern="%m-%d %H:%M": timefmt.local(value, tz, pattern)
    templates.env.globals["asset"] = asset
    return templates


def asset(name: str) -> str:
    """The URL of a file under web/static/ with its version (size and time of change): pages
    link their scripts and styles so, and the browser keeps each version without asking again
    (see ``_SecurityHeaders``) until the file changes."""
    try:
        st = (HERE / "static" / name).stat()
    except OSError:
        return f"/static/{name}"
    return f"/static/{name}?v={st.st_mtime_ns // 1_000_000:x}{st.st_size:x}"


def create_app(deps: WebDeps) -> FastAPI:
    """The desk, board, wallboard, statistics, admin pages and the JSON API under /api/."""
    from web import api, auth, pages
    from web.api.errors import install_error_handlers

    secret = load_secret(deps.settings.web.secret_key, deps.settings.resolved_data_dir())
    tz = ZoneInfo(deps.settings.timezone)
    state = WebState(deps, Signer(secret), _templates(tz), tz, ChangeFeed(deps, tz),
                     trusted_networks(deps.settings.web.trusted_proxies))

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        deps.hub.bind(asyncio.get_running_loop())
        try:  # before serving: a change made once the app is up is never taken as old
            await run_in_threadpool(state.feed.start_marks)
        except Exception:  # the store is away: the feed's first poll marks instead
            log.exception("change feed: cannot read where to start")
        tasks = [asyncio.create_task(state.feed.run(), name="web-change-feed"),
                 asyncio.create_task(housekeeping.run(deps), name="web-housekeeping")]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            deps.hub.close()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    # telemetry: the center exports no OpenTelemetry; left on, FastAPI looks for a configured
    # provider in the environment on every request
    app = FastAPI(title="OneStop API", version="1", lifespan=lifespan,
                  telemetry={"tracing": False, "metrics": False, "logs": False},
                  docs_url="/docs", redoc_url=None, openapi_url="/openapi.json",
                  description="The operator desk's JSON API. Log in at /login (form) for the "
                              "session cookie; state-changing calls need the X-CSRF-Token header "
                              "(GET /api/me returns it). Each operation names the permission it "
                              "needs and the roles that have it.")
    app.state.web = state
    app.add_middleware(_SecurityHeaders, hsts=_hsts(deps.settings.web))
    # A request is matched against the routers in the order they were included, each router's
    # routes one by one (a few µs each; all of them cost a request to the last router ~4 ms of
    # the event loop): the scripts and styles, and what every open desk asks for all day, first.
    # No two routes match the same path (tests/web/test_route_order.py), so the order is free.
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(auth.router)
    routers = [*_routers(api), *_routers(pages)]
    for module, router in sorted(routers, key=lambda mr: mr[0] not in HOT_ROUTERS):
        if module.startswith("web.api."):
            api.document_permissions(router)
        app.include_router(router)
    install_error_handlers(app)
    _error_handlers(app, state)
    return app


def trusted_networks(entries: list[str]) -> list[Any]:
    """``[web] trusted_proxies`` as networks ("10.0.0.5", "10.0.0.0/8", "::1")."""
    out = []
    for entry in entries:
        try:
            out.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"web.trusted_proxies: {entry!r} is not an address or network "
                             "(e.g. 127.0.0.1 or 10.0.0.0/8)") from None
    return out


def _hsts(settings: Any) -> bytes:
    if not settings.hsts:
        return b""
    return f"max-age={settings.hsts_days * 86400}; includeSubDomains".encode()


def _routers(package: ModuleType) -> list[tuple[str, APIRouter]]:
    """The ``router`` of every module in ``package`` with the module's name, in name order."""
    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if isinstance(getattr(module, "router", None), APIRouter):
            found.append((module.__name__, module.router))
    return found


def _error_handlers(app: FastAPI, state: WebState) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(_request: Request, exc: LoginRequired) -> Response:
        return login_redirect(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
            return error_json(request, exc.status_code, exc.detail, getattr(exc, "headers", None))
        user = getattr(request.state, "user", None)
        words = state.words(state.language(user))
        title = f"http:{exc.status_code}" if f"http:{exc.status_code}" in words else "error"
        return state.render(request, "error.html", user, {
            "status": exc.status_code, "title": title, "message": explain.message(exc.detail, words)},
            exc.status_code)


class _SecurityHeaders:
    """CSP without inline scripts, no framing, no MIME sniffing: defence in depth behind
    escaping."""

    def __init__(self, app: Any, hsts: bytes = b"") -> None:
        self.app = app
        self.hsts = hsts  # Strict-Transport-Security when served over HTTPS ([web] hsts)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                ]
                if scope["path"].startswith("/static/") and b"v=" in scope.get("query_string", b""):
                    # a versioned asset (web.app.asset) never changes under its URL
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"public, max-age=31536000, immutable"))
                if self.hsts:
                    headers.append((b"strict-transport-security", self.hsts))
                if not scope["path"].startswith("/docs"):
                    headers.append((b"content-security-policy",
                                    b"default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                    b"script-src 'self'; frame-ancestors 'none'"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
