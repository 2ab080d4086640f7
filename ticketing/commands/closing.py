"""Closing the loop: call-back, assessment, and the ways a ticket ends early or comes back.

``record_callback`` (回访: the reporter's satisfaction, by an operator or the survey call),
``assess`` (考核), ``cancel``, ``reopen`` (its figures taken out of the statistics until it
is done again), ``merge`` (a duplicate closed into the ticket it repeats), and the
satisfaction survey call that a completion schedules (``schedule_survey``; placed by
``ticketing.outbox.SurveyQueue``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ticketing import search
from ticketing.commands.base import SURVEY, CommandContext, TicketError
from ticketing.commands.outbound import notify_staff
from ticketing.commands.rows import (
    active_assignments,
    add_note,
    attach_call,
    end_assignment,
    load,
    transition,
)
from ticketing.deadlines import due_times
from ticketing.lifecycle import OPEN, Action, Status
from ticketing.stats import bump_daily
from ticketing.tx import Record, Tx


def record_callback(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, score: int,
                    comment: str, via: str) -> Record:
    """回访: the reporter's satisfaction (1–5)."""
    if not 1 <= score <= 5:
        raise TicketError(f"satisfaction score must be 1..5, got {score}")
    t = load(tx, ticket_id)
    transition(tx, t, Action.CALLBACK, actor, f"score {score} via {via}")
    t.called_back_at = tx.now
    t.satisfaction, t.satisfaction_comment = score, comment[:2000]
    search.append(tx, t.id, t.satisfaction_comment)
    bump_daily(tx, t, ctx.calendar.tz, satisfaction_sum=score, satisfaction_n=1)
    if via != "sms":  # rated another way: a later digit reply is told the score stands
        _void_ratings(tx, t.id)
    survey = _survey(tx, t.id)
    if survey is not None and survey.status != "done":
        survey.status, survey.outcome, survey.updated_at = "done", f"score:{via}", t.called_back_at
    return t


def assess(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, result: str = "",
           grade: str = "", reasons: Sequence[str] = ()) -> Record:
    """考核: the lead's grade (one of ``config/assessment.toml``'s, which feeds the monthly
    score) with its reasons, or — as before grades — a free-text assessment alone."""
    kept = [r.strip()[:200] for r in reasons if r and r.strip()]
    said = [*kept, *([result.strip()] if result.strip() else [])]
    label = ""
    if grade:
        try:
            g = ctx.assessment.grade(grade)
        except KeyError:
            known = ", ".join(x.key for x in ctx.assessment.grades)
            raise TicketError(f"grade must be one of {known}, got {grade!r}") from None
        label = g.name(ctx.options.language)
        if g.reasons and not said:
            raise TicketError(f"grade {g.key} ({label}) needs its reasons")
    elif not said:
        raise TicketError("give a grade with its reasons, or an assessment")
    t = load(tx, ticket_id)
    # the timeline's note: the grade's name and the reasons, or the free text as before
    note = "；".join(said)
    transition(tx, t, Action.ASSESS, actor, f"{label}: {note}" if label and note else label or note)
    text = "\n".join(said)
    t.assessed_at, t.assessment, t.assessment_grade = tx.now, text[:2000], grade
    return t


def cancel(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, reason: str) -> Record:
    """Close without the work; the workers on it are released and told."""
    t = load(tx, ticket_id)
    transition(tx, t, Action.CANCEL, actor, reason)
    t.closed_at = tx.now
    for a in active_assignments(tx, t.id):
        end_assignment(tx, a, "released", f"cancelled: {reason}")
        notify_staff(ctx, tx, t, a.staff_code, "cancelled", {"reason": reason})
    return t


def reopen(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, reason: str) -> Record:
    """Back to accepted, with new deadlines from now; a call-back not yet made is cancelled."""
    t = load(tx, ticket_id)
    transition(tx, t, Action.REOPEN, actor, reason)
    now = tx.now
    _unroll(ctx, tx, t)
    t.reopen_count += 1
    t.done_at = t.called_back_at = t.closed_at = t.worker_accepted_at = None
    t.satisfaction, t.escalation_level, t.breach_notified = None, 0, False
    t.response_due, t.completion_due = due_times(ctx.catalog, ctx.calendar, t.service_type, t.priority,
                                                 now, t.details)
    survey = _survey(tx, t.id)
    if survey is not None and survey.status in ("scheduled", "retry"):
        survey.status, survey.outcome, survey.updated_at = "cancelled", "reopened", now
    _void_ratings(tx, t.id)
    return t


def merge(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, into_id: int, note: str) -> Record:
    """Mark ``ticket_id`` a duplicate of ``into_id``; its calls move to the kept ticket."""
    if ticket_id == into_id:
        raise TicketError("a ticket cannot be merged into itself")
    keep = load(tx, into_id)
    if Status(keep.status) not in OPEN:
        raise TicketError(f"ticket {into_id} is {keep.status}; merge into an open ticket")
    t = load(tx, ticket_id)
    transition(tx, t, Action.MERGE, actor, note or f"duplicate of {into_id}")
    t.merged_into, t.closed_at = into_id, tx.now
    bump_daily(tx, t, ctx.calendar.tz, created=-1)  # a duplicate is not a new request
    for (uniqueid,) in tx.all("SELECT uniqueid FROM ticket_call WHERE ticket_id = ? ORDER BY id",
                              (t.id,)):
        attach_call(tx, into_id, uniqueid)
    for a in active_assignments(tx, t.id):
        end_assignment(tx, a, "released", f"merged into {into_id}")
    add_note(tx, keep, "merged_in", actor, f"ticket {ticket_id} merged in")
    return t


def schedule_survey(tx: Tx, t: Record, due: datetime) -> None:
    """The satisfaction call-back of a completed ticket, due at ``due``."""
    # the first completion has no call-back yet: one lookup saved on the common path
    survey = _survey(tx, t.id) if t.reopen_count else None
    if survey is None:
        tx.insert(SURVEY, {"ticket_id": t.id, "number": t.reporter_phone, "due_at": due,
                           "updated_at": due, "status": "scheduled", "attempts": 0})
    else:
        survey.status, survey.due_at, survey.attempts = "scheduled", due, 0
        survey.updated_at = tx.now


def _void_ratings(tx: Tx, ticket_id: int) -> None:
    """The "reply 1–5" SMS still open for the ticket no longer count."""
    tx.run("UPDATE rating_request SET status = 'void' WHERE ticket_id = ? AND status = 'asked'",
           (ticket_id,))


def _survey(tx: Tx, ticket_id: int) -> Record | None:
    return tx.record(SURVEY, "ticket_id = ?", (ticket_id,))


def _unroll(ctx: CommandContext, tx: Tx, t: Record) -> None:
    """Take a reopened ticket's response, completion and score out of the rollup: they
    are counted again when it is accepted and done again."""
    deltas: dict[str, int] = {}
    if t.response_s is not None:
        deltas.update(response_sum_s=-t.response_s, response_n=-1, response_met=-int(bool(t.response_met)))
    if t.done_at is not None and t.completion_s is not None:
        deltas.update(done=-1, completion_sum_s=-t.completion_s, completion_n=-1,
                      completion_met=-int(bool(t.completion_met)))
    if t.satisfaction is not None:
        deltas.update(satisfaction_sum=-t.satisfaction, satisfaction_n=-1)
    if deltas:
        bump_daily(tx, t, ctx.calendar.tz, **deltas)
    t.response_s = t.completion_s = None
    t.response_met = t.completion_met = None
