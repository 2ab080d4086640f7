"""Time limits: escalating tickets that are late, by the sweep or by hand.

``sweep_overdue`` (run by the center every minute) takes each open ticket past a limit one
step per call and per ``ServiceOptions.escalation_step``: not accepted in time, 1) the work
order is sent again, 2) offered to the next qualified worker on duty, 3) raised to the roles
the service type names (``escalate_to`` in the catalog: team lead, then manager); not done in
time, raised to those roles once. ``escalate`` raises a ticket by hand.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ticketing.audit import audit
from ticketing.commands.base import STAFF, CommandContext
from ticketing.commands.dispatch import offer, suggest_workers
from ticketing.commands.outbound import notify_staff
from ticketing.commands.rows import active_assignments, load
from ticketing.lifecycle import OPEN, Action, Status, next_status
from ticketing.model import Staff
from ticketing.tx import Record, Tx


def sweep_overdue(ctx: CommandContext) -> list[int]:
    """Escalate every open ticket past a time limit, one step per call and per interval,
    each ticket in a transaction of its own. Returns the ids that moved."""
    now = ctx.clock.now()
    moved: list[int] = []
    open_ = ", ".join(f"'{st.value}'" for st in OPEN)
    with ctx.tx() as tx:
        due = [row[0] for row in tx.all(
            f"SELECT id FROM ticket WHERE status IN ({open_}) AND ("
            "(response_due < ? AND worker_accepted_at IS NULL AND escalation_level < 3)"
            " OR (completion_due < ? AND breach_notified = ?)) ORDER BY id",
            (tx.at(now), tx.at(now), False))]
    for ticket_id in due:
        with ctx.tx() as tx:
            t = load(tx, ticket_id)
            if _escalation_step(ctx, tx, t, now):
                moved.append(t.id)
    return moved


def escalate(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, reason: str) -> Record:
    """Raise the ticket to the roles named by its service type (team lead, manager)."""
    t = load(tx, ticket_id)
    escalate_to_roles(ctx, tx, t, actor, reason)
    return t


def _escalation_step(ctx: CommandContext, tx: Tx, t: Record, now: datetime) -> bool:
    if t.completion_due and t.completion_due < now and not t.breach_notified:
        t.breach_notified = True
        escalate_to_roles(ctx, tx, t, "system", "completion time limit passed")
        return True
    if t.worker_accepted_at or (t.escalated_at and now - t.escalated_at < ctx.options.escalation_step):
        return False
    if t.status == Status.ACCEPTED:
        # Nobody was dispatched at all: tell the roles straight away.
        t.escalation_level = 2
    if t.escalation_level == 0:
        for a in active_assignments(tx, t.id):
            notify_staff(ctx, tx, t, a.staff_code, "work_order", {})
        _bump_escalation(tx, t, "system", "not accepted in time: order sent again")
    elif t.escalation_level == 1:
        nxt = next_worker(ctx, tx, t)
        if nxt is not None:
            offer(ctx, tx, t, nxt, now)
            _bump_escalation(tx, t, "system", f"not accepted in time: offered to {nxt.code}")
        else:
            escalate_to_roles(ctx, tx, t, "system", "not accepted and nobody else on duty")
    else:
        escalate_to_roles(ctx, tx, t, "system", "response time limit passed")
    return True


def escalate_to_roles(ctx: CommandContext, tx: Tx, t: Record, actor: str, reason: str) -> None:
    """One level up, and an SMS to the people in the roles that level reaches."""
    st = ctx.catalog.get(t.service_type)
    _bump_escalation(tx, t, actor, reason)
    t.escalation_level = max(t.escalation_level, 3)
    step = min(t.escalation_level - 3, len(st.escalate_to) - 1)
    roles = st.escalate_to[: step + 1] if st.escalate_to else ("lead",)
    for person in _people_in_roles(tx, roles, st.skill):
        notify_staff(ctx, tx, t, person.code, "escalation",
                     {"reason": reason, "level": t.escalation_level})


def _bump_escalation(tx: Tx, t: Record, actor: str, note: str) -> None:
    next_status(t.id, t.status, Action.ESCALATE)
    before = {"escalation_level": t.escalation_level}
    t.escalation_level += 1
    t.escalated_at = tx.now
    t.version += 1
    audit(tx, tx.now, actor, "ticket", t.id, "escalate", before,
          {"escalation_level": t.escalation_level, "note": note})


def _people_in_roles(tx: Tx, roles: tuple[str, ...], skill: str) -> list[Record]:
    people = tx.records(STAFF, f"role IN ({', '.join('?' * len(roles))}) AND active = ? ORDER BY code",
                        (*roles, True))
    # A lead hears only of his own trade; managers hear of everything.
    return [p for p in people if p.role != "lead" or not skill or skill in _skills(p)]


def next_worker(ctx: CommandContext, tx: Tx, t: Record) -> Staff | None:
    """The least loaded qualified worker on duty who has not been on the ticket."""
    taken = {row[0] for row in tx.all("SELECT staff_code FROM assignment WHERE ticket_id = ?", (t.id,))}
    ranked = suggest_workers(tx.session, ctx.catalog.get(t.service_type).skill, limit=20)
    return next((w for w in ranked if w.code not in taken), None)


def _skills(staff: Any) -> set[str]:
    return {s.strip() for s in (staff.skills or "").split(",") if s.strip()}
