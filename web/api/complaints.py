"""投诉建议: the complaints list and a complaint's steps — investigation notes, its target,
the finding (leads only) and the reply to the complainant. Each step answers with the
ticket as the ticket page shows it and goes to the desks' live streams. ``complaint_rows``
is shared with the complaints pages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from ticketing import complaints as form
from ticketing.lifecycle import OPEN, label
from ticketing.model import OrgUnit, Staff, Ticket
from ticketing.reports.monthly import complaint_types
from web.api.actions import ticket_step
from web.deps import Idempotent, Reader, Supervisor, TicketId, Writer, web_state

router = APIRouter(prefix="/api", tags=["complaints"])

State = Literal["open", "closed", "all"]


class NoteIn(BaseModel):
    note: str = Field(min_length=1, max_length=2000)


class TargetIn(BaseModel):
    kind: Literal["worker", "team", "department", "service"]
    code: str = Field(min_length=1, max_length=32)
    severity: Literal["minor", "normal", "serious"] = "normal"


class ConcludeIn(BaseModel):
    outcome: Literal["justified", "unjustified"]
    finding: str = Field(min_length=1, max_length=2000)


class ReplyIn(BaseModel):
    channel: Literal["sms", "call"]
    text: str = Field(min_length=1, max_length=500)


def target_name(s: Any, web: Any, kind: str, code: str, language: str) -> str:
    if not kind:
        return ""
    if kind == "worker":
        return s.scalar(select(Staff.name).where(Staff.code == code)) or code
    if kind == "service":
        types = web.deps.service.catalog.types
        return types[code].name(language) if code in types else code
    org = s.scalar(select(OrgUnit).where(OrgUnit.code == code))
    return (org.name_en if language == "en" and org.name_en else org.name) if org else code


def complaint_rows(web: Any, user: Any, state: str = "open", page: int = 1,
                   per_page: int = 20) -> dict[str, Any]:
    kinds = sorted(complaint_types(web.deps.service.catalog))
    where = [Ticket.service_type.in_(kinds)]
    if state == "open":
        where.append(Ticket.status.in_([s.value for s in OPEN]))
    elif state == "closed":
        where.append(Ticket.status.not_in([s.value for s in OPEN]))
    with web.deps.store.session() as s:
        total = s.scalar(select(func.count()).select_from(Ticket).where(*where)) or 0
        tickets = s.scalars(select(Ticket).where(*where).order_by(Ticket.id.desc())
                            .limit(per_page).offset((page - 1) * per_page)).all()
        rows = []
        for t in tickets:
            c = {**form.empty(), **((t.details or {}).get("complaint") or {})}
            rows.append({
                "id": t.id, "status": t.status, "status_label": label(t.status, user.language),
                "created_local": t.created_at.astimezone(web.tz).strftime("%m-%d %H:%M"),
                "due_local": t.completion_due.astimezone(web.tz).strftime("%m-%d %H:%M") if t.completion_due else "",
                "overdue": bool(t.status in [s.value for s in OPEN] and t.completion_due
                                and t.completion_due < web.deps.clock.now()),
                "reporter": t.reporter_name, "phone": t.reporter_phone,
                "description": t.description[:80], "target_kind": c["target_kind"],
                "target": target_name(s, web, c["target_kind"], c["target_code"], user.language),
                "severity": c["severity"], "outcome": c["outcome"], "replied": bool(c["reply"])})
    # numbers masked for viewers, in the fields and in the words around them
    return user.redact({"total": total, "page": page, "per_page": per_page, "rows": rows},  # type: ignore[no-any-return]
                       [t.reporter_phone for t in tickets])


@router.get("/complaints")
def list_complaints(request: Request, user: Reader, state: State = "open",
                    page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> dict[str, Any]:
    """Complaints, newest first: against whom, how serious, the finding, whether answered."""
    return complaint_rows(web_state(request), user, state, page)


# Each step is a ticket command: once per Idempotency-Key, as the lifecycle's steps are.

@router.post("/tickets/{ticket_id}/complaint/investigate")
def investigate(request: Request, ticket_id: TicketId, body: NoteIn, user: Writer,
                once: Idempotent) -> dict[str, Any]:
    """调查: a note of the investigation (the first is the complaint's response)."""
    service = web_state(request).deps.service
    return ticket_step(request, user, once, ticket_id, lambda: service.investigate(
        user.username, ticket_id, body.note))


@router.post("/tickets/{ticket_id}/complaint/target")
def target(request: Request, ticket_id: TicketId, body: TargetIn, user: Writer,
           once: Idempotent) -> dict[str, Any]:
    """Against whom the complaint is, and how serious."""
    service = web_state(request).deps.service
    return ticket_step(request, user, once, ticket_id, lambda: service.complaint_target(
        user.username, ticket_id, body.kind, body.code, body.severity))


@router.post("/tickets/{ticket_id}/complaint/conclude")
def conclude(request: Request, ticket_id: TicketId, body: ConcludeIn, user: Supervisor,
             once: Idempotent) -> dict[str, Any]:
    """The finding: justified (counts in the target's 考核) or not."""
    service = web_state(request).deps.service
    return ticket_step(request, user, once, ticket_id, lambda: service.conclude(
        user.username, ticket_id, body.outcome, body.finding))


@router.post("/tickets/{ticket_id}/complaint/reply")
def reply(request: Request, ticket_id: TicketId, body: ReplyIn, user: Writer,
          once: Idempotent) -> dict[str, Any]:
    """The answer to the complainant: an SMS (sent) or a call (its words recorded)."""
    service = web_state(request).deps.service
    return ticket_step(request, user, once, ticket_id, lambda: service.reply_complainant(
        user.username, ticket_id, body.channel, body.text))
