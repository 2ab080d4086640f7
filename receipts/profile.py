"""What a printer can print: its code page, paper and columns; text made safe and printable.

Every character of a slip goes through ``printable_text`` *before* wrapping, so the layout,
the ESC/POS bytes and the preview all see the same characters and the same widths.

Decisions (documented in receipts/README.md):

- Control characters (C0, DEL, C1) in untrusted text are shown in caret notation (ESC →
  ``^[``, NUL → ``^@``, GS → ``^]``; C1 as ``<85>``): the slip shows that something odd was in
  the text and no byte below 0x20 ever reaches the printer from text.
- GBK printers: ``¥`` becomes the full-width ``￥`` (GBK A3A4; GB18030 would send a 4-byte
  sequence GBK firmware prints as garbage) and ``€`` becomes ``EUR``; anything else GBK cannot
  encode becomes ``?``.
- GB18030 printers: every BMP character is sent (4-byte sequences included, the standard
  requires the glyphs); characters beyond the BMP (emoji, CJK Ext. B) become ``?``.
- Width: every non-ASCII character prints as one double-byte code in Chinese mode, which the
  printer draws with its full-width Hanzi font, so it takes two columns — CJK (east Asian
  width W/F) and also "ambiguous" characters such as ``×`` ``·`` ``—``, which GBK encodes as
  double-byte too.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

Encoding = Literal["gb18030", "gbk"]

# Dots across the printable width at 203 dpi; font A is 12 dots wide, 24 high.
_DOTS = {58: 384, 80: 576}
_GBK_REPLACEMENTS = {"¥": "￥", "€": "EUR", "\u00a0": " "}
_GB18030_REPLACEMENTS = {"\u00a0": " "}


@dataclass(frozen=True)
class PrinterProfile:
    """One printer's capabilities, as named in ``settings.printer.printers[*]``."""

    name: str = "desk"
    encoding: Encoding = "gb18030"
    paper_mm: int = 80
    columns: int = 48
    qr_module: int = 0  # dots per QR module; 0: by paper width

    @property
    def dots(self) -> int:
        """Printable width in dots."""
        return _DOTS.get(self.paper_mm, 576)

    @property
    def qr_size(self) -> int:
        return self.qr_module or (6 if self.paper_mm >= 80 else 4)

    @classmethod
    def from_settings(cls, printer: Any) -> PrinterProfile:
        """Build from a ``config.settings.PrinterDef`` (or anything with the same fields)."""
        return cls(name=printer.name, encoding=printer.encoding, paper_mm=printer.paper_mm,
                   columns=printer.columns)


def caret(ch: str) -> str:
    """Visible stand-in for a control character."""
    cp = ord(ch)
    if cp < 0x20 or cp == 0x7F:
        return "^" + chr(cp ^ 0x40)
    return f"<{cp:02X}>"


def is_control(ch: str) -> bool:
    cp = ord(ch)
    return cp < 0x20 or 0x7F <= cp <= 0x9F


def printable_text(text: str, encoding: Encoding) -> str:
    """``text`` as the printer will print it: controls visible, unencodable characters replaced.

    Line breaks are the caller's business (layout splits on them first); a tab becomes a space.
    """
    table = _GBK_REPLACEMENTS if encoding == "gbk" else _GB18030_REPLACEMENTS
    out: list[str] = []
    for ch in text:
        if ch == "\t":
            out.append(" ")
        elif is_control(ch):
            out.append(caret(ch))
        elif ch in table:
            out.append(table[ch])
        elif ord(ch) < 0x80 or _encodable(ch, encoding):
            out.append(ch)
        else:
            out.append("?")
    return "".join(out)


def _encodable(ch: str, encoding: Encoding) -> bool:
    if encoding == "gb18030":
        # Surrogates and non-characters have no glyph on any printer.
        return ord(ch) <= 0xFFFF and not 0xD800 <= ord(ch) <= 0xDFFF \
            and unicodedata.category(ch) != "Cn"
    try:
        ch.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def char_columns(ch: str) -> int:
    """Columns one (already printable) character takes at normal size."""
    if ord(ch) < 0x80:
        return 1
    # East Asian width W/F (CJK, full-width punctuation) is two columns anywhere. On these
    # printers the rest of non-ASCII (A/N: × · — …) is a double-byte code in Chinese mode,
    # drawn with the same full-width Hanzi font, so it is two columns as well.
    return 2


def text_columns(text: str) -> int:
    """Columns ``text`` takes at normal size."""
    return sum(char_columns(ch) for ch in text)
