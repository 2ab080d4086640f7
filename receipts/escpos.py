"""Laid-out slip lines → ESC/POS bytes (pure: no I/O, no printer library).

Why not python-escpos' text path (see /work/shared/LIBRARIES.md): it never sends ``FS &``,
prints ``?`` for CJK punctuation, sends ``¥`` as a 4-byte GB18030 sequence that GBK firmware
garbles and wraps by code points. Here every text byte comes from ``encode_text``: the
profile's code page, controls made visible, and a final guard that drops any byte below 0x20
— so no ticket text can ever become a printer command.

Commands used: ESC @ (init), FS & / FS . (Chinese mode on/off), ESC E n (bold), GS ! n
(double width+height), ESC a n (alignment), GS ( k (native QR, model 2, error level M,
UTF-8 payload), LF, GS V 66 0 (feed to the cutter and cut).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from receipts.layout import CutMark, Laid, Line, QrCode
from receipts.markup import Style
from receipts.profile import Encoding, PrinterProfile, printable_text

ESC, GS, FS, DLE = b"\x1b", b"\x1d", b"\x1c", b"\x10"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
CUT = GS + b"V" + bytes([66, 0])
LF = b"\n"
_ALIGN = {"left": 0, "center": 1, "right": 2}
# Everything below 0x20 and DEL: no text byte may be one of these.
_CONTROL_BYTES = bytes(range(0x20)) + b"\x7f"
QR_MAX = 7089


def encode_text(text: str, encoding: Encoding) -> bytes:
    """``text`` in the printer's code page; never contains a byte below 0x20 or 0x7F.

    Multi-byte GBK/GB18030 codes have lead bytes >= 0x81 and trail bytes >= 0x30, so
    the guard only ever removes what ``printable_text`` already made visible.
    """
    data = printable_text(text, encoding).encode(encoding, errors="replace")
    return data.translate(None, _CONTROL_BYTES)


def qr_bytes(data: str, module: int) -> bytes:
    """GS ( k: model 2, module size, error level M, store the UTF-8 payload, print it."""
    payload = "".join(ch for ch in data if ch.isprintable()).encode("utf-8")[:QR_MAX]
    store_len = len(payload) + 3
    return b"".join([
        GS + b"(k" + bytes([4, 0, 49, 65, 50, 0]),
        GS + b"(k" + bytes([3, 0, 49, 67, max(1, min(16, module))]),
        GS + b"(k" + bytes([3, 0, 49, 69, 49]),
        GS + b"(k" + bytes([store_len & 0xFF, store_len >> 8, 49, 80, 48]) + payload,
        GS + b"(k" + bytes([3, 0, 49, 81, 48]),
    ])


@dataclass
class _State:
    """What the printer is set to now, so a command is sent only when it changes."""

    bold: bool = False
    big: bool = False
    align: str = "left"
    chinese: bool = False


class Encoder:
    """Encodes one job for one printer profile."""

    def __init__(self, profile: PrinterProfile) -> None:
        self.profile = profile

    def encode(self, laid: Iterable[Laid]) -> bytes:
        """The whole job: init, every line, Chinese mode off at the end."""
        out = bytearray(INIT)
        state = _State()
        for item in laid:
            if isinstance(item, Line):
                self._line(out, state, item)
            elif isinstance(item, QrCode):
                self._set_style(out, state, Style(align="center"))
                out += qr_bytes(item.data, item.module) + LF
            elif isinstance(item, CutMark):
                out += CUT
        if state.chinese:
            out += CHINESE_OFF
        return bytes(out)

    def _line(self, out: bytearray, state: _State, line: Line) -> None:
        data = encode_text(line.text, self.profile.encoding)
        self._set_style(out, state, line.style)
        if not state.chinese and any(b >= 0x80 for b in data):
            out += CHINESE_ON
            state.chinese = True
        out += data + LF

    @staticmethod
    def _set_style(out: bytearray, state: _State, style: Style) -> None:
        if style.align != state.align:
            out += ESC + b"a" + bytes([_ALIGN[style.align]])
            state.align = style.align
        if style.bold != state.bold:
            out += ESC + b"E" + bytes([1 if style.bold else 0])
            state.bold = style.bold
        if style.big != state.big:
            out += GS + b"!" + bytes([0x11 if style.big else 0x00])
            state.big = style.big


def encode(laid: Iterable[Laid], profile: PrinterProfile) -> bytes:
    """ESC/POS bytes of a laid-out slip for ``profile``."""
    return Encoder(profile).encode(laid)
