"""Phone numbers as the core compares them (the modem adapter validates them for sending)."""

from __future__ import annotations

import re

_NON_DIGITS = re.compile(r"[^\d]")


def normalise_number(raw: str) -> str:
    """Digits only, without the +86 / 0086 country prefix: ``+86 138-0000-0000`` → ``13800000000``.

    Extensions (``6123``) stay as they are. Returns "" when nothing number-like is left.
    """
    text = raw.strip().translate(_FULLWIDTH)
    if not text or text.lower() in ("<unknown>", "unknown", "anonymous"):
        return ""
    digits = _NON_DIGITS.sub("", text)
    if text.startswith("+86") or (digits.startswith("0086") and len(digits) > 11):
        digits = digits[2:] if text.startswith("+86") else digits[4:]
    elif digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
        digits = digits[2:]
    return digits[:20]


def is_mobile(number: str) -> bool:
    """A mainland mobile (the only numbers an SMS reaches): 11 digits, 1 then 3–9, as
    ``normalise_number`` leaves it — the rule the modem adapter validates destinations by.
    Extensions (``6123``) and landlines are not."""
    return len(number) == 11 and number.isdigit() and number[0] == "1" and number[1] in "3456789"


_FULLWIDTH = str.maketrans("０１２３４５６７８９＋－　", "0123456789+- ")
