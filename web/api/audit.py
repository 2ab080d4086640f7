"""The audit trail of one thing — a ticket, a log-in account, a location… — as the append-only
audit log recorded it (who, when, before → after)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from ticketing.audit import history
from web.deps import Exporter, web_state

router = APIRouter(prefix="/api", tags=["audit"])


@router.get("/audit/{entity}/{key}")
def audit_history(request: Request, user: Exporter,
                  entity: Annotated[str, Path(max_length=30)],
                  key: Annotated[str, Path(max_length=50)]) -> list[dict[str, Any]]:
    """The audit trail of one thing (a ticket, a user, a location…)."""
    web = web_state(request)
    with web.deps.store.session() as s:
        rows = [{"at": a.at.isoformat(), "actor": a.actor, "action": a.action,
                 "before": a.before, "after": a.after} for a in history(s, entity, key)]
    return user.redact(rows)
