"""The logged-in person's own settings: the language of their pages (the header's switch).
The choice is kept on their account (``app_user.language``) and audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from ticketing.audit import audit
from ticketing.model import User
from web.auth import safe_next
from web.deps import ReadPage, web_state
from web.i18n import LANGUAGES

router = APIRouter(include_in_schema=False)


@router.post("/account/language")
async def set_language(request: Request, user: ReadPage, language: Annotated[str, Form()],
                       next: Annotated[str, Form()] = "") -> Response:
    """Switch the user's pages to ``language`` (zh-CN or en), then back to where they were."""
    if language not in LANGUAGES:
        raise HTTPException(400, f"language must be one of {', '.join(LANGUAGES)}")
    await run_in_threadpool(_save, request, user.username, language)
    return RedirectResponse(safe_next(next) or "/", status_code=303)


def _save(request: Request, username: str, language: str) -> None:
    web = web_state(request)
    with web.deps.store.session() as s:
        u = s.scalar(select(User).where(User.username == username))
        if u is None or u.language == language:
            return
        before = u.language
        u.language = language
        audit(s, web.deps.clock.now(), username, "app_user", username, "language",
              {"language": before}, {"language": language})
