"""Signed short links: what a room's QR code, a work-order SMS and a reporter's SMS carry.

A token is ``base64url(body ‖ mac)``, no padding, where the body is

    purpose (1 byte) · ids (LEB128 varints, how many is fixed by the purpose) · expiry

and the expiry is a day number since 2020-01-01 (the last day the link opens; 0: never), and
``mac`` the first 8 bytes of HMAC-SHA256 over the body with the link key. It carries ids only
— a room's, an assignment's, a worker's, a ticket's — never a name or a number, so a link that
is forwarded or shoulder-surfed gives nothing away by itself, and it cannot be changed without
the key. A work order's link is 19 characters (an assignment id below 2,097,152 and a day), a
room's 15–18.

What a token cannot say by itself is checked in the store when it is used: the assignment
still open (a work-order link ends with its assignment), the room still there and its token
version the current one (a room's codes are revoked by raising its version), the worker's
list version likewise (``ticketing.commands.channels``). A work order's or a reporter's link
that leaked is withdrawn by its last day: the store keeps, per assignment or ticket, the day
up to which its links no longer open, and the links sent after end later than that.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum

EPOCH = date(2020, 1, 1)
MAC_BYTES = 8
MAX_TOKEN = 64  # characters: anything longer is not ours (and is not decoded)
_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")


class Purpose(IntEnum):
    ROOM = 1  # (location id, room token version): the QR code on a room's door
    WORK = 2  # (assignment id,): a work order's page, for the worker it was offered to
    LIST = 3  # (staff id, list version): a worker's open assignments
    STATUS = 4  # (ticket id,): the reporter's view of their ticket's progress


ARITY = {Purpose.ROOM: 2, Purpose.WORK: 1, Purpose.LIST: 2, Purpose.STATUS: 1}
# the short path each purpose opens under (``/r/<token>``…)
PATHS = {Purpose.ROOM: "r", Purpose.WORK: "w", Purpose.LIST: "l", Purpose.STATUS: "s"}


class TokenError(ValueError):
    """A link that does not open. ``reason``: malformed | forged | expired | purpose."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason


@dataclass(frozen=True)
class Claim:
    purpose: Purpose
    ids: tuple[int, ...]
    expires: date | None  # the last day the link opens; None: never


def _varint(n: int) -> bytes:
    if n < 0:
        raise ValueError("ids are not negative")
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_varints(data: bytes, count: int) -> tuple[list[int], int]:
    values, pos = [], 0
    for _ in range(count):
        value = shift = 0
        while True:
            if pos >= len(data) or shift > 56:
                raise TokenError("malformed", "truncated number")
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        values.append(value)
    return values, pos


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


class LinkSigner:
    """Issues and reads tokens with one key (``[web] link_secret``, or derived from the web
    secret: ``link_key``)."""

    def __init__(self, secret: str) -> None:
        if len(secret) < 16:
            raise ValueError("the link secret must be at least 16 characters")
        self._key = hashlib.sha256(("onestop-link|" + secret).encode()).digest()

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:MAC_BYTES]

    def issue(self, purpose: Purpose, ids: tuple[int, ...], expires: date | None) -> str:
        if len(ids) != ARITY[purpose]:
            raise ValueError(f"a {purpose.name} token carries {ARITY[purpose]} ids")
        day = 0 if expires is None else max(1, (expires - EPOCH).days)
        body = bytes([purpose]) + b"".join(_varint(i) for i in ids) + _varint(day)
        return _b64(body + self._mac(body))

    def read(self, token: str, purpose: Purpose, today: date) -> Claim:
        """The claim of a genuine, unexpired token of ``purpose``; else ``TokenError``."""
        if not token or len(token) > MAX_TOKEN or not _ALPHABET.fullmatch(token):
            raise TokenError("malformed")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            raise TokenError("malformed") from None
        if len(raw) <= MAC_BYTES + 2:
            raise TokenError("malformed")
        body, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
        if not hmac.compare_digest(mac, self._mac(body)):
            raise TokenError("forged")
        try:
            kind = Purpose(body[0])
        except ValueError:
            raise TokenError("malformed") from None
        if kind is not purpose:
            raise TokenError("purpose", f"a {kind.name.lower()} link, not a {purpose.name.lower()} link")
        values, used = _read_varints(body[1:], ARITY[kind] + 1)
        if used != len(body) - 1:
            raise TokenError("malformed", "trailing bytes")
        *ids, day = values
        expires = None if day == 0 else EPOCH + timedelta(days=day)
        if expires is not None and today > expires:
            raise TokenError("expired")
        return Claim(kind, tuple(ids), expires)


@dataclass
class Links:
    """Links as the center hands them out: the signer, the site's base URL (``[web]
    base_url``; the composition root fills it in from where the web part listens when it is
    not set) and how long each kind lasts. ``url`` is what goes into an SMS or a QR code."""

    signer: LinkSigner
    base_url: str = ""
    work_days: int = 7  # a work-order link's last day after it was sent (it ends with the assignment anyway)
    list_days: int = 30
    status_days: int = 30
    room_days: int = 0  # 0: a room's code lasts until revoked

    def days(self, purpose: Purpose) -> int:
        return {Purpose.ROOM: self.room_days, Purpose.WORK: self.work_days,
                Purpose.LIST: self.list_days, Purpose.STATUS: self.status_days}[purpose]

    def last_day(self, purpose: Purpose, today: date) -> date | None:
        """The last day of a link issued ``today`` (None: until revoked)."""
        days = self.days(purpose)
        return today + timedelta(days=days) if days else None

    def token(self, purpose: Purpose, ids: tuple[int, ...], today: date,
              after: date | None = None) -> str:
        """``after``: the links of these ids that end on or before that day were withdrawn
        (``ticketing.commands.channels.cut``), so this one ends later."""
        expires = self.last_day(purpose, today)
        if after is not None and expires is not None and expires <= after:
            expires = after + timedelta(days=1)
        return self.signer.issue(purpose, ids, expires)

    def url(self, purpose: Purpose, ids: tuple[int, ...], today: date,
            after: date | None = None) -> str:
        token = self.token(purpose, ids, today, after)
        return f"{self.base_url.rstrip('/')}/{PATHS[purpose]}/{token}"

    def read(self, token: str, purpose: Purpose, today: date) -> Claim:
        return self.signer.read(token, purpose, today)
