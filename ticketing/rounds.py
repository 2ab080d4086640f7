"""Inspection rounds (巡检): the checklist of a plan's ticket, filled in at the desk, through
the API, or by the worker on the work order's page (``commands.channels.worker_round``).

Each item is ok, not ok or not yet checked, with a note; an item that is not ok can raise a
repair ticket for the same place in the same transaction. Recording a round writes the
results on its ``maintenance_run`` row and an audit row on the ticket (its timeline shows the
``checklist`` step); completing it needs every item checked and closes the ticket (办结) in
that transaction too. That rule is the core's on every way a ticket is done (the worker's SMS,
the work order's page, the desk): ``commands/round_check.py``, which also keeps a supervisor's
override (a reason to close a round that could not be finished).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table

from ticketing.audit import audit
from ticketing.commands import dispatch, intake
from ticketing.commands.base import CommandContext, NewTicket
from ticketing.commands.round_check import RUN, RoundError, RoundOpen, round_of, unchecked
from ticketing.commands.rows import load
from ticketing.lifecycle import OPEN
from ticketing.model import Base
from ticketing.tx import Record, Tx

PLAN: Table = Base.metadata.tables["maintenance_plan"]
REPAIR_SERVICE = "repair"
__all__ = ["RUN", "ItemResult", "RoundError", "RoundOpen", "record_round", "round_of", "round_view",
           "unchecked"]


@dataclass(frozen=True)
class ItemResult:
    index: int  # 1-based, as the checklist numbers its items
    ok: bool | None  # None: not checked yet
    note: str = ""
    repair: bool = False  # raise a repair ticket (only for an item that is not ok)


def _plan_of(tx: Tx, run: Record) -> Record:
    plan = tx.get(PLAN, run.plan_id)
    if plan is None:  # the foreign key keeps a run's plan
        raise LookupError(f"maintenance plan {run.plan_id} of ticket {run.ticket_id} is gone")
    return plan


def round_view(tx: Tx, ticket_id: int) -> dict[str, Any] | None:
    """The round of ``ticket_id``: its plan, due date and each item with its result."""
    run = round_of(tx, ticket_id)
    if run is None:
        return None
    plan = _plan_of(tx, run)
    results = list(run.results or [])
    items = [{"index": i, "item": text, **(results[i - 1] if i <= len(results) else _unchecked())}
             for i, text in enumerate(run.checklist or [], start=1)]
    return {"ticket_id": ticket_id, "plan_code": plan.code, "plan_name": plan.name,
            "kind": plan.kind, "due_date": run.due_date.isoformat(), "items": items,
            "checked_by": run.checked_by,
            "checked_at": run.checked_at.isoformat() if run.checked_at else None}


def record_round(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int,
                 results: list[ItemResult], complete: bool, note: str = "",
                 override: str = "") -> Record:
    """Write the items' results (and raise the repair tickets asked for); with ``complete``
    every item must be checked (``RoundOpen``) and the ticket is done — or, with a
    supervisor's ``override`` reason, done with the items left open (``round_check``)."""
    t = load(tx, ticket_id)
    run = round_of(tx, t.id, lock=True)
    if run is None or not run.checklist:
        raise RoundError(f"ticket {t.id} has no checklist")
    if t.status not in {s.value for s in OPEN}:
        raise RoundError(f"ticket {t.id} is {t.status}: its round can no longer change")
    checklist = list(run.checklist)
    before = [dict(r) for r in run.results or []] or [_unchecked() for _ in checklist]
    after = [dict(r) for r in before]
    seen: set[int] = set()
    repairs: list[int] = []
    for r in results:
        if not 1 <= r.index <= len(checklist):
            raise RoundError(f"item {r.index}: the checklist has {len(checklist)} items")
        if r.index in seen:
            raise RoundError(f"item {r.index}: given twice")
        seen.add(r.index)
        if len(r.note) > 500:
            raise RoundError(f"item {r.index}: the note is longer than 500 characters")
        if r.repair and r.ok is not False:
            raise RoundError(f"item {r.index}: a repair is raised only for an item that is not ok")
        item = after[r.index - 1]
        item["ok"], item["note"] = r.ok, r.note.strip()
        if r.repair and not item.get("repair_ticket"):
            item["repair_ticket"] = _raise_repair(ctx, tx, actor, t, run, checklist[r.index - 1], item["note"])
            repairs.append(item["repair_ticket"])
    run.results, run.checked_by, run.checked_at = after, actor[:50], tx.now
    good = sum(1 for i in after if i["ok"] is True)
    bad = sum(1 for i in after if i["ok"] is False)
    summary = f"{good} ok, {bad} not ok of {len(after)}" + (
        "; repair " + ", ".join(f"#{n}" for n in repairs) if repairs else "")
    audit(tx, tx.now, actor, "ticket", t.id, "checklist", {"results": before},
          {"results": after, "note": summary})
    if complete:  # refused (and the results with it) while items are open without an override
        dispatch.complete(ctx, tx, actor, t.id, [], note, round_override=override)
    return t


def _raise_repair(ctx: CommandContext, tx: Tx, actor: str, t: Record, run: Record, item: str,
                  note: str) -> int:
    plan = _plan_of(tx, run)
    en = ctx.options.language.startswith("en")
    head = (f"Found on inspection (#{t.id}, {plan.name})" if en
            else f"巡检发现异常（工单 #{t.id}，{plan.name}）")
    text = f"{head}: {item}" + (f": {note}" if note else "") if en else f"{head}：{item}" + (f"：{note}" if note else "")
    repair = intake.accept(ctx, tx, actor, NewTicket(
        service_type=REPAIR_SERVICE, location_code=t.location_code, org_code=t.org_code,
        description=text, source="desk"))
    return int(repair.id)


def _unchecked() -> dict[str, Any]:
    return {"ok": None, "note": "", "repair_ticket": None}
