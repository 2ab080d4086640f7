"""The core's errors are the user's to fix: 404 for a ticket that does not exist, 409 for a
step the lifecycle does not allow, 400 for the rest — never a 500. A refusal the core names
(``TicketError.key``) is said in the user's language. A request that does not
fit its schema is a 422 in FastAPI's shape (``{"detail": [{"loc": [...], "msg": ...}]}``),
whatever it held: a number JSON cannot write back (``1e400`` read as infinity, ``NaN``) is
echoed as text rather than failing the answer.

Every error answer is ``{"detail": …, "message": …}``: ``detail`` as programs have always
read it (English; a list for a malformed request), ``message`` the same in the words of the
user who asked (``web.explain``), which is what the pages show. ``error_json`` builds it for
any other error (the app's HTTP errors use it too)."""

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
from web import explain, labels
from web.i18n import MESSAGES, translate


def words_for(request: Request) -> dict[str, str]:
    """The catalog in the language of whoever asked (the center's default for strangers)."""
    web = request.app.state.web
    user = getattr(request.state, "user", None)
    return web.words(web.language(user))  # type: ignore[no-any-return]


def error_json(request: Request, status: int, detail: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    words = words_for(request)
    return JSONResponse({"detail": detail, "message": explain.message(detail, words)},
                        status_code=status, headers=headers)


def validation_message(errors: list[dict[str, Any]], words: dict[str, str]) -> str:
    """A malformed request's first few problems, each naming its field in the user's words."""
    out = []
    for err in errors[:3]:
        loc = [str(p) for p in err.get("loc", ()) if not str(p).isdigit() and p not in ("body", "query", "path")]
        field = labels.label("field", loc[-1], words) if loc else words.get("err:invalid", "")
        kind, ctx = str(err.get("type", "")), err.get("ctx") or {}
        if kind == "missing":
            why = words["err:field_missing"]
        elif kind == "string_too_long" or kind == "too_long":
            why = words["err:field_too_long"].format(n=ctx.get("max_length", ""))
        elif kind == "string_too_short" or kind == "too_short":
            why = words["err:field_too_short"].format(n=ctx.get("min_length", ""))
        elif kind.startswith(("greater_than", "less_than")):
            why = words["err:field_range"]
        elif kind.startswith(("int_", "float_", "decimal_")):
            why = words["err:field_number"]
        elif kind in ("literal_error", "enum"):
            why = words["err:field_choice"]
        else:
            why = words["err:field_format"]
        out.append(words["err:field"].format(field=field, why=why))
    return words.get("sentence_sep", "; ").join(out) or words["err:invalid"]


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
    @app.exception_handler(TicketNotFound)
    async def _not_found(r: Request, exc: TicketNotFound) -> Response:
        return error_json(r, 404, str(exc))

    @app.exception_handler(IllegalTransition)
    async def _illegal(r: Request, exc: IllegalTransition) -> Response:
        return error_json(r, 409, str(exc))

    @app.exception_handler(TicketError)
    async def _ticket_error(r: Request, exc: TicketError) -> Response:
        return error_json(r, 400, in_language(r, exc))

    @app.exception_handler(CatalogError)
    async def _catalog(r: Request, exc: CatalogError) -> Response:
        return error_json(r, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(r: Request, exc: RequestValidationError) -> Response:
        errors = list(exc.errors())
        return JSONResponse({"detail": _writable(jsonable_encoder(errors)),
                             "message": validation_message(errors, words_for(r))}, status_code=422)
