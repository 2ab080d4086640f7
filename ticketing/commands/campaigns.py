"""Satisfaction campaigns (定期满意度调查): made, started, paced, answered.

A campaign asks departments (their staff's mobiles by SMS, their phones by the outbound
survey call) or the recent requesters of chosen services (their numbers since ``since_days``)
to rate the logistics service 1–5. ``start`` lists its targets once — one per number, numbers
that opted out skipped with the reason — and ``run_due`` (the center runs it every minute)
releases them at ``per_hour`` at most, never in the campaign's quiet hours: an SMS goes out
through the requester's SMS rules with a ``rating_request`` that the digit reply answers
(``requester.handle_reply``); a call is made due for the IVR's campaign scheduler, which
takes it through ``ticketing.campaigns.CampaignCalls`` and stores the keyed score with
``record_call_score``. A campaign is done when nothing is left to send or call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

from ticketing.audit import audit
from ticketing.commands.base import (
    CAMPAIGN,
    CAMPAIGN_TARGET,
    RATING_REQUEST,
    CommandContext,
    TicketError,
)
from ticketing.commands.requester import send
from ticketing.phone import is_mobile, normalise_number
from ticketing.tx import Record, Tx

CHANNELS = ("sms", "ivr")
AUDIENCES = ("departments", "requesters")
PENDING = ("queued", "due", "calling", "retry")


@dataclass(frozen=True)
class CampaignSpec:
    name: str
    channel: str  # sms | ivr
    audience: str  # departments | requesters
    org_codes: tuple[str, ...] = ()  # the departments asked (requesters: of these departments)
    service_types: tuple[str, ...] = ()  # requesters of these services (all when empty)
    since_days: int = 30
    quiet_start: str = ""  # HH:MM; "" → config/assessment.toml [campaign]
    quiet_end: str = ""
    per_hour: int = 0  # 0 → [campaign] per_hour
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _clock_text(value: str, what: str) -> str:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise TicketError(f"{what} must be a time HH:MM, got {value!r}")
    return value


def create(ctx: CommandContext, tx: Tx, actor: str, spec: CampaignSpec) -> Record:
    """A draft campaign, checked: its channel, audience, departments and services exist."""
    name = spec.name.strip()
    if not 1 <= len(name) <= 100:
        raise TicketError("a campaign's name is 1–100 characters")
    if spec.channel not in CHANNELS:
        raise TicketError(f"channel must be one of {', '.join(CHANNELS)}")
    if spec.audience not in AUDIENCES:
        raise TicketError(f"audience must be one of {', '.join(AUDIENCES)}")
    for code in spec.org_codes:
        if tx.one("SELECT 1 FROM org_unit WHERE code = ?", (code,)) is None:
            raise TicketError(f"unknown department code {code!r}")
    for key in spec.service_types:
        if key not in ctx.catalog.types:
            raise TicketError(f"unknown service type {key!r}")
    if spec.audience == "departments" and not spec.org_codes:
        raise TicketError("choose the departments to ask")
    if not 1 <= spec.since_days <= 366:
        raise TicketError("since_days must be 1–366")
    cfg = ctx.assessment
    quiet_start = _clock_text(spec.quiet_start or cfg.campaign_quiet[0].strftime("%H:%M"), "quiet_start")
    quiet_end = _clock_text(spec.quiet_end or cfg.campaign_quiet[1].strftime("%H:%M"), "quiet_end")
    per_hour = spec.per_hour or cfg.campaign_per_hour
    if not 1 <= per_hour <= 3600:
        raise TicketError("per_hour must be 1–3600")
    rec = tx.create(CAMPAIGN, {
        "name": name, "channel": spec.channel, "audience": spec.audience,
        "org_codes": list(spec.org_codes), "service_types": list(spec.service_types),
        "since_days": spec.since_days, "quiet_start": quiet_start, "quiet_end": quiet_end,
        "per_hour": per_hour, "status": "draft", "created_by": actor, "created_at": tx.now,
        "note": spec.note[:2000]})
    audit(tx, tx.now, actor, "campaign", rec.id, "create", None,
          {"name": name, "channel": spec.channel, "audience": spec.audience})
    return rec


def load_campaign(tx: Tx, campaign_id: int) -> Record:
    rec = tx.get(CAMPAIGN, campaign_id, lock=True)
    if rec is None:
        raise TicketError(f"no campaign {campaign_id}")
    return rec


def start(ctx: CommandContext, tx: Tx, actor: str, campaign_id: int) -> Record:
    """List the targets (once) and let ``run_due`` pace them; refused with nobody to ask."""
    c = load_campaign(tx, campaign_id)
    if c.status != "draft":
        raise TicketError(f"campaign {c.id} is {c.status}: only a draft starts")
    people = _audience(ctx, tx, c)
    if not people:
        raise TicketError("nobody to ask: no number of the chosen audience can be reached on this channel")
    skipped = 0
    for number, org, service, ticket_id in people:
        out = "skipped" if _opted_out(tx, number) else "queued"
        skipped += out == "skipped"
        tx.insert(CAMPAIGN_TARGET, {
            "campaign_id": c.id, "number": number, "org_code": org, "service_type": service,
            "ticket_id": ticket_id, "status": out, "reason": "opted out" if out == "skipped" else "",
            "attempts": 0, "action_id": "", "updated_at": tx.now})
    c.status, c.started_at = "running", tx.now
    audit(tx, tx.now, actor, "campaign", c.id, "start", {"status": "draft"},
          {"status": "running", "note": f"{len(people)} numbers, {skipped} opted out"})
    return c


def set_status(ctx: CommandContext, tx: Tx, actor: str, campaign_id: int, status: str) -> Record:
    """Pause, resume or cancel (a cancelled campaign's numbers are not asked any more)."""
    allowed = {"paused": ("running",), "running": ("paused",), "cancelled": ("draft", "running", "paused")}
    c = load_campaign(tx, campaign_id)
    if status not in allowed or c.status not in allowed[status]:
        raise TicketError(f"campaign {c.id} is {c.status}: cannot make it {status}")
    before = c.status
    c.status = status
    if status == "cancelled":
        c.finished_at = tx.now
        tx.run("UPDATE campaign_target SET status = 'skipped', reason = 'campaign cancelled', updated_at = ?"
               f" WHERE campaign_id = ? AND status IN ({', '.join('?' * len(PENDING))})",
               (tx.at(tx.now), c.id, *PENDING))
        tx.run("UPDATE rating_request SET status = 'void' WHERE status = 'asked' AND campaign_target_id IN"
               " (SELECT id FROM campaign_target WHERE campaign_id = ?)", (c.id,))
    audit(tx, tx.now, actor, "campaign", c.id, status, {"status": before}, {"status": status})
    return c


def in_quiet_hours(ctx: CommandContext, c: Record, now: Any) -> bool:
    start_, end = time.fromisoformat(c.quiet_start), time.fromisoformat(c.quiet_end)
    t = now.astimezone(ctx.calendar.tz).time()
    if start_ == end:
        return False
    return (start_ <= t or t < end) if start_ > end else (start_ <= t < end)


def run_due(ctx: CommandContext, tx: Tx, campaign_id: int) -> int:
    """Release what the campaign may now: nothing in quiet hours, at most ``per_hour`` in
    any hour. Returns how many were released (sent or made due for a call)."""
    c = load_campaign(tx, campaign_id)
    if c.status != "running" or in_quiet_hours(ctx, c, tx.now):
        return 0
    hour_ago = tx.at(tx.now - timedelta(hours=1))
    used = tx.one("SELECT count(*) FROM campaign_target WHERE campaign_id = ? AND sent_at >= ?",
                  (c.id, hour_ago))[0]
    room = max(0, c.per_hour - int(used))
    released = 0
    if room:
        for target in tx.records(CAMPAIGN_TARGET, "campaign_id = ? AND status = 'queued' ORDER BY id LIMIT ?",
                                 (c.id, room), lock=True):
            released += _release(ctx, tx, c, target)
    tx.flush()  # the targets just released, before counting what is left
    left = tx.one(f"SELECT count(*) FROM campaign_target WHERE campaign_id = ? AND status IN"
                  f" ({', '.join('?' * len(PENDING))})", (c.id, *PENDING))[0]
    if not left:
        c.status, c.finished_at = "done", tx.now
        audit(tx, tx.now, "system", "campaign", c.id, "done", {"status": "running"}, {"status": "done"})
    return released


def _release(ctx: CommandContext, tx: Tx, c: Record, target: Record) -> int:
    target.updated_at = tx.now
    if c.channel == "ivr":  # ``sent_at``: released to the dialer (the hour's count)
        target.status, target.due_at, target.sent_at = "due", tx.now, tx.now
        return 1
    sms_id, why = send(ctx, tx, target.number, "campaign_survey", {"campaign_name": c.name}, "campaign")
    if sms_id is None:
        target.status, target.reason = "skipped", why[:200]
        return 0
    target.status, target.sent_at = "sent", tx.now
    tx.insert(RATING_REQUEST, {"number": target.number, "campaign_target_id": target.id,
                               "ticket_id": None, "status": "asked", "asked_at": tx.now})
    return 1


def record_call_score(ctx: CommandContext, tx: Tx, target_id: int, score: int) -> bool:
    """The score a campaign's call keyed in; False if the number had already answered."""
    if not 1 <= score <= 5:
        raise TicketError(f"satisfaction score must be 1..5, got {score}")
    target = tx.get(CAMPAIGN_TARGET, target_id, lock=True)
    if target is None:
        raise TicketError(f"no campaign call {target_id}")
    if target.score is not None:
        return False
    target.status, target.score, target.answered_at, target.updated_at = "answered", score, tx.now, tx.now
    return True


# --- who is asked ----------------------------------------------------------------------------


def _audience(ctx: CommandContext, tx: Tx, c: Record) -> list[tuple[str, str, str, int | None]]:
    """(number, department, service, ticket) per number to ask, first seen first."""
    reachable = is_mobile if c.channel == "sms" else _dialable
    orgs = list(c.org_codes or [])
    found: dict[str, tuple[str, str, str, int | None]] = {}
    if c.audience == "departments":
        marks = ", ".join("?" * len(orgs))
        rows = [*tx.all(f"SELECT phone, org_code FROM staff WHERE active = ? AND org_code IN ({marks})"
                        " ORDER BY code", (True, *orgs)),
                *tx.all(f"SELECT number, org_code FROM phone_entry WHERE active = ? AND org_code IN ({marks})"
                        " ORDER BY number", (True, *orgs))]
        for raw, org in rows:
            number = normalise_number(raw or "")
            if number and reachable(number):
                found.setdefault(number, (number, org, "", None))
        return list(found.values())
    since = tx.at(tx.now - timedelta(days=c.since_days))
    where, params = "done_at >= ? AND reporter_phone != ''", [since]
    if c.service_types:
        where += f" AND service_type IN ({', '.join('?' * len(c.service_types))})"
        params += list(c.service_types)
    if orgs:
        where += f" AND org_code IN ({', '.join('?' * len(orgs))})"
        params += orgs
    for number, org, service, ticket_id in tx.all(
            f"SELECT reporter_phone, org_code, service_type, id FROM ticket WHERE {where} ORDER BY id DESC",
            params):
        if reachable(number):
            found.setdefault(number, (number, org or "", service, ticket_id))  # the latest ticket
    return list(found.values())


def _dialable(number: str) -> bool:
    return number.isdigit() and 3 <= len(number) <= 20


def _opted_out(tx: Tx, number: str) -> bool:
    row = tx.one("SELECT opted_out_at FROM requester_number WHERE number = ?", (number,))
    return row is not None and row[0] is not None
