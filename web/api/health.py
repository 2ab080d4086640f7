"""``/api/health``: each part's state for a load balancer or a monitor. The only /api/ route
open without a log-in, so it says nothing but states."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from web.deps import web_state

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
async def health(request: Request) -> dict[str, Any]:
    """Each part's state (``up``/``down``/…) and nothing else."""
    web = web_state(request)
    parts: dict[str, str] = {"database": await run_in_threadpool(_db_state, web)}
    if web.deps.health is not None:
        try:
            reported = await run_in_threadpool(web.deps.health)
        except Exception:
            reported = {"adapters": {"state": "unknown"}}
        for name, value in reported.items():
            state = value.get("state", "unknown") if isinstance(value, dict) else value
            parts[str(name)[:40]] = str(state)[:20]
    ok = all(v in ("up", "ok", "disabled") for v in parts.values())
    return {"status": "ok" if ok else "degraded", "parts": parts}


def _db_state(web: Any) -> str:
    try:
        with web.deps.store.session() as s:
            s.execute(text("SELECT 1"))
        return "up"
    except Exception:
        return "down"
