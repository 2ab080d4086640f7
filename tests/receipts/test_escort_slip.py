"""An escort's work slip prints the patient, the appointment, the time on the ward, from and
to, the conveyance and the isolation — in both languages, within 58 mm paper."""

from __future__ import annotations

from receipts.layout import Line, SlipRenderer
from receipts.profile import PrinterProfile, text_columns
from receipts.samples import sample_snapshot

ESCORT = {"patient_name": "张三", "bed": "12床", "appointment": "2026-11-24T06:00:00+00:00",
          "pickup_at": "2026-11-24T05:30:00+00:00", "exam": "增强CT",
          "from": {"code": "10306", "campus": "本部", "building": "1号楼", "floor": "3", "room": "306", "name": "病房"},
          "to": {"code": "30101", "campus": "本部", "building": "医技楼", "floor": "1", "room": "101", "name": "CT室"},
          "conveyance": "wheelchair", "oxygen": True, "isolation": "contact", "note": "家属陪同"}


def _lines(renderer: SlipRenderer, lang: str, profile: PrinterProfile) -> list[str]:
    snap = dict(sample_snapshot(lang), service_type="transport", details={"escort": ESCORT})
    return [" ".join(x.text.split()) for x in renderer.lay_out(snap, profile) if isinstance(x, Line)]


def test_the_escort_slip_prints_who_when_where_and_how(renderer: SlipRenderer, profile80: PrinterProfile) -> None:
    zh = _lines(renderer, "zh-CN", profile80)
    assert renderer.template_name("slip", "transport", "zh-CN") == "slip.transport.zh-CN.j2"
    assert "病人：张三 12床" in zh and "预约：11-24 14:00 增强CT" in zh and "到科接人：13:30" in zh
    assert "从：1号楼 3楼 306室 (病房) [10306]" in zh and "送至：医技楼 1楼 101室 (CT室) [30101]" in zh
    assert "方式：轮椅 + 带氧气" in zh and "隔离：接触隔离" in zh and "备注：家属陪同" in zh
    en = _lines(renderer, "en", profile80)
    assert "By: wheelchair + oxygen" in en and "Isolation: CONTACT" in en and "Pick up at: 13:30" in en


def test_the_escort_slip_fits_58mm(renderer: SlipRenderer, profile58: PrinterProfile) -> None:
    for lang in ("zh-CN", "en"):
        snap = dict(sample_snapshot(lang), service_type="transport", details={"escort": ESCORT})
        laid = renderer.lay_out(snap, profile58)
        assert all(text_columns(x.text) <= 32 // x.style.scale for x in laid if isinstance(x, Line))
        plain = dict(sample_snapshot(lang), service_type="transport", details={})
        assert renderer.lay_out(plain, profile58)  # a transport without an escort prints as any slip
