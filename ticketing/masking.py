"""Masking caller and worker numbers for those who must not see them — viewers on the desk's
pages and API (``web.masking``), webhook subscribers not allowed personal data
(``ticketing.event_feed``): the one set of functions every boundary uses.

A number is masked wherever it stands: in the fields that hold one (``reporter_phone``, an
SMS's ``number``) and in free text (a work-order SMS quotes the caller's number, a note says
"called back 138…", an operator on the wallboard is ``SIP/138…``). In text, a run of digits
is a number when it has seven digits or more, with single spaces or hyphens between groups of
three or more (``138-0000-0009``, ``+86 139 0000 0066``, ``010-62345678``), and does not start
right after a Latin letter (``W001 10305`` is a staff code and a room) — an 11-digit mobile
number is one wherever it stands; shorter runs —
rooms, ticket numbers, location codes, times, prices — are left alone unless they are one of
the numbers the answer is about (``known``: a reporter's four-digit extension). Dates keep
their two-digit months and days, so they never look like a number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ticketing.phone import normalise_number


def mask_number(number: str) -> str:
    """``13800000001`` → ``138****0001``; shorter numbers keep less (``6123`` → ``6***``)."""
    n = len(number)
    head, tail = (3, 4) if n >= 11 else (2, 2) if n >= 7 else (1, 0) if n else (0, 0)
    return number[:head] + "*" * (n - head - tail) + number[n - tail:] if n else number


MIN_DIGITS = 7
# a run starts after anything but a digit or a Latin letter (``W001``, ``A305`` are codes)
_RUN = re.compile(r"(?<![0-9A-Za-z])\+?\d+(?:[ \-]\d{3,})*(?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")  # a mainland mobile, whatever stands before it
_DIGITS = re.compile(r"\D")


def _masked_run(run: str) -> str:
    return mask_number(normalise_number(run) or _DIGITS.sub("", run))


def looks_like_number(text: str) -> bool:
    """Whether ``text`` holds a run that :func:`mask_text` would mask."""
    return _MOBILE.search(text) is not None or any(
        len(_DIGITS.sub("", m.group())) >= MIN_DIGITS for m in _RUN.finditer(text))


def mask_text(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with every number-like run masked (``138****0009``), and every whole run of
    digits that is one of the ``known`` numbers."""
    short = {k for k in known if k and len(k) < MIN_DIGITS}

    def one(m: re.Match[str]) -> str:
        run = m.group()
        digits = _DIGITS.sub("", run)
        if len(digits) >= MIN_DIGITS or digits in short:
            return _masked_run(run)
        return run

    return _MOBILE.sub(lambda m: mask_number(m.group()), _RUN.sub(one, text))


def redact(value: Any, masked: bool, known: Iterable[str] = ()) -> Any:
    """``value`` (JSON-like: dicts, lists, strings…) with every string — keys too — masked by
    :func:`mask_text`; the value itself when ``masked`` is false."""
    if not masked:
        return value
    numbers = frozenset(normalise_number(k) for k in known if k)
    return _walk(value, numbers)


def _walk(value: Any, known: frozenset[str]) -> Any:
    if isinstance(value, str):
        return mask_text(value, known)
    if isinstance(value, dict):
        return {(mask_text(k, known) if isinstance(k, str) else k): _walk(v, known)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_walk(v, known) for v in value]
    return value
