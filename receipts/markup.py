"""The slip markup: a tiny line-oriented form the jinja2 templates produce, and its parser.

One slip element per line, ``TAGS|PAYLOAD``::

    center bold big|一站式后勤服务中心
    field|地点：|A栋 3楼 305室
    row|宫保鸡丁|x2
    rule|-
    qr|http://desk/desk/tickets/1042
    sign|签收人：
    feed|3
    cut|

TAGS are style words (``bold``, ``big`` = double width and height, ``left``/``center``/
``right``) and at most one kind word (``text`` by default, ``field``, ``row``, ``rule``,
``qr``, ``sign``, ``feed``, ``cut``). PAYLOAD fields are split on unescaped ``|``.

Values from the ticket are escaped by ``escape`` (the templates' jinja2 ``finalize``):
``\\`` → ``\\\\``, ``|`` → ``\\|``, a line break → ``\\n``. So a description can never start
a line of its own, hence never become a ``cut`` or a ``qr``; ``\\n`` inside a payload is a
hard line break within the element.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal

log = logging.getLogger(__name__)

Align = Literal["left", "center", "right"]
_ALIGNS: tuple[Align, ...] = ("left", "center", "right")
_KINDS = ("text", "field", "row", "rule", "qr", "sign", "feed", "cut")


@dataclass(frozen=True)
class Style:
    bold: bool = False
    big: bool = False  # double width and double height
    align: Align = "left"

    @property
    def scale(self) -> int:
        return 2 if self.big else 1


@dataclass(frozen=True)
class Text:
    text: str
    style: Style = Style()


@dataclass(frozen=True)
class Field:
    """``label`` then ``value``; continuation lines are indented under the value."""

    label: str
    value: str
    style: Style = Style()


@dataclass(frozen=True)
class Row:
    """``left`` wrapped on the left, ``right`` flush right on the first line (dish · qty)."""

    left: str
    right: str
    style: Style = Style()


@dataclass(frozen=True)
class Rule:
    char: str = "-"


@dataclass(frozen=True)
class Qr:
    data: str


@dataclass(frozen=True)
class Signature:
    label: str


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    pass


Element = Text | Field | Row | Rule | Qr | Signature | Feed | Cut

_LINE_BREAK = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x85")


def escape(value: object) -> str:
    """Make a value safe to put in a payload (the jinja2 ``finalize`` of slip templates)."""
    if value is None:
        return ""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return _LINE_BREAK.sub("\\\\n", text)


def split_payload(payload: str) -> list[str]:
    """Split on unescaped ``|`` and undo ``escape`` in each field."""
    fields: list[str] = []
    cur: list[str] = []
    i = 0
    while i < len(payload):
        ch = payload[i]
        if ch == "\\" and i + 1 < len(payload):
            nxt = payload[i + 1]
            cur.append("\n" if nxt == "n" else nxt)
            i += 2
            continue
        if ch == "|":
            fields.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    fields.append("".join(cur))
    return fields


class MarkupError(ValueError):
    """A template produced a line that is not markup (names the line)."""


def parse(markup: str) -> list[Element]:
    """Parse template output into elements. Blank lines and ``#`` comments are skipped."""
    out: list[Element] = []
    for number, line in enumerate(markup.split("\n"), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        tags, sep, payload = line.partition("|")
        if not sep:
            raise MarkupError(f"slip markup line {number}: no '|' in {line[:60]!r}")
        out.append(_element(number, tags.split(), split_payload(payload)))
    return out


def _element(number: int, tags: list[str], fields: list[str]) -> Element:
    kind = "text"
    bold = big = False
    align: Align = "left"
    for tag in tags:
        if tag in _KINDS:
            kind = tag
        elif tag in _ALIGNS:
            align = tag  # type: ignore[assignment]
        elif tag == "bold":
            bold = True
        elif tag == "big":
            big = True
        else:
            raise MarkupError(f"slip markup line {number}: unknown tag {tag!r}")
    style = Style(bold, big, align)
    first = fields[0]
    rest = "|".join(fields[1:])
    if kind == "field":
        return Field(first, rest, style)
    if kind == "row":
        return Row(first, rest, style)
    if kind == "rule":
        return Rule(first[:1] or "-")
    if kind == "qr":
        return Qr(first)
    if kind == "sign":
        return Signature(first)
    if kind == "feed":
        return Feed(int(first) if first.strip().isdigit() else 1)
    if kind == "cut":
        return Cut()
    return Text("|".join(fields), style)
