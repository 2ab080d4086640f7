"""Text and numbers before anything reaches the modem library (pure, no I/O).

* GSM-7 when every character is in the GSM 03.38 alphabet (extension characters count two
  septets), UCS-2 otherwise. "UCS-2" is sent as UTF-16BE: a character outside the BMP (emoji)
  becomes a surrogate pair, which phones display; the pair is never split across parts.
* Long texts are split into concatenated parts of 153 septets / 67 UTF-16 units.
* Phone numbers are normalised and validated here, because python-gsmmodem-new turns
  anything it cannot parse as digits into an alphanumeric destination and sends it anyway.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Alphabet = Literal["gsm7", "ucs2"]

GSM7_BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
              "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENDED = {"\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C, "~": 0x3D,
                 "]": 0x3E, "|": 0x40, "€": 0x65}
_BASIC_INDEX = {c: i for i, c in enumerate(GSM7_BASIC) if c != "\x1b"}

SINGLE_LIMIT: dict[Alphabet, int] = {"gsm7": 160, "ucs2": 70}
PART_LIMIT: dict[Alphabet, int] = {"gsm7": 153, "ucs2": 67}
MAX_PARTS = 255


class InvalidNumber(ValueError):
    """A destination we refuse to hand to the modem; the message says why."""


class TextTooLong(ValueError):
    """More than 255 parts: no SMS can carry it."""


def sanitise(text: str) -> str:
    """Drop what no phone can show and what crashes encoders: lone surrogates, NUL and
    other C0/C1 controls except newline; CRLF → LF. NFC so 'é' is one GSM-7 character."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    text = "".join(c for c in text if c == "\n" or unicodedata.category(c) not in ("Cc", "Cs"))
    return unicodedata.normalize("NFC", text).replace("\ufffd", "?")


def septets(text: str) -> list[int]:
    """GSM-7 septets of ``text``; raises ValueError for a character outside the alphabet."""
    out: list[int] = []
    for c in text:
        if c in _BASIC_INDEX:
            out.append(_BASIC_INDEX[c])
        elif c in GSM7_EXTENDED:
            out.extend((0x1B, GSM7_EXTENDED[c]))
        else:
            raise ValueError(f"not in GSM-7: {c!r}")
    return out


def choose_alphabet(text: str) -> Alphabet:
    """GSM-7 when the text allows it, else UCS-2."""
    return "gsm7" if all(c in _BASIC_INDEX or c in GSM7_EXTENDED for c in text) else "ucs2"


def _units(c: str, alphabet: Alphabet) -> int:
    if alphabet == "gsm7":
        return 2 if c in GSM7_EXTENDED else 1
    return 2 if ord(c) > 0xFFFF else 1


def length_units(text: str, alphabet: Alphabet) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) the text occupies."""
    return sum(_units(c, alphabet) for c in text)


@dataclass(frozen=True)
class Split:
    alphabet: Alphabet
    parts: tuple[str, ...]


def split_text(text: str) -> Split:
    """Choose the alphabet and cut into parts; a character (escape pair, surrogate pair) is
    never cut. Raises TextTooLong past 255 parts."""
    text = sanitise(text)
    alphabet = choose_alphabet(text)
    if length_units(text, alphabet) <= SINGLE_LIMIT[alphabet]:
        return Split(alphabet, (text,))
    limit, used = PART_LIMIT[alphabet], 0
    parts: list[str] = []
    current: list[str] = []
    for c in text:
        n = _units(c, alphabet)
        if used + n > limit:
            parts.append("".join(current))
            current, used = [], 0
        current.append(c)
        used += n
    parts.append("".join(current))
    if len(parts) > MAX_PARTS:
        raise TextTooLong(f"{len(parts)} parts (at most {MAX_PARTS})")
    return Split(alphabet, tuple(parts))


# --- phone numbers ---------------------------------------------------------------------

_FULLWIDTH = str.maketrans("０１２３４５６７８９＋－（）　", "0123456789+-() ")
_SEPARATORS = re.compile(r"[\s\-().]")


def normalise_number(raw: str) -> str:
    """A destination the modem can dial, or InvalidNumber.

    ``138-0000-0000``, ``+86 138 0000 0000``, ``008613800000000`` → ``+8613800000000``;
    other E.164 (``+44…``, 8–15 digits) kept; internal extensions of 3–6 digits kept as digits.
    """
    text = _SEPARATORS.sub("", (raw or "").translate(_FULLWIDTH))
    if not text:
        raise InvalidNumber("empty number")
    plus = text.startswith("+")
    digits = text[1:] if plus else text
    if not digits.isascii() or not digits.isdigit():
        raise InvalidNumber(f"not a phone number: {raw!r}")
    if not plus and digits.startswith("00"):
        plus, digits = True, digits[2:]
    if plus:
        return _international(digits, raw)
    if len(digits) == 11 and digits[0] == "1":
        return _china_mobile(digits, raw)
    if len(digits) == 13 and digits.startswith("861"):
        return _china_mobile(digits[2:], raw)
    if 3 <= len(digits) <= 6:
        return digits
    raise InvalidNumber(f"neither a mobile, E.164 nor an extension: {raw!r}")


def _international(digits: str, raw: str) -> str:
    if digits.startswith("86") and digits[2:3] == "1":
        return _china_mobile(digits[2:], raw)
    if not 8 <= len(digits) <= 15 or digits[0] == "0":
        raise InvalidNumber(f"not a valid E.164 number: {raw!r}")
    return "+" + digits


def _china_mobile(digits: str, raw: str) -> str:
    if len(digits) != 11 or digits[1] not in "3456789":
        raise InvalidNumber(f"not a valid mainland mobile number: {raw!r}")
    return "+86" + digits
