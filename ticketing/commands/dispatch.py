"""Dispatch and field work: from the desk's choice of workers to the work done.

``dispatch`` (派发) offers the ticket to workers, one work-order SMS each, and queues a work
slip; then the worker's steps: ``worker_accept`` (接单), ``start`` (承办, on site), ``complete``
(办结, spare parts issued from the stores, labour booked, the satisfaction call-back
scheduled) or ``release`` (cannot do
it). A worker's SMS reaches the same steps through ``replies``. ``suggest_workers`` ranks who
could take a ticket.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.commands import requester
from ticketing.commands.approval import require_ready
from ticketing.commands.base import ASSIGNMENT, CommandContext, TicketError
from ticketing.commands.closing import schedule_survey
from ticketing.commands.complaints import require_closable
from ticketing.commands.outbound import (
    message_data,
    notify_staff,
    order_link,
    queue_print,
    queue_sms,
)
from ticketing.commands.outcalls import schedule_ack_call
from ticketing.commands.round_check import require_checked
from ticketing.commands.rows import (
    active_assignments,
    add_note,
    assignment,
    end_assignment,
    load,
    require_staff,
    transition,
)
from ticketing.commands.stock import use_parts
from ticketing.costing import working_seconds
from ticketing.lifecycle import Action, next_status
from ticketing.model import Assignment, Staff
from ticketing.stats import bump_daily
from ticketing.tx import Record, Tx


def dispatch(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, staff_codes: list[str],
             printer: str | None, print_slip: bool) -> Record:
    """派发: offer the ticket to workers by SMS and print a work slip. Workers on the ticket
    and not chosen again are released and told."""
    if not staff_codes:
        raise TicketError("choose at least one worker to dispatch to")
    t = load(tx, ticket_id)
    require_ready(ctx, t)
    workers = [require_staff(tx, code) for code in dict.fromkeys(staff_codes)]
    transition(tx, t, Action.DISPATCH, actor, ", ".join(w.code for w in workers))
    now = tx.now
    # only a dispatch offers work (``offer``): a ticket never dispatched has no workers to
    # read (one lookup saved on the common path)
    on_ticket = active_assignments(tx, t.id) if t.dispatched_at else []
    t.dispatched_at = t.dispatched_at or now
    chosen = {w.code: w for w in workers}
    current = []  # chosen workers already on the ticket, in the order they came
    for a in on_ticket:
        if a.staff_code in chosen:
            current.append(chosen[a.staff_code])
        else:
            end_assignment(tx, a, "released", f"reassigned by {actor}")
            notify_staff(ctx, tx, t, a.staff_code, "cancelled", {"reason": "reassigned"})
    offered = [w for w in workers if w not in current]
    # what the work orders and the slip print of the ticket: nothing of it moves in a dispatch
    data = message_data(ctx, tx, t) if offered or print_slip else {}
    for w in offered:
        offer(ctx, tx, t, w, now, data)
    t.assignee = workers[0].code
    if offered:
        requester.on_dispatch(ctx, tx, t, current + offered, data)
    if print_slip:
        queue_print(ctx, tx, t, printer or ctx.options.default_printer, current + offered, data)
    return t


def offer(ctx: CommandContext, tx: Tx, t: Record, worker: Any, now: datetime,
          data: dict[str, Any] | None = None) -> None:
    """``worker``: a staff record or model (code, name, phone); ``data``: the ticket's
    ``message_data`` if the caller has it. The work order goes out by SMS (with its page's
    link), and for service types with ``ack_call_after`` the acknowledgement call is scheduled
    with it."""
    assignment_id = tx.insert(ASSIGNMENT, {"ticket_id": t.id, "staff_code": worker.code,
                                           "state": "offered", "assigned_at": now, "reason": ""})
    if not t.assignee:
        t.assignee = worker.code
    queue_sms(ctx, tx, t, worker, "work_order", order_link(ctx, tx, assignment_id), data)
    schedule_ack_call(ctx, tx, t, worker, assignment_id, now)


def worker_accept(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, staff_code: str) -> Record:
    """接单: the first acceptance is the response time."""
    t = load(tx, ticket_id)
    a = assignment(tx, t.id, staff_code)
    transition(tx, t, Action.WORKER_ACCEPT, actor, staff_code)
    now = tx.now
    if a.state == "offered":
        a.state, a.accepted_at = "accepted", now
    if t.worker_accepted_at is None:
        t.worker_accepted_at = now
        t.assignee = staff_code
        t.response_s = int((now - t.created_at).total_seconds())
        t.response_met = bool(t.response_due and now <= t.response_due)
        bump_daily(tx, t, ctx.calendar.tz, response_sum_s=t.response_s, response_n=1,
                   response_met=int(t.response_met))
    return t


def start(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, staff_code: str) -> Record:
    """承办: the worker is on site."""
    t = load(tx, ticket_id)
    if staff_code and assignment(tx, t.id, staff_code).state == "offered":
        worker_accept(ctx, tx, actor, ticket_id, staff_code)  # arriving implies accepting
    transition(tx, t, Action.START, actor, staff_code)
    t.started_at = tx.now
    return t


def complete(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int,
             parts: list[tuple[str, int]], note: str, backorder: bool = False,
             round_override: str = "") -> Record:
    """办结: the work is done; the spare parts used are issued from the stores (more than is on
    hand is refused unless ``backorder`` records the rest as owed: ``commands/stock.py``), the
    workers' labour is booked and the call-back is scheduled. An inspection round's ticket is
    done only with every checklist item checked (``round_check``; ``round_override``: a
    supervisor's reason to close it without)."""
    t = load(tx, ticket_id)
    require_closable(ctx, t)
    next_status(t.id, t.status, Action.COMPLETE)  # a step the lifecycle refuses says so first
    require_checked(tx, actor, t, round_override)
    transition(tx, t, Action.COMPLETE, actor, note)
    now = tx.now
    if parts:
        use_parts(ctx, tx, actor, t, parts, backorder)
    book_labour(ctx, tx, t, active_assignments(tx, t.id))
    t.done_at = now
    t.completion_s = int((now - t.created_at).total_seconds())
    t.completion_met = bool(t.completion_due and now <= t.completion_due)
    bump_daily(tx, t, ctx.calendar.tz, done=1, completion_sum_s=t.completion_s,
               completion_n=1, completion_met=int(t.completion_met))
    if ctx.options.survey_enabled and t.reporter_phone:
        schedule_survey(tx, t, now + ctx.options.survey_delay)
    requester.on_done(ctx, tx, t)
    return t


def book_labour(ctx: CommandContext, tx: Tx, t: Record, assignments: list[Record]) -> None:
    """End the workers' assignments as finished, each with its working time and its cost at
    the labour rate of the worker's grade or the ticket's skill (``ticketing/costing.py``)."""
    rates = ctx.options.labour_rates
    took_up = [a.staff_code for a in assignments if a.accepted_at is not None]
    grades: dict[str, str] = {}
    if rates.by_grade and took_up:  # only a rates file with grades needs the workers' grades
        grades = dict(tx.all(f"SELECT code, grade FROM staff WHERE code IN ({', '.join('?' * len(took_up))})",
                             took_up))
    skill = ctx.catalog.types[t.service_type].skill if t.service_type in ctx.catalog.types else ""
    for a in assignments:
        end_assignment(tx, a, "finished", "")
        seconds = working_seconds(a.accepted_at, t.started_at, tx.now)
        if seconds is not None:
            a.labour_s, a.labour_cost = seconds, rates.cost(seconds, grades.get(a.staff_code, ""), skill)


def release(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, staff_code: str,
            reason: str) -> Record:
    """A worker cannot do it: back to accepted for another dispatch once nobody is left."""
    t = load(tx, ticket_id)
    a = assignment(tx, t.id, staff_code)
    next_status(t.id, t.status, Action.RELEASE)  # refuse before touching anything
    end_assignment(tx, a, "released", reason)
    remaining = [x for x in active_assignments(tx, t.id) if x.id != a.id]
    if remaining:
        t.assignee = remaining[0].staff_code
        add_note(tx, t, "release", actor, f"{staff_code}: {reason}")
    else:
        transition(tx, t, Action.RELEASE, actor, f"{staff_code}: {reason}")
        t.assignee = ""
    return t


def reprint(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, printer: str | None) -> int:
    """The work slip again (on ``printer`` or the default); returns the print job's id."""
    t = load(tx, ticket_id, lock=False)
    name = printer or ctx.options.default_printer
    job_id = queue_print(ctx, tx, t, name, reprint=True)
    add_note(tx, t, "reprint", actor, name)
    return job_id


def resend_order(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int) -> list[int]:
    """Send the work order again to every worker still on the ticket."""
    t = load(tx, ticket_id)
    ids = [notify_staff(ctx, tx, t, a.staff_code, "work_order", order_link(ctx, tx, a.id))
           for a in active_assignments(tx, t.id)]
    add_note(tx, t, "resend", actor, f"{len(ids)} SMS")
    return ids


def suggest_workers(s: Session, skill: str, limit: int = 5) -> list[Staff]:
    """Qualified workers on duty, least loaded first (open assignments)."""
    load_ = (select(Assignment.staff_code, func.count().label("n"))
             .where(Assignment.state.in_(("offered", "accepted")))
             .group_by(Assignment.staff_code).subquery())
    rows = s.execute(
        select(Staff, func.coalesce(load_.c.n, 0))
        .outerjoin(load_, load_.c.staff_code == Staff.code)
        .where(Staff.active.is_(True), Staff.on_duty.is_(True), Staff.role == "worker")
        .order_by(func.coalesce(load_.c.n, 0), Staff.code)
    ).all()
    qualified = [st for st, _n in rows if not skill or skill in st.skill_set()]
    return qualified[:limit]
