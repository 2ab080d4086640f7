"""Workers' SMS replies → actions (pure).

Accepted forms (case-insensitive; full-width digits, letters and spaces normalised):
``接单 1042`` / ``ACCEPT 1042`` / ``1 1042``; ``到达 1042`` / ``ARRIVED 1042`` / ``2 1042``;
``完成 1042`` / ``DONE 1042`` / ``3 1042``, optionally ``配件 P0001x2 P0002*1`` (``PARTS``);
``无法 1042 原因`` / ``CANNOT 1042 reason`` / ``4 1042 reason``. A ward head answers a meal
order's approval request with ``同意 1042`` / ``APPROVE 1042`` or ``不同意 1042 原因`` /
``REJECT 1042 reason``. The keyword may also follow the number (``1042 完成``). Anything else is ``Unparsed`` with a reason, never an exception.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

ACTIONS = {
    "接单": "accept", "接": "accept", "ACCEPT": "accept", "OK": "accept", "1": "accept",
    "到达": "arrived", "到": "arrived", "已到": "arrived", "ARRIVED": "arrived", "ARRIVE": "arrived", "2": "arrived",
    "完成": "done", "完工": "done", "已完成": "done", "DONE": "done", "3": "done",
    "无法": "cannot", "不能": "cannot", "CANNOT": "cannot", "4": "cannot",
    "同意": "approve", "批准": "approve", "APPROVE": "approve",
    "不同意": "reject", "驳回": "reject", "REJECT": "reject",
}
_KEYWORDS = sorted((k for k in ACTIONS if not k.isdigit()), key=len, reverse=True)
_KEYWORD_RE = "|".join(re.escape(k) for k in _KEYWORDS)
_PARTS_WORD = re.compile(r"(?:配件|PARTS?)[:：]?", re.I)
_PART = re.compile(r"([A-Z0-9][A-Z0-9\-]{0,31}?)\s*(?:[X×*]\s*(\d{1,4}))?", re.I)
MAX_TICKET = 2**31 - 1


@dataclass(frozen=True)
class Reply:
    action: str  # accept | arrived | done | cannot | approve | reject
    ticket_id: int
    parts: tuple[tuple[str, int], ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class Unparsed:
    reason: str


def normalise(text: str) -> str:
    """NFKC (full-width digits/letters/spaces → ASCII), one space between words."""
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"\s+", " ", text.replace("，", ",").replace("：", ":")).strip()


def parse_reply(text: str) -> Reply | Unparsed:
    """Parse a worker's reply; ``Unparsed`` says why when it cannot."""
    norm = normalise(text)
    if not norm:
        return Unparsed("empty message")
    m = re.match(rf"^({_KEYWORD_RE})\s*[#:,]?\s*(\d+)(?!\d)\s*(.*)$", norm, re.I) or \
        re.match(r"^([1-4])[\s,#:]+(\d+)(?!\d)\s*(.*)$", norm)
    if m:
        return _build(m.group(1), m.group(2), m.group(3))
    m = re.match(rf"^#?(\d+)\s*[,:]?\s*({_KEYWORD_RE})\s*(.*)$", norm, re.I)
    if m:
        return _build(m.group(2), m.group(1), m.group(3))
    if re.search(r"\d", norm) and re.search(_KEYWORD_RE, norm, re.I):
        return Unparsed("put the keyword first, then the ticket number, e.g. 完成 1042")
    if re.fullmatch(r"\d+", norm):
        return Unparsed("a number alone: which action? e.g. 接单 1042")
    return Unparsed("no action keyword (接单/到达/完成/无法) and ticket number")


def _build(keyword: str, number: str, rest: str) -> Reply | Unparsed:
    action = ACTIONS[keyword.upper() if keyword.isascii() else keyword]
    ticket = int(number)
    if not 0 < ticket <= MAX_TICKET:
        return Unparsed(f"no such ticket number {number}")
    rest = rest.strip(" ,.;:")
    if action == "done":
        return _done(ticket, rest)
    if action in ("cannot", "reject", "approve"):
        return Reply(action, ticket, reason=rest[:200])
    return Reply(action, ticket)


def _done(ticket: int, rest: str) -> Reply | Unparsed:
    if not rest:
        return Reply("done", ticket)
    m = _PARTS_WORD.match(rest)
    if not m:
        return Reply("done", ticket, reason=rest[:200])  # a remark, kept
    parts: list[tuple[str, int]] = []
    for chunk in re.split(r"[\s,;、]+", rest[m.end():].strip()):
        if not chunk:
            continue
        pm = _PART.fullmatch(chunk)
        if pm is None:
            return Unparsed(f"part not understood: {chunk!r} (write code x qty, e.g. P0001x2)")
        qty = int(pm.group(2) or 1)
        if qty == 0:
            return Unparsed(f"zero quantity for {pm.group(1)}")
        parts.append((pm.group(1).upper(), qty))
    if not parts:
        return Unparsed("配件 without any part code")
    return Reply("done", ticket, tuple(parts))
