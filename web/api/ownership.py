"""首问负责: an operator's own cases with their due times and what they must hear of (a
breach, an escalation, the close, a case handed to them), handing a case over with a reason,
and the desk users a case can be handed to. ``my_cases_page`` is shared with the page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from ticketing.lifecycle import label
from ticketing.model import User
from ticketing.ownership import my_cases, notices
from web.api.actions import ticket_step
from web.deps import Desk, Idempotent, TicketId, Writer, web_state

router = APIRouter(prefix="/api", tags=["first-contact ownership"])


class HandoverIn(BaseModel):
    to: str = Field(min_length=1, max_length=50)
    reason: str = Field(min_length=1, max_length=500)


def _local(web: Any, when: Any, fmt: str = "%m-%d %H:%M") -> str:
    return when.astimezone(web.tz).strftime(fmt) if when else ""


def my_cases_page(web: Any, user: Any, page: int = 1, per_page: int = 20) -> dict[str, Any]:
    """The user's cases (one page) and notices, times in the center's time zone."""
    now = web.deps.clock.now()
    catalog = web.deps.service.catalog
    with web.deps.store.session() as s:
        cases, total = my_cases(s, user.username, now, page, per_page)
        heard = notices(s, user.username, now)
    return {
        "total": total, "page": page, "per_page": per_page,
        "cases": [{**c.as_dict(), "status_label": label(c.status, user.language),
                   "service_name": catalog.get(c.service_type).name(user.language)
                   if c.service_type in catalog.types else c.service_type,
                   "created_local": _local(web, c.created_at),
                   "response_due_local": _local(web, c.response_due),
                   "completion_due_local": _local(web, c.completion_due)} for c in cases],
        "notices": [{**n.as_dict(), "at_local": _local(web, n.at)} for n in heard]}


@router.get("/my-cases")
def mine(request: Request, user: Desk, page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> dict[str, Any]:
    """The cases you own (open, and done awaiting the call-back), overdue first, and what
    happened to them that you must hear of (the last three days)."""
    return my_cases_page(web_state(request), user, page)


@router.get("/desk-users")
def desk_users(request: Request, user: Desk) -> list[dict[str, str]]:
    """Who a case can be handed to: active log-ins of the desk (not viewers)."""
    with web_state(request).deps.store.session() as s:
        rows = s.execute(select(User.username, User.display_name).where(
            User.active.is_(True), User.role != "viewer").order_by(User.username)).all()
    return [{"username": u, "name": n or u} for u, n in rows]


@router.post("/tickets/{ticket_id}/handover")
def handover(request: Request, ticket_id: TicketId, body: HandoverIn, user: Writer,
             once: Idempotent) -> dict[str, Any]:
    """Hand the case to another desk user with a reason: its owner may, and leads may (once
    per Idempotency-Key, as every ticket command)."""
    service = web_state(request).deps.service
    return ticket_step(request, user, once, ticket_id, lambda: service.handover(
        user.username, ticket_id, body.to, body.reason, supervises=user.can("supervise")))
