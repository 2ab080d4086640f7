"""Which numbers the desk may dial from a ticket (click-to-call), and how they are dialled.

A hospital's hotline calls back mainland mobiles (1[3-9] + 9 digits), landlines with their
area code (0 + 2–3 digit area + 7–8 digits) and internal extensions; ``+86``/``0086`` in front
is the same number. Refused unless the settings allow them: international numbers (``00`` or
``+`` with another country code) and premium-rate or service numbers — 95xxx/96xxx,
1900…, 168…, and the 1xx short codes (110, 120, 12345…: dialled on a phone, not from a
ticket). Pure: the web checks a number before the PBX sees it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NOISE = re.compile(r"[\s\-().]")
MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0[1-9]\d{8,10}")  # 0 + area code (2–3 digits) + 7–8 digits
PREMIUM = re.compile(r"(9[56]\d{3,8}|1900\d*|168\d*|1[0-2]\d{1,4})")
DEFAULT_INTERNAL = r"[2-8]\d{2,4}"


@dataclass(frozen=True)
class Dialable:
    number: str  # the digits to dial
    kind: str  # mobile | landline | internal | international | premium


class DialRefused(ValueError):
    """The number may not be dialled from a ticket; ``why`` is a code the desk translates
    (empty, not_a_number, international, premium, unknown_form)."""

    def __init__(self, why: str, number: str) -> None:
        self.why, self.number = why, number
        super().__init__(f"{number!r} cannot be dialled: {why.replace('_', ' ')}")


def dialable(number: str, *, allow_international: bool = False, allow_premium: bool = False,
             internal: str = DEFAULT_INTERNAL) -> Dialable:
    """The number as the PBX dials it, or ``DialRefused`` saying why not."""
    raw = _NOISE.sub("", number or "")
    if not raw:
        raise DialRefused("empty", number)
    if raw.startswith("+"):
        raw = "00" + raw[1:]
    if not raw.isdigit():
        raise DialRefused("not_a_number", number)
    if raw.startswith("0086"):
        raw = raw[4:]
        if LANDLINE.fullmatch("0" + raw) and not MOBILE.fullmatch(raw):
            raw = "0" + raw  # +86 10 1234 5678 → 010 1234 5678
    elif raw.startswith("00"):
        if not allow_international:
            raise DialRefused("international", number)
        if len(raw) < 7 or len(raw) > 17:
            raise DialRefused("unknown_form", number)
        return Dialable(raw, "international")
    if MOBILE.fullmatch(raw):
        return Dialable(raw, "mobile")
    if LANDLINE.fullmatch(raw):
        return Dialable(raw, "landline")
    if PREMIUM.fullmatch(raw):
        if not allow_premium:
            raise DialRefused("premium", number)
        return Dialable(raw, "premium")
    if re.fullmatch(internal, raw):
        return Dialable(raw, "internal")
    raise DialRefused("unknown_form", number)
