"""Calls OneStop places for a ticket: the field worker's acknowledgement call and the desk's
click-to-call. Each step is one transaction with the ticket's timeline note.

The acknowledgement call: when a work order is offered (``dispatch.offer``) for a service
type with ``ack_call_after`` minutes, an ``outbound_call`` row is written with the offer —
one per offer. If the worker has not answered by then, the AMI part places the call; the
worker's key moves the ticket through the very commands an SMS reply goes through (1:
``worker_accept``, 2: ``release``); no answer, busy, congestion, a refused or failed
call — or no key pressed — is noted with its reason and the ticket is offered to the next
qualified worker on duty, or escalated when there is nobody.

The click-to-call: the operator's own phone rings first, then the reporter's or a worker's
number; the call is noted on the timeline when asked for, when the operator answers (its
channel then linked to the ticket as one of its calls) and when the far end answers or not.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table

from ticketing.commands.base import ASSIGNMENT, TICKET, CommandContext, TicketError
from ticketing.commands.rows import add_note, attach_call, load
from ticketing.lifecycle import OPEN, IllegalTransition, Status
from ticketing.model import Base
from ticketing.tx import Record, Tx

OUTBOUND: Table = Base.metadata.tables["outbound_call"]

# what came of an acknowledgement call, besides the keys: the call's fate (AMI Originate)
UNANSWERED = ("no_answer", "busy", "congestion", "rejected", "failed", "no_key")
ANSWERS = {"accepted", "declined", "no_key"}


def ack_delay(ctx: CommandContext, service_type: str) -> timedelta | None:
    """How long an offer of this service type waits for an answer before the call."""
    minutes = ctx.catalog.get(service_type).ack_call_after
    if not ctx.options.ack_calls or minutes is None:
        return None
    return ctx.options.ack_call_after or timedelta(minutes=minutes)


def schedule_ack_call(ctx: CommandContext, tx: Tx, t: Record, worker: Any, assignment_id: int,
                      now: datetime) -> None:
    """The acknowledgement call of one offer (nothing for a worker without a mobile, or a
    service type without ``ack_call_after``)."""
    delay = ack_delay(ctx, t.service_type)
    if delay is None or not worker.phone:
        return
    tx.insert(OUTBOUND, {"kind": "ack", "ticket_id": t.id, "assignment_id": assignment_id,
                         "staff_code": worker.code, "target": "worker", "number": worker.phone,
                         "requested_by": "system", "extension": "", "status": "scheduled",
                         "outcome": "", "reason": "", "action_id": "", "uniqueid": "",
                         "attempts": 0, "due_at": now + delay, "created_at": now,
                         "updated_at": now})


def ack_not_needed(tx: Tx, call: Record) -> str:
    """Why a due call is no longer wanted ("" if it is): the worker answered the order (or
    was taken off it), or the ticket is no longer open."""
    a = tx.get(ASSIGNMENT, call.assignment_id) if call.assignment_id else None
    if a is None or a.state != "offered":
        return f"order {a.state if a else 'gone'}"
    t = tx.get(TICKET, call.ticket_id)
    if t is None or Status(t.status) not in OPEN:
        return f"ticket {t.status if t else 'gone'}"
    return ""


def ack_answer(ctx: CommandContext, tx: Tx, ticket_id: int, result: str, call_id: int | None) -> str:
    """The worker's key on the call (``accepted`` 1, ``declined`` 2, ``no_key``): the ticket
    moves as an SMS reply moves it. Returns the call's outcome (an answer given twice is
    taken once)."""
    if result not in ANSWERS:
        raise TicketError(f"unknown answer {result!r}; one of {sorted(ANSWERS)}")
    call = _ack_call(tx, ticket_id, call_id)
    if call.status == "done":
        return str(call.outcome)
    now = tx.now
    call.answered_at = call.answered_at or now
    if result == "no_key":
        return _unanswered(ctx, tx, call, "no_key", "answered, no key pressed")
    call.status, call.outcome, call.updated_at, call.lease_until = "done", result, now, None
    t = load(tx, call.ticket_id)
    actor = f"ivr:{call.staff_code}"
    from ticketing.commands.dispatch import release, worker_accept

    try:
        with tx.savepoint():
            if result == "accepted":
                worker_accept(ctx, tx, actor, t.id, call.staff_code)
            else:
                release(ctx, tx, actor, t.id, call.staff_code, "cannot go (acknowledgement call)")
    except (IllegalTransition, TicketError) as exc:
        call.reason = f"not acted on: {exc}"[:200]
    add_note(tx, t, "ack_call", actor, f"{call.staff_code}: {result} (key {'1' if result == 'accepted' else '2'})"
             + (f"; {call.reason}" if call.reason else ""))
    return result


def ack_result(ctx: CommandContext, tx: Tx, call_id: int, outcome: str, reason: str,
               uniqueid: str = "") -> str:
    """The call's fate as the PBX told it: ``answered`` (the key comes by ``ack_answer``) or
    one of ``UNANSWERED`` with its reason — noted, and the ticket offered to the next worker
    or escalated. Returns the call's status."""
    call = tx.get(OUTBOUND, call_id, lock=True)
    if call is None or call.kind != "ack":
        raise TicketError(f"no acknowledgement call {call_id}")
    if call.status == "done":
        return str(call.status)
    now = tx.now
    call.uniqueid = (uniqueid or call.uniqueid)[:64]
    if outcome == "answered":
        call.status, call.answered_at, call.updated_at = "answered", now, now
        return "answered"
    if outcome not in UNANSWERED:
        raise TicketError(f"unknown call outcome {outcome!r}")
    _unanswered(ctx, tx, call, outcome, reason)
    return str(call.status)


def _unanswered(ctx: CommandContext, tx: Tx, call: Record, outcome: str, reason: str) -> str:
    from ticketing.commands.dispatch import offer
    from ticketing.commands.escalation import escalate_to_roles, next_worker

    now = tx.now
    call.status, call.outcome, call.reason = "done", outcome, reason[:200]
    call.updated_at, call.lease_until = now, None
    t = load(tx, call.ticket_id)
    note = f"{call.staff_code}: {outcome}" + (f" ({reason})" if reason else "")
    why = ack_not_needed(tx, call)
    if why or t.worker_accepted_at is not None:
        add_note(tx, t, "ack_call", "system", f"{note}; nothing more to do: {why or 'accepted'}")
        return outcome
    nxt = next_worker(ctx, tx, t)
    if nxt is not None:
        offer(ctx, tx, t, nxt, now)
        add_note(tx, t, "ack_call", "system", f"{note} → offered to {nxt.code}")
    else:
        add_note(tx, t, "ack_call", "system", f"{note} → nobody else on duty: escalated")
        escalate_to_roles(ctx, tx, t, "system",
                          f"{call.staff_code} did not take the order on the call ({outcome})")
    return outcome


def _ack_call(tx: Tx, ticket_id: int, call_id: int | None) -> Record:
    if call_id is not None:
        call = tx.get(OUTBOUND, call_id, lock=True)
        if call is None or call.kind != "ack" or call.ticket_id != ticket_id:
            raise TicketError(f"no acknowledgement call {call_id} for ticket {ticket_id}")
        return call
    call = tx.record(OUTBOUND, "ticket_id = ? AND kind = 'ack' AND status IN ('dialing', 'answered', 'done')"
                     " ORDER BY (status = 'done'), id DESC LIMIT 1", (ticket_id,), lock=True)
    if call is None:
        raise TicketError(f"ticket {ticket_id} has no acknowledgement call in progress")
    return call


# --- click-to-call -----------------------------------------------------------------------


def desk_call(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, target: str, number: str,
              extension: str, staff_code: str = "") -> Record:
    """An operator calls the reporter (or a worker) back from the ticket: the call's row and
    the note; the AMI part then rings the operator's ``extension`` and dials ``number``."""
    t = load(tx, ticket_id, lock=False)
    now = tx.now
    call = tx.create(OUTBOUND, {
        "kind": "desk", "ticket_id": t.id, "assignment_id": None, "staff_code": staff_code,
        "target": target, "number": number, "requested_by": actor, "extension": extension,
        "status": "dialing", "outcome": "", "reason": "", "action_id": "", "uniqueid": "",
        "attempts": 1, "due_at": now, "created_at": now, "updated_at": now})
    call.action_id = f"desk-{call.id}"
    # (the number is the call's, shown masked to viewers; a note is free text: not in it)
    add_note(tx, t, "call_out", actor, f"{extension} → {staff_code or target}")
    return call


def desk_call_result(ctx: CommandContext, tx: Tx, call_id: int, stage: str, outcome: str,
                     reason: str = "", uniqueid: str = "", talk_s: int | None = None) -> Record:
    """What the PBX said of a click-to-call: ``stage`` ``operator`` (the operator's phone
    answered or not: ``outcome`` as Originate's), ``far`` (the number answered — ``answered`` —
    or not: busy, no_answer…), ``ended`` (hung up after ``talk_s`` seconds of talk)."""
    call = tx.get(OUTBOUND, call_id, lock=True)
    if call is None or call.kind != "desk":
        raise TicketError(f"no click-to-call {call_id}")
    t = load(tx, call.ticket_id, lock=False)
    now = tx.now
    call.updated_at = now
    if stage == "operator":
        call.uniqueid = (uniqueid or call.uniqueid)[:64]
        if outcome == "answered":
            call.status = "answered"
            if call.uniqueid:
                attach_call(tx, t.id, call.uniqueid)
        else:
            call.status, call.outcome, call.reason, call.ended_at = "done", outcome, reason[:200], now
            add_note(tx, t, "call_result", call.requested_by,
                     f"{call.extension}: {outcome}" + (f" ({reason})" if reason else ""))
    elif stage == "far":
        if call.outcome:
            return call
        call.outcome, call.reason = ("answered" if outcome == "answered" else outcome), reason[:200]
        if outcome == "answered":
            call.answered_at = now
        add_note(tx, t, "call_result", call.requested_by,
                 f"{call.staff_code or call.target}: {outcome}" + (f" ({reason})" if reason else ""))
    elif stage == "ended":
        if call.status == "done" and call.ended_at is not None:
            return call
        call.status, call.ended_at = "done", now
        call.outcome = call.outcome or "unanswered"
        if talk_s is not None and call.answered_at is not None:
            call.talk_s = talk_s
    else:
        raise TicketError(f"unknown call stage {stage!r}")
    return call
