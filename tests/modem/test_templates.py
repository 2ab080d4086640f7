from __future__ import annotations

from pathlib import Path

import pytest

from modem.encoding import split_text
from modem.templates import SAMPLE, SmsComposer, TemplateBudgetError


def test_shipped_templates_fit_two_parts() -> None:
    composer = SmsComposer()  # checks on load
    for lang in ("zh-CN", "en"):
        for service in ("repair", "meals", "oxygen", "cleaning", "transport"):
            text = composer.render("work_order", lang, dict(SAMPLE, service_type=service))
            assert len(split_text(text).parts) <= 2
            assert "1234567" in text


def test_work_order_content() -> None:
    text = SmsComposer().render("work_order", "zh-CN", dict(SAMPLE, priority="normal", description="空调漏水"))
    assert text.startswith("【工单1234567】维修 ") and "门诊医技综合楼12F1205-1" in text
    assert "空调漏水" in text and "13800000000" in text and "11-23 17:30" in text and "接单" in text


def test_language_falls_back_to_default_and_per_type_override() -> None:
    c = SmsComposer()
    assert c.render("work_order", "fr", SAMPLE).startswith("【工单")
    assert c.render("work_order", "zh-CN", dict(SAMPLE, service_type="meals")).startswith("【订餐")
    assert c.render("confirm", "en", dict(SAMPLE, action="done")).startswith("Order 1234567 completed")


def test_over_budget_template_refused_at_load(tmp_path: Path) -> None:
    (tmp_path / "work_order.zh-CN.j2").write_text("{{ description }}" * 2, encoding="utf-8")
    with pytest.raises(TemplateBudgetError, match="work_order.zh-CN.j2"):
        SmsComposer(tmp_path)
