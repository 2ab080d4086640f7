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


ESCORT = {"ticket_id": 2051, "service_type": "transport", "patient": "张三", "bed": "12床",
          "escort_from": {"building": "住院部A", "floor": "3", "room": "306"},
          "escort_to": {"building": "医技楼", "floor": "1", "room": "CT室"}, "appointment_local": "14:00",
          "pickup_local": "13:30", "conveyance": "wheelchair", "oxygen": True, "isolation": "contact",
          "exam": "CT", "worker": "李师傅", "worker_code": "W002"}


def test_an_escort_work_order_says_where_when_and_how() -> None:
    c = SmsComposer()
    assert c.render("work_order", "zh-CN", ESCORT) == (
        "【陪检2051】13:30到住院部A3F306 12床接张三，14:00前送医技楼1FCT室(CT) 轮椅+氧气 接触隔离 "
        "回复:接单/到达/完成/无法 2051")
    assert c.render("work_order", "en", ESCORT) == (
        "[2051] Escort 张三 12床 住院部A3F306 13:30→医技楼1FCT室 14:00 CT wheelchair+O2 iso:contact "
        "Reply ACCEPT/ARRIVED/DONE/CANNOT 2051")


def test_a_transport_without_a_patient_is_a_plain_work_order() -> None:
    plain = dict(SAMPLE, service_type="transport", patient="", priority="normal", description="标本送检验科")
    text = SmsComposer().render("work_order", "zh-CN", plain)
    assert text.startswith("【工单1234567】") and "标本送检验科" in text


def test_the_longest_escort_work_order_fits_two_parts() -> None:
    for lang in ("zh-CN", "en"):
        text = SmsComposer().render("work_order", lang, dict(SAMPLE, service_type="transport"))
        assert len(split_text(text).parts) <= 2 and "1234567" in text
