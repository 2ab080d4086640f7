"""Preview = what prints: golden PNGs (pixel-exact), a font-independent layout golden, HTML.

Regenerate the goldens on purpose only: ``ONESTOP_REGEN_GOLDEN=1 pytest tests/receipts``.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from receipts.layout import Line, QrCode, SlipRenderer
from receipts.preview import find_cjk_font, png_bytes, render_html, render_png
from receipts.profile import PrinterProfile
from receipts.samples import sample_snapshot

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("ONESTOP_REGEN_GOLDEN") == "1"
PROFILE = PrinterProfile(name="desk", encoding="gb18030", paper_mm=80, columns=48)
RENDERER = SlipRenderer(base_url="http://desk.example:8080", timezone="Asia/Shanghai")


def _laid(lang: str) -> list:  # type: ignore[type-arg]
    return RENDERER.lay_out(sample_snapshot(lang), PROFILE)


def _layout_text(lang: str) -> str:
    rows = []
    for item in _laid(lang):
        if isinstance(item, Line):
            s = item.style
            rows.append(f"{'B' if s.bold else '-'}{'2' if s.big else '1'}{s.align[0]}|{item.text}")
        elif isinstance(item, QrCode):
            rows.append(f"QR {item.module}|{item.data}")
        else:
            rows.append("CUT|")
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_layout_golden(lang: str) -> None:
    path = GOLDEN / f"slip-{lang}.layout.txt"
    text = _layout_text(lang)
    if REGEN:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_png_golden(lang: str) -> None:
    path, meta_path = GOLDEN / f"slip-{lang}.png", GOLDEN / "font.json"
    font = find_cjk_font()
    if REGEN:
        assert font, "regenerate the goldens where a CJK font is installed"
        path.write_bytes(png_bytes(_laid(lang), PROFILE))
        meta_path.write_text(json.dumps({"font": font[0], "index": font[1]}) + "\n")
    golden = Image.open(path)
    # Layout does not depend on the font: the image size is the same with boxes for glyphs.
    assert render_png(_laid(lang), PROFILE, font=None).size == golden.size
    meta = json.loads(meta_path.read_text())
    if font is None or font[0] != meta["font"]:
        pytest.skip(f"golden glyphs drawn with {meta['font']}; install fonts-wqy-microhei")
    image = Image.open(io.BytesIO(png_bytes(_laid(lang), PROFILE)))
    assert image.size == golden.size
    diff = ImageChops.difference(image.convert("L"), golden.convert("L")).getbbox()
    assert diff is None, f"preview differs from {path.name} in {diff} (ONESTOP_REGEN_GOLDEN=1 if meant)"


def test_no_font_draws_boxes_in_the_same_cells() -> None:
    laid = _laid("zh-CN")
    with_font, without = render_png(laid, PROFILE), render_png(laid, PROFILE, font=None)
    assert with_font.size == without.size
    # Same size (same layout), different pixels (boxes instead of glyphs).
    assert ImageChops.difference(with_font, without).getbbox() is not None


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_html_has_the_same_lines(lang: str) -> None:
    laid = _laid(lang)
    page = render_html(laid, PROFILE)
    rows = re.findall(r'<div class="l[^"]*"[^>]*>(.*?)</div>', page)
    texts = [html.unescape(re.sub(r"<[^>]+>", "", r)) for r in rows]
    expected = [x.text or " " for x in laid if isinstance(x, Line)]
    assert texts == expected
    assert page.count("<svg") == 1 and "desk/tickets/" in page


def test_html_escapes_ticket_text() -> None:
    snap = sample_snapshot()
    snap["description"] = "<script>alert(1)</script>&"
    page = render_html(RENDERER.lay_out(snap, PROFILE), PROFILE)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_slip_preview_callable_for_the_desk() -> None:
    from types import SimpleNamespace

    from receipts.service import build_slip_preview

    settings = SimpleNamespace(
        timezone="Asia/Shanghai",
        web=SimpleNamespace(base_url="", host="127.0.0.1", port=8080),
        printer=SimpleNamespace(printers=[SimpleNamespace(name="desk", encoding="gbk",
                                                          paper_mm=58, columns=32)]))
    page = build_slip_preview(settings)(sample_snapshot())
    assert "http://127.0.0.1:8080/desk/tickets/1042" in page
    # as wide as the paper's 32 columns, and no inline style for the desk's CSP to block
    assert f'<div class="ruler">{" " * 32}</div>' in page
    assert "style=" not in page and "<style" not in page
