"""Room labels for 扫码报修: a QR code that opens the room's report page, with the room's name.

Two outputs from the same list of labels:

* ``label_sheet_pdf`` — A4 sheets of 3 × 5 labels (70 × 59.4 mm, the sheet's full width and
  height, so a guillotine or a 15-up label sheet takes them), drawn with reportlab: its QR code
  widget (error level M) and its CID font STSong-Light, which renders Chinese without any font
  file on the machine.
* ``label_lines`` — the same labels for the ESC/POS slip printer: the room in large type, the
  printer's own QR code (``GS ( k``, through ``receipts.escpos``) and a cut after each; a print
  job of kind ``labels`` carries them (``{"labels": [...]}``), so an offline printer gets them
  later, as it does slips.

A label is ``{"url", "code", "campus", "building", "floor", "room", "name"}``: the link and the
room as ``ticketing.channels.room_links`` gives them.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from receipts.layout import CutMark, Laid, Line, QrCode
from receipts.markup import Style
from receipts.profile import PrinterProfile, text_columns

COLS, ROWS = 3, 5
CAPTION = {"zh-CN": ("扫码报修", "Scan to report"), "en": ("Scan to report", "扫码报修")}
FONT = "STSong-Light"


def place_line(label: Mapping[str, Any], language: str) -> str:
    """住院部B 3层 301 / 住院部B, floor 3, room 301 (the room's name on the next line)."""
    b, f, r = label.get("building", ""), label.get("floor", ""), label.get("room", "")
    if not (f or r):
        return str(label.get("name") or label.get("code", ""))
    if language == "en":
        return f"{b}, floor {f}, room {r}".strip(" ,")
    return f"{b} {f}层 {r}".strip()


def label_sheet_pdf(labels: Sequence[Mapping[str, Any]], center: str, language: str = "zh-CN") -> bytes:
    """A4 pages of labels, 15 a page, in order."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    out = io.BytesIO()
    page_w, page_h = A4
    cell_w, cell_h = page_w / COLS, page_h / ROWS
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{center} · {CAPTION[_lang(language)][0]}")
    pdf.setAuthor(center)
    qr_side = 36 * mm
    for i, label in enumerate(labels):
        if i and i % (COLS * ROWS) == 0:
            pdf.showPage()
        slot = i % (COLS * ROWS)
        x0 = (slot % COLS) * cell_w
        y0 = page_h - (slot // COLS + 1) * cell_h
        pdf.setStrokeGray(0.85)  # cut guides
        pdf.setLineWidth(0.3)
        pdf.rect(x0, y0, cell_w, cell_h)
        widget = QrCodeWidget(str(label["url"]), barLevel="M", barBorder=2)
        x1, y1, x2, y2 = widget.getBounds()
        drawing = Drawing(qr_side, qr_side, transform=[qr_side / (x2 - x1), 0, 0, qr_side / (y2 - y1), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, pdf, x0 + (cell_w - qr_side) / 2, y0 + 13 * mm)
        mid = x0 + cell_w / 2
        pdf.setFillGray(0)
        pdf.setFont(FONT, 7.5)
        pdf.drawCentredString(mid, y0 + cell_h - 5 * mm, _fit(center, 7.5, cell_w - 6 * mm))
        caption, other = CAPTION[_lang(language)]
        pdf.setFont(FONT, 8)
        pdf.drawCentredString(mid, y0 + 9.5 * mm, f"{caption} · {other}")
        pdf.setFont(FONT, 11)
        title = place_line(label, _lang(language))
        name = str(label.get("name", ""))
        pdf.drawCentredString(mid, y0 + 5.2 * mm, _fit(f"{title} {name}".strip(), 11, cell_w - 6 * mm))
        pdf.setFont(FONT, 6.5)
        pdf.setFillGray(0.35)
        pdf.drawCentredString(mid, y0 + 2 * mm, str(label.get("code", "")))
    if not labels:
        pdf.setFont(FONT, 12)
        pdf.drawString(20 * mm, page_h - 30 * mm, "—")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _lang(language: str) -> str:
    return "en" if language.startswith("en") else "zh-CN"


def _fit(text: str, size: float, width: float) -> str:
    """``text`` cut (with an ellipsis) to ``width`` points in the label font."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, FONT, size) <= width:
        return text
    while text and stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text + "…"


def label_lines(labels: Sequence[Mapping[str, Any]], profile: PrinterProfile,
                center: str = "", language: str = "zh-CN") -> list[Laid]:
    """The labels as the slip printer prints them: one cut piece each."""
    lang = _lang(language)
    caption, other = CAPTION[lang]
    out: list[Laid] = []
    big = Style(bold=True, big=True, align="center")
    mid = Style(align="center")
    for label in labels:
        if center:
            out.append(Line(_clip_columns(center, profile.columns), mid))
        out.append(Line(_clip_columns(place_line(label, lang), profile.columns // 2), big))
        if label.get("name"):
            out.append(Line(_clip_columns(str(label["name"]), profile.columns // 2), big))
        out.append(QrCode(str(label["url"]), profile.qr_size))
        out.append(Line(f"{caption} · {other}", Style(bold=True, align="center")))
        out.append(Line(str(label.get("code", "")), mid))
        out.append(CutMark())
    return out


def _clip_columns(text: str, columns: int) -> str:
    while text and text_columns(text) > columns:
        text = text[:-1]
    return text
