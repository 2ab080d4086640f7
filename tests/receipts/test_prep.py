"""The kitchen's production summary (备餐单) on paper: dishes and portions, by diet and by
ward, in both languages, within the paper's width, and as ESC/POS bytes."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from receipts.escpos import CUT, encode
from receipts.layout import Line, QrCode, SlipRenderer
from receipts.profile import PrinterProfile, text_columns
from ticketing.kitchen import summary

TZ = ZoneInfo("Asia/Shanghai")


def _order(tid: int, org: str, items: list[tuple[str, str, str, int]], delivery: str) -> Any:
    return SimpleNamespace(id=tid, org_code=org, details={"meal": {
        "menu_date": "2026-11-23", "meal": "lunch", "delivery_time": delivery,
        "total": f"{sum(q * 15 for *_x, q in items)}.00",
        "items": [{"code": c, "name": n, "name_en": "", "diet": d, "qty": q, "price": "15.00"}
                  for c, n, d, q in items]}})


def snapshot(language: str) -> dict[str, Any]:
    orders = [_order(1, "D01", [("L1", "红烧鱼", "regular", 2), ("L2", "清蒸鸡胸", "diabetic", 1)],
                     "2026-11-23T11:30:00+08:00"),
              _order(2, "D03", [("L2", "清蒸鸡胸", "diabetic", 3)], "2026-11-23T12:00:00+08:00")]
    snap = summary(orders, date(2026, 11, 23), "lunch", TZ, {"D01": "心内科", "D03": "骨科"})
    return {**snap, "language": language, "center_name": "一站式后勤服务中心",
            "cutoff_at": "2026-11-23T02:00:00+00:00", "made_at": "2026-11-23T02:00:05+00:00"}


def _text(renderer: SlipRenderer, snap: dict[str, Any], profile: PrinterProfile) -> list[str]:
    return [x.text for x in renderer.lay_out(snap, profile) if isinstance(x, Line)]


def test_the_summary_prints_dishes_diets_and_wards(renderer: SlipRenderer, profile80: PrinterProfile) -> None:
    lines = [" ".join(t.split()) for t in _text(renderer, snapshot("zh-CN"), profile80)]
    assert "备 餐 单" in lines and "2026-11-23 午餐" in lines
    assert "截止：10:00" in lines and "订单：2 份数：6" in lines
    assert "清蒸鸡胸(糖尿病) x4" in lines and "红烧鱼 x2" in lines
    assert lines.index("按膳食：") < lines.index("糖尿病 4") < lines.index("普食 2")
    assert "心内科 · 1单 · 11:30" in lines and "骨科 · 1单 · 12:00" in lines
    assert "金额合计 90.00元" in lines
    en = [" ".join(t.split()) for t in _text(renderer, snapshot("en"), profile80)]
    assert "PRODUCTION" in en and "2026-11-23 lunch" in en and "清蒸鸡胸(diabetic) x4" in en


def test_the_summary_fits_58mm_paper_and_encodes(renderer: SlipRenderer, profile58: PrinterProfile) -> None:
    for lang in ("zh-CN", "en"):
        laid = renderer.lay_out(snapshot(lang), profile58)
        assert all(text_columns(x.text) <= 32 // x.style.scale for x in laid if isinstance(x, Line))
        assert not any(isinstance(x, QrCode) for x in laid)  # no ticket to open
        data = encode(laid, profile58)
        assert "清蒸鸡胸".encode("gb18030") in data and CUT in data
