"""Who is logged in (``/api/me``), with the CSRF token the page sends back. Log-in and
log-out are forms (``web.auth``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from web.deps import Reader

router = APIRouter(prefix="/api", tags=["session"])


@router.get("/me")
def me(user: Reader) -> dict[str, Any]:
    """The logged-in user, and the CSRF token to send as ``X-CSRF-Token``."""
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "language": user.language, "staff_code": user.staff_code, "csrf_token": user.csrf}
