"""The slip as the desk sees it: HTML and a PNG image, drawn from the same laid-out lines the
printer gets, on the printer's character grid (12 x 24 dots per column at normal size, twice
that for big text, 576 dots across 80 mm paper). Same characters, same line breaks.

The PNG needs a CJK font for Chinese glyphs (``fc-list :lang=zh``; on Debian
``fonts-wqy-microhei`` or ``fonts-noto-cjk``). Without one, every double-width character is
drawn as an empty box in its two cells: the layout stays identical, only glyphs are missing.
"""

from __future__ import annotations

import functools
import html
import io
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import qrcode
from PIL import Image, ImageDraw, ImageFont

from receipts.layout import Laid, Line, QrCode, SlipRenderer
from receipts.profile import PrinterProfile, char_columns, text_columns

CHAR_H = 24
LINE_H = 30  # the printer's default line spacing in dots
MARGIN = 16
_KNOWN_FONTS = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
)


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR modules for ``data`` (error level M, like the printer's GS ( k)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(data.encode("utf-8"))
    qr.make(fit=True)
    return [list(row) for row in qr.get_matrix()]


# -- HTML -----------------------------------------------------------------------------------
# The preview's whole style is this sheet: the markup carries classes only, never a style
# attribute or element, so the desk can serve it under a CSP that forbids inline styles (the
# web serves a copy as /static/slip.css). A line is as wide as the slip; the slip is as wide as
# its ruler, an invisible line of the paper's columns in spaces (1ch each).
PREVIEW_CSS = """.slip{font-family:"WenQuanYi Micro Hei Mono","Noto Sans Mono CJK SC",monospace;
font-size:14px;line-height:1.25;background:#fff;color:#000;padding:8px;border:1px solid #ccc;
display:inline-block}
.slip .l{white-space:pre;height:1.25em;overflow:hidden}
.slip .ruler{white-space:pre;height:0;overflow:hidden;visibility:hidden}
.slip .w{display:inline-block;width:2ch;text-align:center}
.slip .b{font-weight:bold}
.slip .big{font-size:28px;height:1.25em}
.slip .center{text-align:center}
.slip .right{text-align:right}
.slip .qr{text-align:center;margin:4px 0}
.slip .cut{border-top:1px dashed #888;margin:6px 0}
"""


def render_html(laid: Iterable[Laid], profile: PrinterProfile, css: bool = True) -> str:
    """A ``<div class="slip">`` of the lines, with its ``<style>`` when ``css`` (a file that
    stands alone); without, the page that shows it links ``PREVIEW_CSS``."""
    rows = [_html_item(item) for item in laid]
    ruler = f'<div class="ruler">{" " * profile.columns}</div>'
    style = f"<style>{PREVIEW_CSS}</style>" if css else ""
    return style + '<div class="slip">' + ruler + "".join(rows) + "</div>"


def _html_item(item: Laid) -> str:
    if isinstance(item, Line):
        classes = ["l", item.style.align] + (["b"] if item.style.bold else []) + \
                  (["big"] if item.style.big else [])
        body = "".join(f'<span class="w">{html.escape(ch)}</span>' if char_columns(ch) == 2
                       else html.escape(ch) for ch in item.text)
        return f'<div class="{" ".join(classes)}">{body or " "}</div>'
    if isinstance(item, QrCode):
        return f'<div class="qr">{_qr_svg(item.data, item.module)}</div>'
    return '<div class="cut"></div>'


def _qr_svg(data: str, module: int) -> str:
    matrix = qr_matrix(data)
    n = len(matrix)
    path = "".join(f"M{x} {y}h1v1h-1z" for y, row in enumerate(matrix)
                   for x, on in enumerate(row) if on)
    size = n * module
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
            f'viewBox="0 0 {n} {n}" shape-rendering="crispEdges"><title>{html.escape(data)}'
            f'</title><path d="{path}"/></svg>')


class SlipPreview:
    """``WebDeps.slip_preview``: a snapshot → the HTML preview for ``profile``'s paper."""

    def __init__(self, renderer: SlipRenderer, profile: PrinterProfile) -> None:
        self.renderer, self.profile = renderer, profile

    def __call__(self, snapshot: dict[str, Any]) -> str:
        """The slip's markup; its style is ``PREVIEW_CSS``, which the page links."""
        return render_html(self.renderer.lay_out(snapshot, self.profile), self.profile, css=False)


# -- PNG ------------------------------------------------------------------------------------
@functools.cache
def find_cjk_font() -> tuple[str, int] | None:
    """(path, face index) of a font with Chinese glyphs, or None."""
    for path, index in _KNOWN_FONTS:
        if Path(path).exists():
            return path, index
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True,
                                 text=True, timeout=5).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        files = sorted(line.split(":")[0].strip() for line in out.splitlines() if line.strip())
        if files:
            return files[0], 0
    return None


_LATIN_MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"


class _Fonts:
    """The CJK font for everything, or a monospace Latin font for ASCII where there is one
    (proportional Latin glyphs squeezed into 12-dot cells are hard to read)."""

    def __init__(self, font: tuple[str, int] | None) -> None:
        self.font = font
        self.latin = (_LATIN_MONO, 0) if font and Path(_LATIN_MONO).exists() else font
        self._cache: dict[tuple[str, int, int], Any] = {}

    def get(self, size: int, ascii_char: bool = False) -> Any | None:
        face = self.latin if ascii_char else self.font
        if face is None:
            return None
        key = (face[0], face[1], size)
        if key not in self._cache:
            self._cache[key] = ImageFont.truetype(face[0], size, index=face[1])
        return self._cache[key]


def render_png(laid: Sequence[Laid], profile: PrinterProfile,
               font: tuple[str, int] | None | bool = True) -> Image.Image:
    """The slip as a 1-bit-looking grayscale image, one pixel per printer dot.

    ``font``: True finds a CJK font; None or False draws boxes for double-width characters.
    """
    fonts = _Fonts(find_cjk_font() if font is True else (font or None))
    cell = profile.dots // profile.columns
    height = sum(_item_height(item) for item in laid) + 2 * MARGIN
    img = Image.new("L", (profile.dots + 2 * MARGIN, height), 255)
    draw = ImageDraw.Draw(img)
    y = MARGIN
    for item in laid:
        if isinstance(item, Line):
            _draw_line(draw, fonts, item, profile, cell, y)
        elif isinstance(item, QrCode):
            _draw_qr(draw, item, profile, y)
        else:
            for x in range(MARGIN, MARGIN + profile.dots, 12):
                draw.line([(x, y + 8), (x + 6, y + 8)], fill=128)
        y += _item_height(item)
    return img


def png_bytes(laid: Sequence[Laid], profile: PrinterProfile,
              font: tuple[str, int] | None | bool = True) -> bytes:
    buf = io.BytesIO()
    render_png(laid, profile, font).save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def _item_height(item: Laid) -> int:
    if isinstance(item, Line):
        return max(LINE_H, CHAR_H * item.style.scale + 6)
    if isinstance(item, QrCode):
        return len(qr_matrix(item.data)) * item.module + LINE_H
    return 16


def _draw_line(draw: ImageDraw.ImageDraw, fonts: _Fonts, line: Line, profile: PrinterProfile,
               cell: int, y: int) -> None:
    scale = line.style.scale
    width = text_columns(line.text) * cell * scale
    # The printer aligns by dots (ESC a), not by columns: centre offsets may be half a cell.
    offset = {"left": 0, "center": (profile.dots - width) // 2,
              "right": profile.dots - width}[line.style.align]
    x = MARGIN + max(0, offset)
    for ch in line.text:
        w = char_columns(ch) * cell * scale
        if ch != " ":
            font = fonts.get(CHAR_H * scale if ord(ch) >= 0x80 else 20 * scale, ord(ch) < 0x80)
            _draw_char(draw, font, ch, x, y, w, CHAR_H * scale, line.style.bold)
        x += w


def _draw_char(draw: ImageDraw.ImageDraw, font: Any, ch: str, x: int, y: int, w: int, h: int,
               bold: bool) -> None:
    if font is None and ord(ch) < 0x80:
        font = ImageFont.load_default()
    if font is None or font.getmask(ch).getbbox() is None:  # no glyph: a box, like tofu
        draw.rectangle([x + 1, y + 1, x + w - 2, y + h - 2], outline=0)
        return
    left, top, right, bottom = font.getbbox(ch)
    gx = x + (w - (right - left)) // 2 - left
    for dx in ((0, 1) if bold else (0,)):
        draw.text((gx + dx, y), ch, font=font, fill=0)


def _draw_qr(draw: ImageDraw.ImageDraw, qr: QrCode, profile: PrinterProfile, y: int) -> None:
    matrix = qr_matrix(qr.data)
    size = len(matrix) * qr.module
    x0 = MARGIN + (profile.dots - size) // 2
    for row, cells in enumerate(matrix):
        for col, on in enumerate(cells):
            if on:
                px, py = x0 + col * qr.module, y + row * qr.module
                draw.rectangle([px, py, px + qr.module - 1, py + qr.module - 1], fill=0)
