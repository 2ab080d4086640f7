"""Answers to the requester (有回复): SMS to the reporter's mobile, and their replies.

When a ticket is dispatched the reporter hears who is coming and by when; when it is done,
that it is done, with "reply 1–5 to rate" (a ``rating_request``). Which service types send
which is ``[requester]`` / ``[types.<key>] requester_sms`` in config/assessment.toml. Only
mobiles get SMS (``ticketing.phone.is_mobile``: extensions and landlines none), never a number
that opted out (退订/TD/STOP), and at most ``daily_limit`` a day per number, all kinds
together; a message not sent is noted on the ticket's timeline with the reason.

A requester's reply (``handle_reply``, called by the inbound SMS path): a digit 1–5 to a
rating asked in the last ``rating_window_days`` records the satisfaction as a call-back does
(once: a score never changes twice); 退订/TD/STOP opts the number out; anything else from a
number that was asked — an unknown reply, a second reply, a score out of range — is stored
and explained to the sender once per kind of mistake and rating asked (a new rating's mistakes
are explained again, the same one never twice), and a digit from a number never asked once a
day. A number that is also a worker's: the worker's meaning wins, unless the reply is a
bare digit 1–5 to a rating still open.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from typing import Any

from ticketing.audit import audit
from ticketing.commands.base import (
    CAMPAIGN_TARGET,
    RATING_REQUEST,
    REQUESTER_NUMBER,
    SMS_OUT,
    CommandContext,
)
from ticketing.commands.closing import record_callback
from ticketing.commands.outbound import message_data
from ticketing.commands.rows import add_note, load
from ticketing.lifecycle import IllegalTransition
from ticketing.phone import is_mobile, normalise_number
from ticketing.tx import Record, Tx

NUMBERS, RATING, TARGET = REQUESTER_NUMBER, RATING_REQUEST, CAMPAIGN_TARGET

OPT_OUT_WORDS = frozenset({"TD", "退订", "STOP", "UNSUBSCRIBE", "取消订阅", "退订短信"})
_DIGITS = re.compile(r"^(\d{1,3})\s*(?:分|星|points?)?[.。!！]?$", re.I)


# --- the number's SMS state ----------------------------------------------------------------


def number_row(tx: Tx, number: str) -> Record:
    """The number's row, locked for this command (made on first use)."""
    rec = tx.record(NUMBERS, "number = ?", (number,), lock=True)
    if rec is None:
        tx.run("INSERT INTO requester_number (number, opt_out_via, sent, explained, updated_at)"
               " VALUES (?, '', 0, '{}', ?) ON CONFLICT (number) DO NOTHING", (number, tx.at(tx.now)))
        rec = tx.record(NUMBERS, "number = ?", (number,), lock=True)
        assert rec is not None
    return rec


def opted_out(tx: Tx, number: str) -> bool:
    row = tx.one("SELECT opted_out_at FROM requester_number WHERE number = ?", (number,))
    return row is not None and row[0] is not None


def send(ctx: CommandContext, tx: Tx, number: str, template: str, extra: dict[str, Any], kind: str,
         t: Record | None = None, data: dict[str, Any] | None = None,
         to_opted_out: bool = False) -> tuple[int | None, str]:
    """Queue an SMS to a requester: ``(sms id, "")``, or ``(None, why not)`` — not a mobile,
    opted out, or over the day's limit. ``data``: the ticket's ``message_data`` if known."""
    if not is_mobile(number):
        return None, "not a mobile number"
    row = number_row(tx, number)
    if row.opted_out_at is not None and not to_opted_out:
        return None, "the number opted out of SMS"
    today = tx.now.astimezone(ctx.calendar.tz).date()
    if row.day != today:
        row.day, row.sent = today, 0
    if row.sent >= ctx.assessment.requester_daily_limit:
        return None, f"the number had {row.sent} SMS today (the limit)"
    row.sent += 1
    row.updated_at = tx.now
    values = dict(data) if data is not None else message_data(ctx, tx, t) if t is not None else {}
    values.update(extra, center_name=ctx.options.center_name)
    text = ctx.composer.render(template, ctx.options.language, values)
    sms_id = tx.insert(SMS_OUT, {
        "ticket_id": t.id if t is not None else None, "staff_code": "", "number": number,
        "text": text, "kind": kind, "status": "queued", "attempts": 0, "due_at": tx.now,
        "created_at": tx.now, "references": [], "parts": 0, "modem": "", "error": ""})
    return sms_id, ""


def explain(ctx: CommandContext, tx: Tx, number: str, why: str, extra: dict[str, Any],
            t: Record | None = None, about: Record | None = None) -> str:
    """Tell a requester why their reply changed nothing: once per ``why`` and rating asked
    (``about``), or once a local day per ``why`` when no rating is concerned. Returns what was
    done (for the inbox row's reason). ``explained`` keeps the last mark per ``why``, so it
    never grows past the kinds of mistake."""
    if not is_mobile(number):
        return "no SMS to this number"
    row = number_row(tx, number)
    mark = f"rating {about.id}" if about is not None else tx.now.astimezone(ctx.calendar.tz).date().isoformat()
    if (row.explained or {}).get(why) == mark:
        return "explained before" if about is not None else "explained before today"
    sms_id, not_sent = send(ctx, tx, number, "requester_explain", {"why": why, **extra}, "rq_explain", t)
    if sms_id is None:  # over the day's limit: the next such reply is explained instead
        return f"not explained: {not_sent}"
    row.explained = {**(row.explained or {}), why: mark}
    return "explained"


def opt_out(ctx: CommandContext, tx: Tx, number: str, via: str, actor: str) -> bool:
    """Mark the number opted out (False if it already was); an SMS confirms it once."""
    row = number_row(tx, number)
    if row.opted_out_at is not None:
        return False
    row.opted_out_at, row.opt_out_via, row.updated_at = tx.now, via[:20], tx.now
    audit(tx, tx.now, actor, "requester_number", number, "opt_out", None, {"via": via})
    if via == "sms":
        send(ctx, tx, number, "requester_explain", {"why": "opted_out"}, "rq_explain", to_opted_out=True)
    tx.run("UPDATE campaign_target SET status = 'skipped', reason = 'opted out', updated_at = ?"
           " WHERE number = ? AND status IN ('queued', 'due', 'retry')", (tx.at(tx.now), number))
    return True


def opt_in(tx: Tx, number: str, actor: str) -> bool:
    """The desk takes a number off the opt-out list (the requester asked by phone)."""
    row = number_row(tx, number)
    if row.opted_out_at is None:
        return False
    row.opted_out_at, row.opt_out_via, row.updated_at = None, "", tx.now
    audit(tx, tx.now, actor, "requester_number", number, "opt_in", None, {})
    return True


# --- what a ticket sends -------------------------------------------------------------------


def on_dispatch(ctx: CommandContext, tx: Tx, t: Record, workers: list[Any],
                data: dict[str, Any] | None) -> None:
    """Who is coming and by when, to the reporter's mobile (if the service type says so)."""
    if not is_mobile(t.reporter_phone) or not ctx.assessment.requester_sms(t.service_type, "dispatch"):
        return
    names = "、".join(w.name for w in workers) if ctx.options.language != "en" else ", ".join(
        w.name for w in workers)
    _ticket_sms(ctx, tx, t, "requester_dispatch", {"workers_text": names}, "rq_dispatch", data)


def on_done(ctx: CommandContext, tx: Tx, t: Record) -> None:
    """Done, with "reply 1–5 to rate": the rating request is kept to match the reply."""
    if not is_mobile(t.reporter_phone) or not ctx.assessment.requester_sms(t.service_type, "done"):
        return
    if _ticket_sms(ctx, tx, t, "requester_done", {}, "rq_done", None):
        tx.insert(RATING, {"number": t.reporter_phone, "ticket_id": t.id, "status": "asked",
                           "asked_at": tx.now})


def _ticket_sms(ctx: CommandContext, tx: Tx, t: Record, template: str, extra: dict[str, Any],
                kind: str, data: dict[str, Any] | None) -> bool:
    sms_id, not_sent = send(ctx, tx, t.reporter_phone, template, extra, kind, t, data)
    what = {"rq_dispatch": "dispatch", "rq_done": "done"}[kind]
    add_note(tx, t, "requester_sms", "system",
             f"SMS to the requester: {what}" if sms_id is not None else f"no SMS to the requester ({what}): {not_sent}")
    return sms_id is not None


# --- the requester's reply -----------------------------------------------------------------


def classify(text: str) -> tuple[str, int | None]:
    """``("optout", None)``, ``("digit", n)`` for a bare number (``5``, ``５分``), or
    ``("other", None)``."""
    norm = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip()
    if norm.upper() in OPT_OUT_WORDS:
        return "optout", None
    m = _DIGITS.match(norm)
    if m:
        return "digit", int(m.group(1))
    return "other", None


def handle_reply(ctx: CommandContext, tx: Tx, number: str, text: str,
                 staff: Record | None) -> tuple[str, str, int | None] | None:
    """A requester's reply: ``(outcome, reason, ticket id)``, or None when it is not one
    (a worker's message, or a stranger's words: the worker path decides)."""
    key = normalise_number(number)
    if not key:
        return None
    kind, value = classify(text)
    if kind == "optout":
        done = opt_out(ctx, tx, key, "sms", f"sms:{key}")
        return "acted", "opted out of SMS" if done else "already opted out", None
    if staff is not None and (kind == "other" or not 1 <= (value or 0) <= 5):
        return None  # a worker's words: the worker path reads them, no look-up here
    since = tx.now - timedelta(days=ctx.assessment.rating_window_days)
    asked = tx.records(RATING, "number = ? AND asked_at >= ? ORDER BY asked_at DESC, id DESC LIMIT 5",
                       (key, tx.at(since)), lock=True)
    open_ = next((r for r in asked if r.status == "asked"), None)
    if kind == "digit":
        assert value is not None
        if staff is not None and not (open_ is not None and 1 <= value <= 5):
            return None  # a worker's number: the worker's meaning wins
        return _digit(ctx, tx, key, value, asked, open_)
    if staff is not None or open_ is None:
        return None
    why = explain(ctx, tx, key, "unknown_reply", {}, _ticket_of(tx, open_), open_)
    return "rejected", f"not a rating (reply a digit 1–5); {why}", open_.ticket_id


def _digit(ctx: CommandContext, tx: Tx, number: str, value: int, asked: list[Record],
           open_: Record | None) -> tuple[str, str, int | None]:
    if not asked:
        why = explain(ctx, tx, number, "never_asked", {})
        return "rejected", f"no rating was asked of this number; {why}", None
    latest = open_ or asked[0]
    t = _ticket_of(tx, latest)
    if open_ is None:
        why = explain(ctx, tx, number, "already", {"score": latest.score or ""}, t, latest)
        return "rejected", f"already rated ({latest.status}); {why}", latest.ticket_id
    if not 1 <= value <= 5:
        why = explain(ctx, tx, number, "out_of_range", {"score": value}, t, latest)
        return "rejected", f"score {value} is not 1–5; {why}", latest.ticket_id
    if open_.campaign_target_id is not None:
        target = tx.get(TARGET, open_.campaign_target_id, lock=True)
        if target is not None:
            target.status, target.score, target.answered_at, target.updated_at = "answered", value, tx.now, tx.now
    elif t is not None:
        try:
            with tx.savepoint():
                record_callback(ctx, tx, f"sms:{number}", t.id, value, "", "sms")
        except IllegalTransition:
            open_.status = "void"
            why = explain(ctx, tx, number, "already", {"score": t.satisfaction or ""}, t, open_)
            return "rejected", f"ticket {t.id} is {t.status}: its score stands; {why}", t.id
    open_.status, open_.score, open_.answered_at = "answered", value, tx.now
    send(ctx, tx, number, "requester_thanks", {"score": value}, "rq_thanks", t)
    return "acted", f"rating {value}", open_.ticket_id


def _ticket_of(tx: Tx, request: Record) -> Record | None:
    return load(tx, request.ticket_id) if request.ticket_id is not None else None
