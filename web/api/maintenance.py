"""Maintenance plans (保养计划), inspection rounds (巡检) and what is late, over the API.

Everyone who reads tickets may read plans, rounds and the overdue list (the board includes
it: ``/api/maintenance/overdue``); leads, managers and administrators create and change plans
(``supervise``); whoever works tickets records a round (``write``) and completes it once every
item is checked; a supervisor may close one that could not be finished, with a reason."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from ticketing.rounds import ItemResult
from web.deps import Reader, Supervisor, TicketId, Writer, web_state
from web.facilities import maintenance_of, plan_detail, plan_page

router = APIRouter(prefix="/api/maintenance", tags=["maintenance"])

PlanCode = Annotated[str, Path(min_length=1, max_length=32, description="the plan's code")]
Number = int | str | None


class PlanIn(BaseModel):
    """A plan's fields (``code`` only when creating; a change names only what changes). Dates
    ``YYYY-MM-DD``; ``dates`` and ``checklist`` as lists, or as text (dates separated by
    commas, one checklist item a line)."""

    model_config = ConfigDict(extra="forbid")
    code: str | None = Field(None, max_length=32)
    name: str | None = Field(None, max_length=100)
    kind: str | None = Field(None, max_length=20, description="maintenance | inspection")
    equipment_code: str | None = Field(None, max_length=32)
    location_code: str | None = Field(None, max_length=16)
    equipment_type: str | None = Field(None, max_length=50)
    service_type: str | None = Field(None, max_length=20)
    skill: str | None = Field(None, max_length=20)
    priority: str | None = Field(None, max_length=10)
    staff_code: str | None = Field(None, max_length=32, description="dispatch each ticket to this worker")
    unit: str | None = Field(None, max_length=8, description="day | week | month | dates")
    every: Number = None
    dates: list[str] | str | None = Field(None, description="YYYY-MM-DD once, MM-DD every year")
    start_date: str | None = Field(None, max_length=10)
    end_date: str | None = Field(None, max_length=10)
    lead_days: Number = None
    grace_days: Number = None
    checklist: list[str] | str | None = None
    description: str | None = Field(None, max_length=2000)
    active: bool | None = None

    def values(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class ItemIn(BaseModel):
    index: int = Field(ge=1, le=50, description="the item's number on the checklist (from 1)")
    ok: bool | None = Field(description="true: ok, false: not ok, null: not checked")
    note: str = Field("", max_length=500)
    repair: bool = Field(False, description="raise a repair ticket for this item (not ok only)")


class RoundIn(BaseModel):
    items: list[ItemIn] = Field(max_length=50)
    complete: bool = Field(True, description="every item checked: close the ticket (办结)")
    note: str = Field("", max_length=500)


class OverrideIn(BaseModel):
    """A round closed with items not checked: the items that were (as ``RoundIn``) and why
    the rest could not be (a room locked, the equipment away)."""

    items: list[ItemIn] = Field(default_factory=list, max_length=50)
    reason: str = Field(min_length=1, max_length=500)
    note: str = Field("", max_length=500)


@router.get("/plans")
def list_plans(request: Request, user: Reader, q: Annotated[str, Query(max_length=50)] = "",
               state: Annotated[str, Query(pattern="^(active|inactive|all)$")] = "active",
               page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> dict[str, Any]:
    """Plans a page at a time, with each one's next due date and last ticket."""
    with web_state(request).deps.store.session() as s:
        return plan_page(s, q.strip(), state, page)


@router.post("/plans", status_code=201)
def create_plan(request: Request, body: PlanIn, user: Supervisor) -> dict[str, Any]:
    """A new plan; a bad field is a 400 that names it."""
    return maintenance_of(web_state(request)).create_plan(user.username, body.values())


@router.get("/plans/{plan_code}")
def get_plan(request: Request, plan_code: PlanCode, user: Reader) -> dict[str, Any]:
    """One plan with its newest tickets."""
    with web_state(request).deps.store.session() as s:
        found = plan_detail(s, plan_code)
    if found is None:
        raise HTTPException(404, f"no plan {plan_code!r}")
    return found


@router.patch("/plans/{plan_code}")
def edit_plan(request: Request, plan_code: PlanCode, body: PlanIn, user: Supervisor) -> dict[str, Any]:
    """Change a plan (``active: false`` stops it); audited before → after."""
    return maintenance_of(web_state(request)).update_plan(user.username, plan_code, body.values())


@router.get("/overdue")
def overdue(request: Request, user: Reader,
            limit: Annotated[int, Query(ge=1, le=200)] = 40) -> dict[str, Any]:
    """Plan tickets still open past their due date and plans whose ticket is late in coming."""
    return maintenance_of(web_state(request)).overdue(limit)


@router.get("/rounds/{ticket_id}")
def get_round(request: Request, ticket_id: TicketId, user: Reader) -> dict[str, Any]:
    """A plan ticket's checklist with each item's result so far."""
    found = maintenance_of(web_state(request)).round(ticket_id)
    if found is None:
        raise HTTPException(404, f"ticket {ticket_id} is not a plan's ticket")
    return found


@router.post("/rounds/{ticket_id}")
def record_round(request: Request, ticket_id: TicketId, body: RoundIn, user: Writer) -> dict[str, Any]:
    """Fill in the checklist (a repair ticket for an item not ok, if asked); ``complete``
    needs every item checked and closes the ticket."""
    results = [ItemResult(i.index, i.ok, i.note, i.repair) for i in body.items]
    return maintenance_of(web_state(request)).record_round(user.username, ticket_id, results,
                                                           body.complete, body.note)


@router.post("/rounds/{ticket_id}/override")
def close_round(request: Request, ticket_id: TicketId, body: OverrideIn, user: Supervisor) -> dict[str, Any]:
    """A supervisor closes a round that could not be finished: the items given are recorded,
    the rest stay not checked, and the reason is audited on the ticket (``round_override``)."""
    results = [ItemResult(i.index, i.ok, i.note, i.repair) for i in body.items]
    return maintenance_of(web_state(request)).record_round(user.username, ticket_id, results, True,
                                                           body.note, override=body.reason)
