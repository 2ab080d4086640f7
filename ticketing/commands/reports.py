"""A report from a room's QR code (扫码报修): limits, the duplicate check, the phone's code, and
the reporter's SMS with the link to their ticket's progress.

``qr_report`` creates the ticket through ``intake.accept`` with ``source = qr``, owned by the
room's code (``qr:<location code>``). Before that: the hits of the room's code and of the
client's address within the hour are counted in the store (``rate_counter``, so every process
agrees) and refused past the settings' limits; a room with an open ticket of the same service
type is answered with that ticket instead, and the reporter chooses to add their words to it
(a note and their photos) or to report anew; when the settings ask, the phone number must be
confirmed with the code ``send_phone_code`` sent it by SMS.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ticketing.audit import audit
from ticketing.catalog import ServiceType
from ticketing.commands.base import SMS_OUT, TICKET, CommandContext, NewTicket
from ticketing.commands.channels import LinkRefused, room_of
from ticketing.commands.intake import accept
from ticketing.commands.outbound import link_url
from ticketing.commands.rows import add_note
from ticketing.lifecycle import OPEN
from ticketing.phone import normalise_number
from ticketing.photos import Photo, attach
from ticketing.tokens import Claim, Purpose
from ticketing.tx import Record, Tx

HOUR = timedelta(hours=1)
CODE_TTL = timedelta(minutes=10)
CODE_ATTEMPTS = 5
CODES_PER_NUMBER_HOUR = 3
_MOBILE = re.compile(r"1[3-9]\d{9}")  # a mainland mobile, as normalise_number leaves it


@dataclass(frozen=True)
class QrLimits:
    """From the settings (``[web] qr_*``)."""

    per_room_hour: int = 6
    per_address_hour: int = 12
    verify_phone: bool = False
    reporter_sms: bool = True


@dataclass(frozen=True)
class QrReport:
    service_type: str
    description: str = ""
    phone: str = ""
    code: str = ""  # the SMS code, when the settings ask for one
    duplicate: str = ""  # "" (ask) | "new" (report anyway) | "add" (to the open ticket)
    photos: tuple[Photo, ...] = field(default=())


@dataclass(frozen=True)
class QrOutcome:
    ticket_id: int | None  # the new ticket, or the one added to; None when asked about a duplicate
    duplicate_of: int | None = None  # the room's open ticket of the same service type
    added: bool = False
    refused: str = ""  # a LinkRefused reason, raised by the front door once the hits are kept


def is_mobile(number: str) -> bool:
    return bool(_MOBILE.fullmatch(number))


def reportable(st: ServiceType) -> bool:
    """A room's code reports what needs no form of its own and no approval (meal orders are
    keyed from the menu by the ward)."""
    return st.form != "meal" and not st.approval and bool(st.skill)


def _window(now: datetime, window: timedelta) -> datetime:
    seconds = int(window.total_seconds())
    return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=now.tzinfo)


def hits(tx: Tx, key: str, now: datetime, window: timedelta = HOUR) -> int:
    """The hits on ``key`` so far in the window ``now`` falls in (none counted)."""
    row = tx.one('SELECT hits FROM rate_counter WHERE "key" = ? AND window_start = ?',
                 (key[:100], tx.at(_window(now, window))))
    return int(row[0]) if row else 0


def count_hit(tx: Tx, key: str, now: datetime, window: timedelta = HOUR) -> int:
    """One more hit on ``key`` in the window ``now`` falls in; the window's hits so far."""
    start = _window(now, window)
    row = tx.one('INSERT INTO rate_counter ("key", window_start, hits) VALUES (?, ?, 1) '
                 'ON CONFLICT ("key", window_start) DO UPDATE SET hits = rate_counter.hits + 1 '
                 "RETURNING hits", (key[:100], tx.at(start)))
    return int(row[0])


def _limit(tx: Tx, key: str, limit: int) -> None:
    if count_hit(tx, key, tx.now) > limit:
        raise LinkRefused("rate_limited", f"too many reports from {key.split(':')[0]} this hour")


def open_duplicate(tx: Tx, location_code: str, service_type: str) -> Record | None:
    """The room's newest open ticket of that service type."""
    states = ", ".join(f"'{s.value}'" for s in OPEN)
    return tx.record(TICKET, f"location_code = ? AND service_type = ? AND status IN ({states})"
                             " ORDER BY id DESC LIMIT 1", (location_code, service_type))


def qr_report(ctx: CommandContext, tx: Tx, claim: Claim, report: QrReport, peer: str,
              limits: QrLimits) -> QrOutcome:
    """The new ticket, the open one added to, the open one to ask about, or a refusal."""
    room = room_of(tx, claim)
    actor = f"qr:{room.code}"
    _limit(tx, f"room:{room.id}", limits.per_room_hour)
    _limit(tx, f"addr:{peer}", limits.per_address_hour)
    # refused past this point, the hits and a wrong code's try still count: answered, not raised
    st = ctx.catalog.types.get(report.service_type)
    if st is None or not reportable(st):
        return QrOutcome(None, refused="service_type")
    phone = normalise_number(report.phone)
    if report.phone.strip() and not (is_mobile(phone) or 3 <= len(phone) <= 8):
        return QrOutcome(None, refused="phone")
    if limits.verify_phone and not check_code(tx, phone, report.code):
        return QrOutcome(None, refused="code")
    dup = open_duplicate(tx, room.code, st.key)
    if dup is not None and report.duplicate not in ("new", "add"):
        return QrOutcome(None, duplicate_of=dup.id)
    if dup is not None and report.duplicate == "add":
        words = report.description.strip() or "(photos)"
        add_note(tx, dup, "qr_note", actor, f"{words} · {phone}" if phone else words)
        attach(tx, dup.id, "report", actor, list(report.photos))
        return QrOutcome(dup.id, duplicate_of=dup.id, added=True)
    details = {"cleaning": {"area": room.name[:100], "kind": "routine"}} if st.form == "cleaning" else {}
    t = accept(ctx, tx, actor, NewTicket(
        service_type=st.key, description=report.description.strip()[:4000],
        location_code=room.code, reporter_phone=phone, source="qr", details=details))
    attach(tx, t.id, "report", actor, list(report.photos))
    if limits.reporter_sms and is_mobile(phone):
        notify_reporter(ctx, tx, t)
    return QrOutcome(t.id, duplicate_of=dup.id if dup is not None else None)


def notify_reporter(ctx: CommandContext, tx: Tx, t: Record) -> int | None:
    """The reporter's SMS: the ticket's number and the link to its progress."""
    if ctx.links is None or not is_mobile(t.reporter_phone):
        return None
    data = {"ticket_id": t.id, "service_type": t.service_type,
            "service_name": ctx.catalog.get(t.service_type).name(ctx.options.language),
            "link": link_url(ctx, tx, Purpose.STATUS, t.id),
            "center": ctx.options.center_name}
    return _queue_text(tx, t.id, t.reporter_phone, "reporter",
                       ctx.composer.render("reporter", ctx.options.language, data))


def _queue_text(tx: Tx, ticket_id: int | None, number: str, kind: str, text: str) -> int:
    now = tx.now
    return tx.insert(SMS_OUT, {
        "ticket_id": ticket_id, "staff_code": "", "number": number, "text": text, "kind": kind,
        "status": "queued", "attempts": 0, "due_at": now, "created_at": now, "references": [],
        "parts": 0, "modem": "", "error": ""})


# --- the phone's code -------------------------------------------------------------------------


def send_phone_code(ctx: CommandContext, tx: Tx, claim: Claim, number: str, peer: str,
                    limits: QrLimits) -> None:
    """Send a 6-digit code to a mobile number (three an hour per number, and the address's
    report limit), for the report that follows to confirm it."""
    room = room_of(tx, claim)
    phone = normalise_number(number)
    if not is_mobile(phone):
        raise LinkRefused("phone", "a mobile number receives the code")
    if count_hit(tx, f"code:{phone}", tx.now) > CODES_PER_NUMBER_HOUR:
        raise LinkRefused("rate_limited", "three codes an hour to one number")
    _limit(tx, f"addr:{peer}", limits.per_address_hour)
    code = f"{secrets.randbelow(10**6):06d}"
    tx.run("DELETE FROM phone_code WHERE number = ?", (phone,))
    tx.run("INSERT INTO phone_code (number, code_hash, sent_at, expires_at, attempts)"
           " VALUES (?, ?, ?, ?, 0)", (phone, _hash(code), tx.at(tx.now), tx.at(tx.now + CODE_TTL)))
    text = ctx.composer.render("verify_code", ctx.options.language,
                               {"code": code, "minutes": int(CODE_TTL.total_seconds() // 60),
                                "center": ctx.options.center_name})
    _queue_text(tx, None, phone, "verify", text)
    audit(tx, tx.now, f"qr:{room.code}", "phone_code", phone, "send", None, {"peer": peer[:64]})


def check_code(tx: Tx, number: str, code: str) -> bool:
    """Whether ``code`` is the number's unexpired code (used up when it is; five tries)."""
    if not number:
        return False
    row = tx.one("SELECT code_hash, attempts FROM phone_code WHERE number = ? AND expires_at >= ?"
                 + (" FOR UPDATE" if tx.pg else ""), (number, tx.at(tx.now)))
    if row is None or row[1] >= CODE_ATTEMPTS:
        return False
    if not _matches(row[0], code.strip()):
        tx.run("UPDATE phone_code SET attempts = attempts + 1 WHERE number = ?", (number,))
        return False
    tx.run("DELETE FROM phone_code WHERE number = ?", (number,))
    return True


def _hash(code: str) -> str:
    salt = secrets.token_hex(8)
    return salt + "$" + hashlib.sha256((salt + code).encode()).hexdigest()


def _matches(stored: str, code: str) -> bool:
    salt, _, digest = stored.partition("$")
    return hmac.compare_digest(digest, hashlib.sha256((salt + code).encode()).hexdigest())


def sweep_counters(tx: Tx, now: datetime) -> int:
    """Forget the hits of windows a day old and the codes that expired."""
    n = tx.run("DELETE FROM rate_counter WHERE window_start < ?", (tx.at(now - timedelta(days=1)),))
    tx.run("DELETE FROM phone_code WHERE expires_at < ?", (tx.at(now),))
    return n
