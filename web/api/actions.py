"""A ticket's lifecycle steps from the desk: dispatch (派发), the ward head's decision on a meal
order, reprint and resend, close (办结), cancel, reopen, merge, call-back (回访), escalate and
assess (考核). Each is one ticket command; each answers with the ticket as the ticket page
shows it and sends it to the desks' live streams; sent with an ``Idempotency-Key``, a retry
answers as the first request did instead of stepping again. Reopening, merging, escalating and assessing
are supervision (leads, managers, administrators); the other steps are any writer's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from ticketing.views import TicketView
from web.api.tickets import published, run_ticket_command
from web.auth import CurrentUser
from web.deps import Idempotent, Supervisor, TicketId, Writer, web_state
from web.idempotency import Once

router = APIRouter(prefix="/api", tags=["ticket actions"])


# --- request bodies ----------------------------------------------------------------------

class DecisionIn(BaseModel):
    by: str = Field("", max_length=50)  # the ward head who gave the decision by phone
    note: str = Field("", max_length=200)


class DispatchIn(BaseModel):
    staff_codes: list[Annotated[str, Field(max_length=32)]] = Field(min_length=1, max_length=10)
    printer: str | None = Field(None, max_length=32)
    print_slip: bool = True


class ReasonIn(BaseModel):
    reason: str = Field("", max_length=2000)


class PartUsedIn(BaseModel):
    code: str = Field(min_length=1, max_length=32)
    qty: int = Field(ge=1, le=1_000_000)


class CompleteIn(BaseModel):
    note: str = Field("", max_length=2000)
    # the spare parts used: issued from the stores; more than is on hand is refused unless
    # ``backorder`` records the rest as owed to the ticket
    parts: list[PartUsedIn] = Field(default_factory=list, max_length=50)
    backorder: bool = False


class MergeIn(BaseModel):
    into_id: int = Field(ge=1, le=2_147_483_647)
    note: str = Field("", max_length=2000)


class CallbackIn(BaseModel):
    score: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=2000)
    via: Literal["operator", "ivr", "sms"] = "operator"


class AssessIn(BaseModel):
    """A grade from config/assessment.toml (``GET /api/assessment/grades``) with its reasons;
    or, as before grades, a free-text ``result`` alone."""

    grade: str = Field("", max_length=16)
    reasons: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=10)
    result: str = Field("", max_length=2000)


# --- routes: each a ticket command, once per Idempotency-Key (``web.idempotency``) -----------

def ticket_step(request: Request, user: CurrentUser, once: Once, ticket_id: int,
                do: Callable[[], TicketView]) -> dict[str, Any]:
    """The HTTP side of a step on ticket ``ticket_id`` (the lifecycle's here, a complaint's in
    ``web.api.complaints``, a handover in ``web.api.ownership``). ``do`` is one
    ``TicketService`` command: it loads the ticket, refuses a step its state does not allow
    and writes the step with its audit and outbox rows in one transaction. It runs once per
    ``Idempotency-Key`` (``web.idempotency``); the ticket it returns goes to the desks' live
    streams, and the answer is the ticket as its page shows it to ``user`` (with ``Prefer:
    return=minimal``, the ticket alone: ``web.api.tickets.run_ticket_command``). A retry with the
    same key answers as the first request did without running ``do`` again. The command's
    refusals are not caught here: ``web.api.errors`` answers them (404, 409, 400)."""
    web = web_state(request)
    return run_ticket_command(web, user, once, lambda: published(web, do()), ticket_id=ticket_id)  # type: ignore[no-any-return]


@router.post("/tickets/{ticket_id}/dispatch")
def dispatch(request: Request, ticket_id: TicketId, body: DispatchIn, user: Writer,
             once: Idempotent) -> dict[str, Any]:
    """派发: one work-order SMS per worker and a work slip."""
    service = web_state(request).deps.service
    return ticket_step(request, user, once, ticket_id, lambda: service.dispatch(
        user.username, ticket_id, body.staff_codes, body.printer, body.print_slip))


@router.post("/tickets/{ticket_id}/approve")
def approve(request: Request, ticket_id: TicketId, body: DecisionIn, user: Writer,
            once: Idempotent) -> dict[str, Any]:
    """Record the ward head's approval of a meal order (given by phone; ``by`` names them)."""
    service = web_state(request).deps.service
    return ticket_step(request, user, once, ticket_id, lambda: service.approve(
        user.username, ticket_id, by=body.by, note=body.note))


@router.post("/tickets/{ticket_id}/reject")
def reject(request: Request, ticket_id: TicketId, body: DecisionIn, user: Writer,
           once: Idempotent) -> dict[str, Any]:
    """Record the ward head's refusal: the order is cancelled with the reason in ``note``."""
    service = web_state(request).deps.service
    return ticket_step(request, user, once, ticket_id, lambda: service.reject(
        user.username, ticket_id, body.note or "rejected", by=body.by))


@router.post("/tickets/{ticket_id}/reprint")
def reprint(request: Request, ticket_id: TicketId, user: Writer, once: Idempotent) -> dict[str, Any]:
    """Print the work slip again."""
    service = web_state(request).deps.service
    return once.run(user, lambda: service.reprint(user.username, ticket_id),  # type: ignore[no-any-return]
                    lambda job: {"print_job": job}, ticket_id=ticket_id, rebuild=False)


@router.post("/tickets/{ticket_id}/resend")
def resend(request: Request, ticket_id: TicketId, user: Writer, once: Idempotent) -> dict[str, Any]:
    """Send the work order SMS again to every worker on the ticket."""
    service = web_state(request).deps.service
    return once.run(user, lambda: service.resend_order(user.username, ticket_id),  # type: ignore[no-any-return]
                    lambda sms: {"sms": sms}, ticket_id=ticket_id, rebuild=False)


@router.post("/tickets/{ticket_id}/complete")
def complete(request: Request, ticket_id: TicketId, body: CompleteIn, user: Writer,
             once: Idempotent) -> dict[str, Any]:
    """办结: close the ticket as done (also for requests solved on the phone), with the spare
    parts used."""
    service = web_state(request).deps.service
    return ticket_step(request, user, once, ticket_id, lambda: service.complete(
        user.username, ticket_id, [(p.code, p.qty) for p in body.parts], note=body.note,
        backorder=body.backorder))


@router.post("/tickets/{ticket_id}/cancel")
def cancel(request: Request, ticket_id: TicketId, body: ReasonIn, user: Writer,
           once: Idempotent) -> dict[str, Any]:
    service = web_state(request).deps.service
    return ticket_step(request, user, once, ticket_id, lambda: service.cancel(
        user.username, ticket_id, body.reason or "cancelled"))


@router.post("/tickets/{ticket_id}/reopen")
def reopen(request: Request, ticket_id: TicketId, body: ReasonIn, user: Supervisor,
           once: Idempotent) -> dict[str, Any]:
    service = web_state(request).deps.service
    return ticket_step(request, user, once, ticket_id, lambda: service.reopen(
        user.username, ticket_id, body.reason or "reopened"))


@router.post("/tickets/{ticket_id}/merge")
def merge(request: Request, ticket_id: TicketId, body: MergeIn, user: Supervisor,
          once: Idempotent) -> dict[str, Any]:
    """Mark this ticket a duplicate of ``into_id``."""
    service = web_state(request).deps.service
    return ticket_step(request, user, once, ticket_id, lambda: service.merge(
        user.username, ticket_id, body.into_id, body.note))


@router.post("/tickets/{ticket_id}/callback")
def callback(request: Request, ticket_id: TicketId, body: CallbackIn, user: Writer,
             once: Idempotent) -> dict[str, Any]:
    """回访: record the reporter's satisfaction."""
    service = web_state(request).deps.service
    return ticket_step(request, user, once, ticket_id, lambda: service.record_callback(
        user.username, ticket_id, body.score, body.comment, body.via))


@router.post("/tickets/{ticket_id}/escalate")
def escalate(request: Request, ticket_id: TicketId, body: ReasonIn, user: Supervisor,
             once: Idempotent) -> dict[str, Any]:
    service = web_state(request).deps.service
    return ticket_step(request, user, once, ticket_id, lambda: service.escalate(
        user.username, ticket_id, body.reason or "by desk"))


@router.post("/tickets/{ticket_id}/assess")
def assess(request: Request, ticket_id: TicketId, body: AssessIn, user: Supervisor,
           once: Idempotent) -> dict[str, Any]:
    """考核: the lead's grade with reasons (after the call-back); it feeds the monthly score."""
    service = web_state(request).deps.service
    return ticket_step(request, user, once, ticket_id, lambda: service.assess(
        user.username, ticket_id, body.result, grade=body.grade, reasons=body.reasons))
