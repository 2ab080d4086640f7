"""The storekeepers' low-stock SMS: what it names, in both languages, within two parts."""

from __future__ import annotations

from modem.encoding import split_text
from modem.templates import SAMPLE, SmsComposer

ALERT = {"part_code": "P00017", "part_name": "正泰开关", "spec": "单开", "unit": "个", "stock": 2,
         "min_stock": 5, "supplier": "长江电气", "supplier_phone": "02155550004", "worker": "钱库管",
         "worker_code": "K001"}


def test_the_low_stock_sms_names_the_part_the_stock_and_the_supplier() -> None:
    c = SmsComposer()
    zh = c.render("low_stock", "zh-CN", ALERT)
    assert zh == "【库存预警】正泰开关 单开[P00017] 库存2个，已到下限5个，请补货 供应商:长江电气02155550004"
    en = c.render("low_stock", "en", ALERT)
    assert en == "[Low stock] 正泰开关 单开 [P00017]: 2 个 left, minimum 5. Please reorder from 长江电气 02155550004."
    assert "供应商" not in c.render("low_stock", "zh-CN", dict(ALERT, supplier=""))


def test_the_longest_low_stock_sms_fits_two_parts() -> None:
    for lang in ("zh-CN", "en"):
        assert len(split_text(SmsComposer().render("low_stock", lang, SAMPLE)).parts) <= 2
