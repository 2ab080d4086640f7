"""Text from outside the center (caller ID from the PBX, numbers from the network) made fit
to store: it is kept as text and never interpreted, but nothing in it may act on whatever
shows it later (a terminal, a log viewer, a slip printer, a PostgreSQL text column).

- terminal escape sequences (``ESC [ 31 m``, ``ESC ] … BEL``) are removed whole;
- line breaks and tabs become a space; every other control character (NUL included: a
  PostgreSQL text column refuses it), format character (bidi overrides such as U+202E),
  lone surrogate, private-use character and line/paragraph separator is removed;
- where anything was taken out, runs of spaces become one and the ends are trimmed; the
  result is cut to ``limit`` characters.

U+FFFD (bytes the PBX sent in no known encoding) stays: it shows that something was there.
"""

from __future__ import annotations

import re
import unicodedata

_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window titles, hyperlinks
    r"|\x1b[ -/]*[0-~]?"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]")  # the 8-bit CSI
_BLANKS = re.compile(r"[\t\n\v\f\r\x85]+")
_SPACES = re.compile(r" {2,}")
_DROP = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def clean_text(value: str, limit: int) -> str:
    """``value`` without control characters or escape sequences, at most ``limit`` characters."""
    if value.isprintable():
        return value[:limit]
    text = _BLANKS.sub(" ", _ESCAPE_SEQUENCE.sub("", value))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _DROP)
    return _SPACES.sub(" ", text).strip(" ")[:limit]
