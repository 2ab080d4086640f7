"""The core's errors are the user's to fix: 404 for a ticket that does not exist, 409 for a
step the lifecycle does not allow, 400 for the rest — never a 500. A refusal the core names
(``TicketError.key``) is said in the user's language. A request that does not
fit its schema is a 422 in FastAPI's shape (``{"detail": [{"loc": [...], "msg": ...}]}``),
whatever it held: a number JSON cannot write back (``1e400`` read as infinity, ``NaN``) is
echoed as text rather than failing the answer."""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from ticketing.catalog import CatalogError
from ticketing.lifecycle import IllegalTransition
from ticketing.service import TicketError, TicketNotFound
from web.i18n import MESSAGES, translate


def in_language(request: Request, exc: TicketError) -> str:
    """The refusal in the user's language when the core names its message (``exc.key``, a
    catalog entry with ``{param}`` places), else the core's text."""
    key = getattr(exc, "key", "")
    if not key or key not in MESSAGES:
        return str(exc)
    user = getattr(request.state, "user", None)
    language = user.language if user else request.app.state.web.deps.settings.language
    try:
        return translate(key, language).format(**exc.params)
    except (KeyError, IndexError, ValueError):  # a catalog entry that does not fit: the plain text
        return str(exc)


def _writable(value: Any) -> Any:
    """``value`` with every non-finite float as its text (JSON has no infinity or NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _writable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_writable(v) for v in value]
    return value


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_r: Request, exc: RequestValidationError) -> Response:
        return JSONResponse({"detail": _writable(jsonable_encoder(exc.errors()))}, status_code=422)

    @app.exception_handler(TicketNotFound)
    async def _not_found(_r: Request, exc: TicketNotFound) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(IllegalTransition)
    async def _illegal(_r: Request, exc: IllegalTransition) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(TicketError)
    async def _ticket_error(request: Request, exc: TicketError) -> Response:
        return JSONResponse({"detail": in_language(request, exc)}, status_code=400)

    @app.exception_handler(CatalogError)
    async def _catalog(_r: Request, exc: CatalogError) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=400)
