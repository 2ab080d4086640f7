"""Slip snapshot → markup (jinja2, ``config/slips``) → elements → physical lines.

``lay_out`` is the single place where text is wrapped. The ESC/POS encoder sends each
``Line`` followed by LF and the preview draws the same ``Line`` list, so what the desk shows
is what the printer prints, line break for line break.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from receipts.markup import (
    Cut,
    Element,
    Feed,
    Field,
    Qr,
    Row,
    Rule,
    Signature,
    Style,
    Text,
    escape,
    parse,
)
from receipts.profile import PrinterProfile, char_columns, printable_text, text_columns

SLIPS_DIR = Path(__file__).resolve().parent.parent / "config" / "slips"
LANGUAGES = ("zh-CN", "en")
KINDS = ("slip", "kitchen", "prep")  # prep: the kitchen's production summary (备餐单)


@dataclass(frozen=True)
class Line:
    """One printed line: ``text`` fits ``columns // style.scale`` columns."""

    text: str
    style: Style = Style()


@dataclass(frozen=True)
class QrCode:
    data: str
    module: int  # dots per module


@dataclass(frozen=True)
class CutMark:
    pass


Laid = Line | QrCode | CutMark


def normalise_language(language: str | None) -> str:
    """``zh``, ``zh_CN``, ``zh-Hans`` → ``zh-CN``; ``en-US`` → ``en``; unknown → ``zh-CN``."""
    lang = (language or "").replace("_", "-").lower()
    return "en" if lang.startswith("en") else "zh-CN"


class SlipRenderer:
    """Renders slip snapshots with the templates in ``templates_dir``.

    ``base_url`` makes the QR code (``{base_url}/desk/tickets/{id}``); ``timezone`` is the
    center's, in which times print.
    """

    def __init__(self, base_url: str = "http://127.0.0.1:8080", timezone: str = "Asia/Shanghai",
                 templates_dir: Path | str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.tz = ZoneInfo(timezone)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(templates_dir or SLIPS_DIR)),
            autoescape=False, finalize=escape, undefined=jinja2.ChainableUndefined,
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
        self.env.filters["local"] = self._local
        self.env.filters["qty"] = _qty

    def template_name(self, kind: str, service_type: str, language: str) -> str:
        """The most specific template there is: kind.service.lang, kind.lang, kind.zh-CN."""
        lang = normalise_language(language)
        kind = kind if kind in KINDS else "slip"
        names = [f"{kind}.{service_type}.{lang}.j2", f"{kind}.{lang}.j2", f"{kind}.zh-CN.j2"]
        existing = set(self.env.list_templates(extensions=["j2"]))
        return next((n for n in names if n in existing), names[-1])

    def markup(self, snapshot: dict[str, Any], kind: str | None = None,
               language: str | None = None, columns: int = 48) -> str:
        """The slip markup for ``snapshot`` (kind and language default to the snapshot's)."""
        kind = kind or str(snapshot.get("kind") or "slip")
        lang = normalise_language(language or snapshot.get("language"))
        name = self.template_name(kind, str(snapshot.get("service_type") or ""), lang)
        ticket_id = snapshot.get("ticket_id")
        context = dict(snapshot, desk_url=f"{self.base_url}/desk/tickets/{ticket_id}",
                       columns=columns, lang=lang)
        return self.env.get_template(name).render(context)

    def elements(self, snapshot: dict[str, Any], kind: str | None = None,
                 language: str | None = None, columns: int = 48) -> list[Element]:
        return parse(self.markup(snapshot, kind, language, columns))

    def lay_out(self, snapshot: dict[str, Any], profile: PrinterProfile,
                kind: str | None = None, language: str | None = None) -> list[Laid]:
        """The physical lines of the slip on ``profile``'s paper."""
        return lay_out(self.elements(snapshot, kind, language, profile.columns), profile)

    def _local(self, value: Any, fmt: str = "%m-%d %H:%M") -> str:
        if not value:
            return ""
        try:
            when = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        if when.tzinfo is None:
            return when.strftime(fmt)
        return when.astimezone(self.tz).strftime(fmt)


def _qty(value: Any) -> str:
    """2 → "2", 1.5 → "1.5", "2.0" → "2"."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value if value is not None else "")
    return str(int(number)) if number == int(number) else f"{number:g}"


def lay_out(elements: Iterable[Element], profile: PrinterProfile) -> list[Laid]:
    """Wrap elements to physical lines for ``profile`` (text made printable first)."""
    out: list[Laid] = []
    for el in elements:
        out.extend(_lay_out_one(el, profile))
    return out


def _lay_out_one(el: Element, profile: PrinterProfile) -> list[Laid]:
    enc = profile.encoding
    if isinstance(el, Text):
        width = _width(profile, el.style)
        return [Line(t, el.style) for t in wrap(printable_text_keep_breaks(el.text, enc), width)]
    if isinstance(el, Field):
        return _field(printable_text(el.label, enc), printable_text_keep_breaks(el.value, enc),
                      el.style, _width(profile, el.style))
    if isinstance(el, Row):
        return _row(printable_text_keep_breaks(el.left, enc), printable_text(el.right, enc),
                    el.style, _width(profile, el.style))
    if isinstance(el, Rule):
        char = printable_text(el.char, enc)[:1] or "-"
        return [Line(char * (profile.columns // char_columns(char)))]
    if isinstance(el, Qr):
        return [QrCode(el.data, profile.qr_size)]
    if isinstance(el, Signature):
        label = printable_text(el.label, enc)
        return [Line(""), Line(label + "_" * max(0, profile.columns - text_columns(label)))]
    if isinstance(el, Feed):
        return [Line("") for _ in range(max(0, min(el.lines, 20)))]
    if isinstance(el, Cut):
        return [CutMark()]
    raise TypeError(f"not a slip element: {el!r}")


def printable_text_keep_breaks(text: str, encoding: Any) -> str:
    """``printable_text`` that keeps line breaks (they are hard breaks in the element)."""
    return "\n".join(printable_text(part, encoding) for part in text.split("\n"))


def _width(profile: PrinterProfile, style: Style) -> int:
    return max(2, profile.columns // style.scale)


def _field(label: str, value: str, style: Style, width: int) -> list[Laid]:
    label_w = text_columns(label)
    if label_w > width // 2:
        return [Line(t, style) for t in wrap(label + value, width)]
    lines = wrap(value, width - label_w) or [""]
    pad = " " * label_w
    return [Line((label if i == 0 else pad) + t, style) for i, t in enumerate(lines)]


def _row(left: str, right: str, style: Style, width: int) -> list[Laid]:
    right_w = text_columns(right)
    if right_w >= width - 1:
        right_style = Style(style.bold, style.big, "right")
        return [*(Line(t, style) for t in wrap(left, width)),
                *(Line(t, right_style) for t in wrap(right, width))]
    lines = wrap(left, width - right_w - 1) or [""]
    first = lines[0] + " " * (width - right_w - text_columns(lines[0])) + right
    return [Line(first, style), *(Line(t, style) for t in lines[1:])]


_TOKENS = re.compile(r"\n|[!-~]+| +|.", re.DOTALL)
# Closing punctuation must not start a line (kinsoku): the character before comes down with it.
_NO_LINE_START = set("，。、；：？！）」』】》〉”’…—,.;:?!)]}%℃‰°′″")


def wrap(text: str, width: int) -> list[str]:
    """Greedy wrap by display columns: ASCII words stay whole when they fit, CJK breaks
    between any two characters, ``\\n`` is a hard break, no line starts with closing
    punctuation when that can be avoided. Every returned line is ``<= width`` columns."""
    lines: list[str] = []
    cur: list[str] = []
    cur_w = 0
    paragraph_start = True  # leading spaces are kept only here (indentation)

    def flush() -> None:
        nonlocal cur, cur_w
        lines.append("".join(cur).rstrip(" "))
        cur, cur_w = [], 0

    for tok in _TOKENS.findall(text):
        if tok == "\n":
            flush()
            paragraph_start = True
            continue
        w = text_columns(tok)
        starts, paragraph_start = paragraph_start, False
        if tok.startswith(" "):
            if (cur or starts) and cur_w + w <= width:
                cur.append(tok)
                cur_w += w
            elif cur:
                flush()
            continue
        if cur_w + w <= width:
            cur.append(tok)
            cur_w += w
            continue
        if tok in _NO_LINE_START and len(cur) > 1 and not cur[-1].startswith(" ") \
                and text_columns(cur[-1]) + w <= width:
            carried = cur.pop()
            flush()
            cur, cur_w = [carried, tok], text_columns(carried) + w
            continue
        if w <= width:
            if cur:
                flush()
            cur, cur_w = [tok], w
            continue
        for ch in tok:  # a word longer than the line: split it
            cw = char_columns(ch)
            if cur_w + cw > width:
                flush()
            cur.append(ch)
            cur_w += cw
    if cur or not lines:
        flush()
    return lines
