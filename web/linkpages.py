"""What the phone pages opened by a signed link share (``web/pages/mobile.py``: a room's QR
code and the reporter's status page; ``web/pages/worker.py``: the worker's page and list).

They are public: no log-in, no session cookie; the link's token is the credential, checked
on every request (``claim``: signature, purpose, last day; the store then says whether what
it names may still be acted on). Their paths are listed in ``web.api.TOKEN_ROUTES``. Every
failure is a page in the reader's language that says what happened and what to do — never a
traceback: a forged or broken link, one past its day, a revoked room code, a removed room, a
work order that has ended, too many reports, a photo that is not one.

The language is the reader's: ``?lang=`` (the pages' switch), else the browser's
Accept-Language, else the center's.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ticketing.commands.channels import LinkRefused
from ticketing.lifecycle import label
from ticketing.photos import MAX_PHOTOS, Photo, PhotoError, PhotoStore, process
from ticketing.tokens import Claim, Purpose, TokenError
from web import labels
from web.deps import web_state
from web.i18n import LANGUAGES, catalog, translate, translator

# HTTP status of each way a link fails (the page says it in words: m_err_<reason>)
STATUS = {"malformed": 404, "forged": 404, "purpose": 404, "unknown": 404, "expired": 410,
          "revoked": 410, "room_removed": 410, "ended": 410, "closed": 409, "rate_limited": 429,
          "service_type": 400, "phone": 400, "code": 400, "step": 400, "too_large": 413,
          "too_many": 400, "empty": 400, "not_image": 400, "unsupported": 415,
          "too_big_image": 400, "form": 400}
MULTIPART_SLACK = 256 * 1024  # the form's fields and boundaries around the photos
_ACTING_LINK = re.compile(r"/([wl])/[A-Za-z0-9_-]{8,64}")


def hide_link_tokens(text: str) -> str:
    """An SMS text as the desk shows it: the token of a link that acts as a worker (a work
    order's page, a worker's list) cut out — the desk sees that a link went, not the link."""
    return _ACTING_LINK.sub(lambda m: f"/{m.group(1)}/…", text)


class PageError(Exception):
    """A link page's refusal: ``reason`` names the sentence (m_err_<reason>)."""

    def __init__(self, reason: str, detail: str = "", fields: dict[str, str] | None = None) -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.fields = fields or {}  # what the form said, to give it back


def language(request: Request) -> str:
    asked = request.query_params.get("lang", "")
    if asked in LANGUAGES:
        return asked
    accept = request.headers.get("accept-language", "").lower()
    first = accept.split(",")[0].strip()
    if first.startswith("en"):
        return "en"
    if first.startswith("zh"):
        return "zh-CN"
    return str(web_state(request).deps.settings.language)


def peer(request: Request) -> str:
    return request.client.host if request.client else ""


def claim(request: Request, token: str, purpose: Purpose) -> Claim:
    """The link's claim, or ``PageError`` (malformed | forged | purpose | expired | unknown)."""
    service = web_state(request).deps.service
    try:
        return service.read_link(token, purpose)
    except TokenError as exc:
        raise PageError(exc.reason) from None
    except LinkRefused as exc:
        raise PageError(exc.reason) from None


def place_text(place: Any, lang: str) -> str:
    """A room as a person reads it: 住院部B 3层 301 / 住院部B, floor 3, room 301."""
    get = place.get if isinstance(place, dict) else lambda k, d="": getattr(place, k, d)
    parts = {k: get(k, "") for k in ("building", "floor", "room")}
    if not parts["floor"] and not parts["room"]:
        return str(get("name", "") or get("code", ""))
    return translate("m_place_fmt", lang).format(**parts).strip(" ,")


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    web = web_state(request)
    lang = language(request)
    words = {**catalog(lang), **{f"svc:{k}": st.name(lang)
                                 for k, st in web.deps.service.catalog.types.items()}}
    ctx = {"request": request, "user": None, "t": translator(lang), "lang": lang,
           "center": web.deps.settings.center_name, "status_label": lambda s: label(s, lang),
           "svc": lambda key: words.get(f"svc:{key}", key),
           "label": lambda kind, value: labels.label(kind, value, words),  # a code's name (web.labels)
           "place_text": lambda p: place_text(p, lang),
           "i18n_json": json.dumps({k: v for k, v in words.items() if k.startswith("m_")},
                                   ensure_ascii=False),
           "other_lang": "en" if lang != "en" else "zh-CN", **context}
    resp = web.templates.TemplateResponse(request, name, ctx, status_code=status)
    resp.headers["Cache-Control"] = "no-store"  # a link's page is the token holder's alone
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp


def error_page(request: Request, reason: str, status: int | None = None, detail: str = "") -> Response:
    """The page of a link that does not work (or a step refused), in the reader's language."""
    lang = language(request)
    message = translate(f"m_err_{reason}", lang)
    if message == f"m_err_{reason}":  # a reason without a sentence of its own
        message = translate("m_err_other", lang)
    return render(request, "m_error.html", {"reason": reason, "message": message,
                                            "detail": detail},
                  status or STATUS.get(reason, 400))


def photo_store(request: Request) -> PhotoStore:
    return PhotoStore(web_state(request).deps.settings.resolved_data_dir() / "photos")


def max_photo_bytes(request: Request) -> int:
    return int(web_state(request).deps.settings.web.photo_max_mb * 1024 * 1024)


async def read_form(request: Request, max_fields: int = 40) -> tuple[dict[str, str], list[bytes]]:
    """The form's text fields and the photos' bytes (at most three, each within the limit,
    refused before the body is read when it is declared larger than three photos)."""
    limit = max_photo_bytes(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_PHOTOS * limit + MULTIPART_SLACK:
        raise PageError("too_large")
    try:
        form = await request.form(max_files=MAX_PHOTOS + 1, max_fields=max_fields)
    except Exception as exc:  # a broken multipart body, too many parts
        raise PageError("form", str(exc)[:200]) from None
    fields: dict[str, str] = {}
    raws: list[bytes] = []
    try:
        for key, value in form.multi_items():
            if not isinstance(value, UploadFile) and key not in fields:
                fields[key] = str(value)[:4000]
        for _key, value in form.multi_items():
            if not isinstance(value, UploadFile) or (not value.filename and not value.size):
                continue  # a field, or an empty file input
            if len(raws) >= MAX_PHOTOS:
                raise PageError("too_many", fields=fields)
            data = await value.read(limit + 1)
            if len(data) > limit:
                raise PageError("too_large", fields=fields)
            raws.append(data)
    finally:
        await form.close()
    return fields, raws


async def photos(request: Request, raws: list[bytes], fields: dict[str, str] | None = None) -> list[Photo]:
    """The photos checked, re-encoded and stored (files first: the rows come with the command)."""
    limit = max_photo_bytes(request)
    files = photo_store(request)

    def work() -> list[Photo]:
        out = [process(raw, limit) for raw in raws]
        for p in out:
            files.save(p)
        return out

    try:
        return await run_in_threadpool(work)
    except PhotoError as exc:
        raise PageError(exc.reason, fields=fields) from None


def with_lang(request: Request, path: str) -> str:
    """``path`` keeping the reader's chosen language."""
    lang = request.query_params.get("lang", "")
    if lang not in LANGUAGES:
        return path
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"
