"""Maintenance plans (保养计划, 巡检计划) and the tickets they make on their due dates.

A plan names a piece of equipment, or a location (and a type of equipment there), a schedule
(``ticketing.schedule``: every N days, weeks or months, or set dates), the service type,
skill and priority of its tickets, a worker to dispatch them to (optional) and, for an
inspection round, its checklist (the fields and their checks: ``ticketing.maintenance_plans``).
Plans are created and changed by leads and managers, each change one transaction with its audit
row (entity ``maintenance_plan``, key: the plan's code).

**Exactly one ticket per due date.** ``sweep`` (the center runs it every minute) makes the
ticket of every due date that is ready — from ``lead_days`` before it, at the center's
``create_time`` — each in a transaction of its own that first inserts the (plan, due date) row
of ``maintenance_run`` with ``ON CONFLICT DO NOTHING`` and makes the ticket only if that insert
did something. A second sweeper (another thread, another process, the same one restarted)
meets the row — on PostgreSQL it waits for the first transaction and then does nothing — so a
crash before the commit loses nothing and a crash after it doubles nothing.

**Catch-up.** A due date that passed while no sweeper ran (the center was down) still gets its
ticket, once, at the next sweep: its deadline has passed, so it is on the board as overdue
at once. Due dates before a plan was created, re-activated or given a new schedule are never
made (``active_from``). ``overdue`` lists the maintenance tickets past their due date and the
plans whose ticket is late in coming (no sweeper, or one that cannot make it: a deactivated
location, say).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table

from ticketing import rounds
from ticketing.audit import audit, jsonable, row_dict
from ticketing.cells import BadValue, code
from ticketing.commands import dispatch, intake
from ticketing.commands.base import CommandContext, NewTicket, TicketError
from ticketing.lifecycle import OPEN
from ticketing.maintenance_plans import (
    FIELDS,
    PLAN_KINDS,
    SCHEDULE_FIELDS,
    MaintenanceError,
    PlanNotFound,
    checked_plan,
    plan_dict,
    schedule_of,
)
from ticketing.model import Base
from ticketing.tx import Record, Tx, dump_json

# the plans' fields, their checks and read-back are ``ticketing.maintenance_plans``; the pages
# and the API take these names from here
__all__ = ["ACTOR", "FIELDS", "PLAN_KINDS", "Created", "Maintenance", "MaintenanceError",
           "PlanNotFound", "plan_dict", "schedule_of"]

log = logging.getLogger(__name__)

PLAN: Table = Base.metadata.tables["maintenance_plan"]
RUN: Table = Base.metadata.tables["maintenance_run"]
EQUIPMENT: Table = Base.metadata.tables["equipment"]
ACTOR = "system"  # who makes a plan's tickets (the timeline shows the sweep as the system)


@dataclass(frozen=True)
class Created:
    plan_code: str
    due_date: date
    ticket_id: int


class Maintenance:
    """The plans' commands, sweep and overdue list over a ``CommandContext`` (the ticket
    service): its store, clock, catalog, calendar (the center's time zone) and language."""

    def __init__(self, ctx: CommandContext, create_time: time = time(7, 0),
                 missed_after: timedelta = timedelta(minutes=15)) -> None:
        self.ctx = ctx
        self.create_time = create_time
        self.missed_after = missed_after  # a ready ticket not made by then is "missed"

    @property
    def tz(self) -> Any:
        return self.ctx.calendar.tz

    def today(self) -> date:
        return self.ctx.clock.now().astimezone(self.tz).date()

    # --- plans ----------------------------------------------------------------------------

    def create_plan(self, actor: str, values: dict[str, Any]) -> dict[str, Any]:
        """A new plan (``values``: ``code`` and the ``FIELDS``; dates as ``YYYY-MM-DD``)."""
        try:
            plan_code = code(32)(str(values.get("code") or ""))
        except BadValue as exc:
            raise MaintenanceError(f"code: {exc}") from None
        if not plan_code:
            raise MaintenanceError("code: a plan needs a code")
        unknown = set(values) - set(FIELDS) - {"code"}
        if unknown:
            raise MaintenanceError(f"unknown plan field(s): {', '.join(sorted(unknown))}")
        with self.ctx.tx() as tx:
            if tx.record(PLAN, "code = ?", (plan_code,)) is not None:
                raise MaintenanceError(f"code: a plan {plan_code!r} exists")
            clean = checked_plan(tx, self.ctx.catalog, self.today(), values)
            clean["active_from"] = max(clean["start_date"], self.today())
            plan = tx.create(PLAN, {"code": plan_code, **clean, "created_at": tx.now,
                                    "updated_at": tx.now, "version": 1})
            audit(tx, tx.now, actor, "maintenance_plan", plan_code, "create", None, row_dict(plan))
            return plan_dict(plan)

    def update_plan(self, actor: str, plan_code: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change a plan's fields; a new schedule or a re-activation starts from today (the
        due dates in between are not made)."""
        unknown = set(changes) - set(FIELDS)
        if unknown:
            raise MaintenanceError(f"cannot change {', '.join(sorted(unknown))} of a plan")
        with self.ctx.tx() as tx:
            plan = tx.record(PLAN, "code = ?", (plan_code,), lock=True)
            if plan is None:
                raise PlanNotFound(f"no plan {plan_code!r}")
            before = row_dict(plan)
            merged = {f: jsonable(getattr(plan, f)) for f in FIELDS} | dict(changes)
            clean = checked_plan(tx, self.ctx.catalog, self.today(), merged)
            moved = {f for f in FIELDS if clean[f] != getattr(plan, f)}
            if not moved:
                return plan_dict(plan)
            if moved & SCHEDULE_FIELDS or (clean["active"] and not plan.active):
                clean["active_from"] = max(clean["start_date"], self.today())
            for key, value in clean.items():
                setattr(plan, key, value)
            plan.updated_at, plan.version = tx.now, plan.version + 1
            audit(tx, tx.now, actor, "maintenance_plan", plan_code, "edit", before, row_dict(plan))
            return plan_dict(plan)

    # --- the sweep ------------------------------------------------------------------------

    def ready_until(self, plan: Any, now: datetime) -> date:
        """The last due date whose ticket is ready at ``now``: due dates up to ``lead_days``
        after today, once today's ``create_time`` has come (else after yesterday)."""
        local = now.astimezone(self.tz)
        today = local.date() if local.time() >= self.create_time else local.date() - timedelta(days=1)
        return today + timedelta(days=plan.lead_days)

    def pending(self, plan: Any, last_due: date | None, now: datetime, limit: int = 400) -> list[date]:
        """The due dates of ``plan`` ready at ``now`` and not made yet (after ``last_due``)."""
        return schedule_of(plan).due_dates(plan.active_from, self.ready_until(plan, now), last_due, limit)

    def sweep(self) -> list[Created]:
        """Make the ticket of every ready due date of every active plan, each in its own
        transaction. A plan that cannot make its ticket is logged and tried next time."""
        now = self.ctx.clock.now()
        plans, last = self._active_plans()
        made: list[Created] = []
        for plan in plans:
            for due in self.pending(plan, last.get(plan.id), now):
                try:
                    ticket_id = self.create_due(plan.id, due)
                except TicketError as exc:
                    log.warning("plan %s, due %s: no ticket made: %s", plan.code, due, exc)
                    break
                if ticket_id is not None:
                    made.append(Created(plan.code, due, ticket_id))
        return made

    def create_due(self, plan_id: int, due: date) -> int | None:
        """The ticket of ``plan_id``'s due date ``due``, made in one transaction with its
        ``maintenance_run`` row; None when that row exists (another sweeper made it)."""
        with self.ctx.tx() as tx:
            plan = tx.get(PLAN, plan_id)
            if plan is None or not plan.active:
                return None
            as_json = "CAST(? AS JSON)" if tx.pg else "?"
            inserted = tx.run(
                "INSERT INTO maintenance_run (plan_id, due_date, created_at, checklist, results,"
                f" checked_by) VALUES (?, ?, ?, {as_json}, {as_json}, '')"
                " ON CONFLICT (plan_id, due_date) DO NOTHING",
                (plan.id, _date_param(tx, due), tx.at(tx.now), dump_json(plan.checklist or []),
                 dump_json([])))
            if inserted != 1:
                return None
            t = self._open_ticket(tx, plan, due)
            tx.run("UPDATE maintenance_run SET ticket_id = ? WHERE plan_id = ? AND due_date = ?",
                   (t.id, plan.id, _date_param(tx, due)))
            audit(tx, tx.now, ACTOR, "maintenance_plan", plan.code, "ticket", None,
                  {"due_date": due.isoformat(), "ticket_id": t.id})
            return int(t.id)

    def _open_ticket(self, tx: Tx, plan: Record, due: date) -> Record:
        equipment = self._equipment_of(tx, plan)
        location = plan.location_code or (equipment[0].location_code if plan.equipment_code and equipment else "")
        done_by = datetime.combine(due + timedelta(days=plan.grace_days + 1), time(0), tzinfo=self.tz)
        t = intake.accept(self.ctx, tx, ACTOR, NewTicket(
            service_type=plan.service_type, priority=plan.priority, location_code=location,
            description=self._description(plan, due, equipment), source="plan",
            completion_due=done_by.astimezone(UTC)))
        if plan.staff_code:
            try:
                with tx.savepoint():
                    dispatch.dispatch(self.ctx, tx, ACTOR, t.id, [plan.staff_code], None, True)
            except TicketError as exc:  # no mobile on file, say: the desk dispatches it
                audit(tx, tx.now, ACTOR, "maintenance_plan", plan.code, "dispatch_refused", None,
                      {"ticket_id": t.id, "note": str(exc)[:500]})
        return t

    def _equipment_of(self, tx: Tx, plan: Record) -> list[Record]:
        if plan.equipment_code:
            return tx.records(EQUIPMENT, "code = ?", (plan.equipment_code,))
        where, params = "location_code = ? AND active = ? AND status != 'scrapped'", [plan.location_code, True]
        if plan.equipment_type:
            where, params = where + " AND type = ?", [*params, plan.equipment_type]
        return tx.records(EQUIPMENT, where + " ORDER BY code LIMIT 50", params)

    def _description(self, plan: Record, due: date, equipment: list[Record]) -> str:
        """What the work order and the slip say: the plan, its due date, the equipment and
        the checklist (the worker has it in hand), in the center's language."""
        en = self.ctx.options.language.startswith("en")
        kind = {"maintenance": ("保养", "Maintenance"), "inspection": ("巡检", "Inspection")}[plan.kind][en]
        sep, colon = ("; ", ": ") if en else ("；", "：")
        parts = [f"{kind}{colon}{plan.name} ({plan.code}), {'due' if en else '到期'} {due.isoformat()}"]
        if equipment:
            parts.append(("Equipment" if en else "设备") + colon + ", ".join(f"{e.code} {e.name}" for e in equipment))
        if plan.checklist:
            parts.append(("Checklist" if en else "检查项") + colon + " ".join(
                f"{i}. {item}" for i, item in enumerate(plan.checklist, start=1)))
        if plan.description:
            parts.append(plan.description)
        return sep.join(parts)

    def _active_plans(self) -> tuple[list[Record], dict[int, date]]:
        with self.ctx.tx() as tx:
            plans = tx.records(PLAN, "active = ? ORDER BY id", (True,))
            last = {pid: _read_date(d) for pid, d in tx.all(
                "SELECT plan_id, MAX(due_date) FROM maintenance_run GROUP BY plan_id")}
        return plans, last

    # --- inspection rounds (ticketing/rounds.py) ------------------------------------------

    def record_round(self, actor: str, ticket_id: int, results: list[rounds.ItemResult],
                     complete: bool = True, note: str = "", override: str = "") -> dict[str, Any]:
        """Fill in a plan's ticket's checklist (and raise repairs); ``complete`` closes it —
        with every item checked, or with a supervisor's ``override`` reason (the caller
        decides who may give one)."""
        with self.ctx.tx() as tx:
            rounds.record_round(self.ctx, tx, actor, ticket_id, results, complete, note, override)
            view = rounds.round_view(tx, ticket_id)
            assert view is not None
            return view

    def round(self, ticket_id: int) -> dict[str, Any] | None:
        with self.ctx.tx() as tx:
            return rounds.round_view(tx, ticket_id)

    # --- what is late ---------------------------------------------------------------------

    def overdue(self, limit: int = 40) -> dict[str, Any]:
        """Maintenance tickets still open past their due date (the oldest ``limit`` and how
        many in all) and the plans whose ticket should have been made by now and was not."""
        now = self.ctx.clock.now()
        open_ = ", ".join(f"'{s.value}'" for s in OPEN)
        base = (" FROM maintenance_run r JOIN ticket t ON t.id = r.ticket_id"
                " JOIN maintenance_plan p ON p.id = r.plan_id"
                f" WHERE t.status IN ({open_}) AND t.completion_due < ?")
        with self.ctx.tx() as tx:
            total = tx.one("SELECT count(*)" + base, (tx.at(now),))[0]
            rows = tx.all("SELECT t.id, t.status, t.location_code, t.completion_due, t.assignee,"
                          " r.due_date, p.code, p.name, p.kind" + base
                          + " ORDER BY t.completion_due, t.id LIMIT ?", (tx.at(now), limit))
        tickets = [{"ticket_id": r[0], "status": r[1], "location_code": r[2],
                    "completion_due": _read_ts(r[3]).isoformat(), "assignee": r[4],
                    "due_date": _read_date(r[5]).isoformat(), "plan_code": r[6], "plan_name": r[7],
                    "kind": r[8]} for r in rows]
        plans, last = self._active_plans()
        missed = []
        for plan in plans:
            late = self.pending(plan, last.get(plan.id), now - self.missed_after, limit=1000)
            if late:
                missed.append({"plan_code": plan.code, "plan_name": plan.name, "kind": plan.kind,
                               "due_date": late[0].isoformat(), "count": len(late)})
        return {"tickets": tickets, "tickets_total": int(total), "missed": missed[:limit],
                "missed_total": len(missed)}


def _date_param(tx: Tx, d: date) -> Any:
    return d if tx.pg else d.isoformat()


def _read_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _read_ts(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
