"""Room labels: the PDF sheets scan (rendered with PDFium, read with zxing-cpp — neither is
what drew them) to each room's link, and the slip printer's labels carry the same links in
its own QR command, one cut piece each."""

from __future__ import annotations

import io

import pytest

from receipts.escpos import encode
from receipts.labels import label_lines, label_sheet_pdf, place_line
from receipts.profile import PrinterProfile
from receipts.queue_worker import JobRenderer

from .escpos_decoder import decode

pdfium = pytest.importorskip("pypdfium2")
zxingcpp = pytest.importorskip("zxingcpp")

CENTER = "一站式后勤服务中心"


def rooms(n: int) -> list[dict[str, str]]:
    return [{"url": f"http://10.20.1.5:8080/r/Tok{i:03d}xYz", "code": f"303{i:02d}", "campus": "本部",
             "building": "住院部B", "floor": "3", "room": f"3{i:02d}", "name": "护士站" if i % 2 else "3床病房"}
            for i in range(1, n + 1)]


def _pages(pdf: bytes) -> list[object]:
    doc = pdfium.PdfDocument(pdf)
    return [doc[i].render(scale=2).to_pil() for i in range(len(doc))]


def _text(pdf: bytes) -> str:
    """The text the pages show, as PDFium extracts it."""
    doc = pdfium.PdfDocument(pdf)
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def test_a_sheet_holds_fifteen_labels_that_scan_to_their_rooms() -> None:
    labels = rooms(17)
    pdf = label_sheet_pdf(labels, CENTER)
    pages = _pages(pdf)
    assert len(pages) == 2  # 15 + 2
    first = sorted(r.text for r in zxingcpp.read_barcodes(pages[0]))
    assert first == sorted(lab["url"] for lab in labels[:15])
    assert sorted(r.text for r in zxingcpp.read_barcodes(pages[1])) == sorted(lab["url"] for lab in labels[15:])
    assert all(r.format == zxingcpp.BarcodeFormat.QRCode for r in zxingcpp.read_barcodes(pages[1]))
    width, height = pages[0].size  # A4 at 144 dpi
    assert abs(width / height - 210 / 297) < 0.01


def test_each_label_names_its_room_in_chinese_or_english() -> None:
    labels = rooms(2)
    assert place_line(labels[0], "zh-CN") == "住院部B 3层 301"
    assert place_line(labels[0], "en") == "住院部B, floor 3, room 301"
    text = _text(label_sheet_pdf(labels, CENTER))
    assert "住院部B 3层 301 护士站" in text and "住院部B 3层 302 3床病房" in text
    assert CENTER in text and "扫码报修" in text and "30301" in text
    en = _text(label_sheet_pdf(labels, CENTER, "en"))
    assert "Scan to report" in en and "住院部B, floor 3, room 301" in en


def test_no_labels_is_a_blank_page_not_an_error() -> None:
    assert len(_pages(label_sheet_pdf([], CENTER))) == 1


def test_the_slip_printer_prints_each_label_with_its_qr_and_a_cut() -> None:
    labels = rooms(3)
    profile = PrinterProfile(paper_mm=58, columns=32)
    out = decode(encode(label_lines(labels, profile, CENTER), profile))
    assert out.errors == [] and out.cuts == 3
    assert out.qr_payloads == [lab["url"] for lab in labels]
    big = [line.text for line in out.lines if line.big]
    assert big[:2] == ["住院部B 3层 301", "护士站"]
    assert out.text.count("扫码报修 · Scan to report") == 3


class _Job:
    id, ticket_id, printer, kind, language = 1, None, "desk", "labels", "zh-CN"

    def __init__(self, snapshot: dict[str, object]) -> None:
        self.snapshot = snapshot


def test_a_labels_print_job_renders_through_the_print_worker() -> None:
    profile = PrinterProfile()
    labels = rooms(2)
    data = JobRenderer(renderer=None, profile=profile)(_Job({"labels": labels, "center_name": CENTER}))  # type: ignore[arg-type]
    assert data == encode(label_lines(labels, profile, CENTER), profile)
    assert decode(data).qr_payloads == [lab["url"] for lab in labels]


def test_pdf_is_a_pdf() -> None:
    pdf = label_sheet_pdf(rooms(1), CENTER)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert io.BytesIO(pdf).getbuffer().nbytes < 60_000
