"""A ticket's links from the desk: send the reporter the link to their ticket's progress (a
caller who phoned gets it too), and withdraw the links of a ticket that leaked — every work
order's page of its assignments and its reporter's progress page stop opening, and (unless
told not to) the workers still on it and the reporter get new ones by SMS."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from web.deps import TicketId, Writer, web_state

router = APIRouter(prefix="/api", tags=["links"])


class WithdrawIn(BaseModel):
    resend: bool = True  # send the open work orders and the reporter new links


@router.post("/tickets/{ticket_id}/status-link")
def send_status_link(request: Request, ticket_id: TicketId, user: Writer) -> dict[str, Any]:
    """SMS the ticket's reporter the link to its progress (a mobile number only)."""
    service = web_state(request).deps.service
    return {"sms": service.send_status_link(user.username, ticket_id)}


@router.post("/tickets/{ticket_id}/links/withdraw")
def withdraw_links(request: Request, ticket_id: TicketId, body: WithdrawIn,
                   user: Writer) -> dict[str, Any]:
    """A leaked link: the ticket's work-order and progress links stop opening; with
    ``resend``, the workers still on it and the reporter get new ones."""
    service = web_state(request).deps.service
    done = service.withdraw_ticket_links(user.username, ticket_id, body.resend)
    return {"work_orders": done.work_orders, "sms": list(done.sms)}
