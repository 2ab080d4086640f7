"""A complaint's steps (投诉建议): investigate, name the target, conclude, reply.

The complaint is a ticket of a service type with ``form = "complaint"`` (the form:
``ticketing/complaints.py``), so its time limits, escalation by the sweep, call-back and
timeline are every ticket's. Its first investigation note is its response (as a worker's
acceptance is a repair's: the sweep stops asking who took it); it is done (办结) only with a
target, a finding — justified (属实) or not — and the reply the complainant had by SMS (to a
mobile, through the requester's SMS rules) or by a call whose words are recorded. A justified
finding counts in the target's 考核 (``ticketing/assessment``).
"""

from __future__ import annotations

from typing import Any

from ticketing import complaints
from ticketing.audit import audit
from ticketing.commands.base import ORG_UNIT, STAFF, CommandContext, TicketError
from ticketing.commands.requester import send
from ticketing.commands.rows import load
from ticketing.lifecycle import OPEN, Status
from ticketing.orders import DetailsError
from ticketing.stats import bump_daily
from ticketing.tx import Record, Tx


def check_target(ctx: CommandContext, tx: Tx, kind: str, code: str) -> None:
    """The target exists: a staff member, a team, a department (or office), a service type."""
    if not kind:
        return
    if kind == "worker":
        found = tx.record(STAFF, "code = ?", (code,)) is not None
    elif kind == "service":
        found = code in ctx.catalog.types
    else:
        org = tx.record(ORG_UNIT, "code = ?", (code,))
        found = org is not None and (org.kind == "team") == (kind == "team")
    if not found:
        raise TicketError(f"the complaint's target {kind} {code!r} is not known")


def form_of(ctx: CommandContext, t: Record) -> dict[str, Any]:
    """The complaint's form (a copy), or TicketError if the ticket is not a complaint."""
    if ctx.catalog.get(t.service_type).form != "complaint":
        raise TicketError(f"ticket {t.id} is not a complaint")
    return {**complaints.empty(), **dict((t.details or {}).get("complaint") or {})}


def _open_complaint(ctx: CommandContext, tx: Tx, ticket_id: int) -> tuple[Record, dict[str, Any]]:
    t = load(tx, ticket_id)
    form = form_of(ctx, t)
    if Status(t.status) not in OPEN:
        raise TicketError(f"complaint {t.id} is {t.status}: reopen it to change its record")
    return t, form


def _save(t: Record, form: dict[str, Any]) -> None:
    t.details = {**(t.details or {}), "complaint": form}
    t.version += 1


def _text(value: str, what: str, limit: int = 2000) -> str:
    text = (value or "").strip()
    if not text:
        raise TicketError(f"the {what} is empty")
    return text[:limit]


def investigate(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, note: str) -> Record:
    """调查: a note of the investigation; the first is the complaint's response."""
    text = _text(note, "investigation note")
    t, form = _open_complaint(ctx, tx, ticket_id)
    now = tx.now
    form["notes"] = [*form["notes"], {"at": now.isoformat(), "by": actor, "text": text}]
    _save(t, form)
    if t.worker_accepted_at is None:
        t.worker_accepted_at = now
        t.response_s = int((now - t.created_at).total_seconds())
        t.response_met = bool(t.response_due and now <= t.response_due)
        bump_daily(tx, t, ctx.calendar.tz, response_sum_s=t.response_s, response_n=1,
                   response_met=int(t.response_met))
    audit(tx, now, actor, "ticket", t.id, "investigate", None, {"note": text})
    return t


def set_target(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, kind: str, code: str,
               severity: str) -> Record:
    """Against whom (a worker, team, department or service) and how serious."""
    t, form = _open_complaint(ctx, tx, ticket_id)
    try:
        chosen = complaints.target(kind, code)
        severity = complaints.check_severity(severity)
    except DetailsError as exc:
        raise TicketError(str(exc)) from exc
    if not chosen["target_kind"]:
        raise TicketError("name the complaint's target (kind and code)")
    check_target(ctx, tx, chosen["target_kind"], chosen["target_code"])
    before = {k: form[k] for k in ("target_kind", "target_code", "severity")}
    form.update(chosen, severity=severity)
    _save(t, form)
    audit(tx, tx.now, actor, "ticket", t.id, "complaint_target", before,
          {**chosen, "severity": severity, "note": f"{chosen['target_kind']} {chosen['target_code']} ({severity})"})
    return t


def conclude(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, outcome: str,
             finding: str) -> Record:
    """The finding: justified (属实, counts in the target's 考核) or not, with what was found."""
    if outcome not in complaints.OUTCOMES:
        raise TicketError(f"outcome must be one of {', '.join(complaints.OUTCOMES)}")
    text = _text(finding, "finding")
    t, form = _open_complaint(ctx, tx, ticket_id)
    if not form["target_kind"]:
        raise TicketError("name the complaint's target before its finding")
    before = {"outcome": form["outcome"]}
    form.update(outcome=outcome, finding=text, concluded_at=tx.now.isoformat(), concluded_by=actor)
    _save(t, form)
    audit(tx, tx.now, actor, "ticket", t.id, "conclude", before,
          {"outcome": outcome, "note": f"{outcome}: {text}"})
    return t


def reply(ctx: CommandContext, tx: Tx, actor: str, ticket_id: int, channel: str, text: str) -> Record:
    """The answer to the complainant: an SMS to their mobile (sent through the outbox, under
    the requester's opt-out and daily limit) or a call whose words are recorded here."""
    if channel not in complaints.REPLY_CHANNELS:
        raise TicketError(f"channel must be one of {', '.join(complaints.REPLY_CHANNELS)}")
    words = _text(text, "reply", 500)
    t, form = _open_complaint(ctx, tx, ticket_id)
    record: dict[str, Any] = {"channel": channel, "at": tx.now.isoformat(), "by": actor, "text": words}
    if channel == "sms":
        sms_id, not_sent = send(ctx, tx, t.reporter_phone, "complaint_reply", {"reply_text": words},
                                "complaint_reply", t)
        if sms_id is None:
            raise TicketError(f"no SMS to the complainant: {not_sent}; call them and record the call")
        record["sms_id"] = sms_id
    form["reply"] = record
    _save(t, form)
    audit(tx, tx.now, actor, "ticket", t.id, "reply", None, {"note": f"{channel}: {words}"})
    return t


def require_closable(ctx: CommandContext, t: Record) -> None:
    """办结 of a complaint waits for its target, finding and reply (有记录、有回复)."""
    if ctx.catalog.get(t.service_type).form != "complaint":
        return
    why = complaints.closable(form_of(ctx, t))
    if why:
        raise TicketError(f"ticket {t.id}: {why}")
