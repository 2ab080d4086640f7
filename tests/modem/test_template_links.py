"""The link to the work order's page, measured in SMS parts (UCS-2: 70 units alone, 67 a part).

The common Chinese work order — a 5-digit ticket, a ward room, a short description, an
extension or a mobile to call back — keeps its two parts with the link; one that was a single
part (a cleaning task, a meal order) takes one more; the worst case takes one more (three)."""

from __future__ import annotations

from modem.encoding import split_text
from modem.templates import SAMPLE, SAMPLE_LINK, SmsComposer

LINK = "http://10.20.1.5:8080/w/AsDEB90TILh2b0XliGQ"  # an intranet address and a 19-character token
ROOM = {"code": "30301", "campus": "本部", "building": "住院部B", "floor": "3", "room": "301", "name": "护士站"}
COMMON = dict(SAMPLE, ticket_id=10423, priority="normal", service_type="repair", service_name="维修",
              location=ROOM, description="病房灯不亮", reporter_phone="6240",
              response_due_local="11-23 09:30", completion_due_local="11-23 13:00")


def _parts(text: str) -> int:
    return len(split_text(text).parts)


def test_the_link_comes_last_and_whole() -> None:
    text = SmsComposer().render("work_order", "zh-CN", dict(COMMON, link=LINK))
    assert text.endswith(" 回复:接单/到达/完成/无法 10423 " + LINK)
    assert len(SAMPLE_LINK) == len(LINK)


def test_the_common_work_order_keeps_its_parts_with_the_link() -> None:
    c = SmsComposer()
    cases = {  # name: (data, parts without the link, parts with it) — counted by hand below
        "repair, extension": (COMMON, 2, 2),
        "repair, mobile, longer text": (dict(COMMON, reporter_phone="13812345678",
                                             description="3床卫生间水龙头漏水"), 2, 2),
        "oxygen": (dict(COMMON, service_type="oxygen", priority="urgent", description="3床需要氧气瓶"), 2, 2),
        "cleaning": (dict(COMMON, service_type="cleaning", description="卫生间需要清洁"), 1, 2),
    }
    for name, (data, without, with_link) in cases.items():
        plain = c.render("work_order", "zh-CN", data)
        linked = c.render("work_order", "zh-CN", dict(data, link=LINK))
        # the link adds itself and a space, nothing else (the description is short)
        assert len(linked) == len(plain) + 1 + len(LINK), name
        assert (_parts(plain), _parts(linked)) == (without, with_link), name
    # by hand: 【工单10423】维修 住院部B3F301 病房灯不亮 报修人6240 11-23 09:30前接单 回复:接单/到达/完成/无法 10423
    plain = c.render("work_order", "zh-CN", COMMON)
    assert len(plain) == 9 + 2 + 1 + 9 + 1 + 5 + 1 + 7 + 1 + 14 + 1 + 3 + 11 + 1 + 5 == 71
    assert len(plain) + 1 + len(LINK) == 115 <= 2 * 67


def test_a_long_description_is_clipped_shorter_when_the_page_has_it_whole() -> None:
    c = SmsComposer()
    data = dict(COMMON, reporter_phone="13812345678", description="空调不制冷且漏水严重，病房温度过高，请带上备件")
    linked = c.render("work_order", "zh-CN", dict(data, link=LINK))
    assert " 空调不制冷且漏水严重，病房温度… " in linked  # 16 characters, the last an ellipsis
    assert _parts(linked) == 2


def test_the_worst_case_takes_one_part_more_and_the_check_allows_no_more() -> None:
    c = SmsComposer()
    for lang in ("zh-CN", "en"):
        assert _parts(c.render("work_order", lang, SAMPLE)) == 2
        assert _parts(c.render("work_order", lang, dict(SAMPLE, link=LINK))) == 3
