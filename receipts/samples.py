"""Sample slip snapshots (the shape of docs/CONTRACTS.md "Slip snapshot") for the demo
command, the benchmark and the tests."""

from __future__ import annotations

import copy
from typing import Any

_ZH: dict[str, Any] = {
    "ticket_id": 1042, "kind": "slip", "language": "zh-CN", "center_name": "一站式后勤服务中心",
    "service_type": "repair", "service_name": "维修", "priority": "urgent",
    "status": "dispatched", "created_at": "2026-11-24T01:02:00+00:00",
    "dispatched_at": "2026-11-24T01:05:00+00:00", "accepted_at": "",
    "response_due": "2026-11-24T01:17:00+00:00", "completion_due": "2026-11-24T03:02:00+00:00",
    "location": {"code": "A0305", "campus": "本部", "building": "门诊楼A栋", "floor": "3",
                 "room": "305", "name": "心内科护士站"},
    "reporter": {"name": "王护士", "phone": "6123", "org": "心内科"},
    "description": "护士站空调不制冷，出风口有异响，室温已到30℃，请尽快派人处理（患者较多）。",
    "workers": [{"code": "W001", "name": "张师傅", "phone": "13800138000"}],
    "parts": [{"code": "P-AC-017", "name": "空调电容", "spec": "35μF 450V", "unit": "个",
               "qty": 1},
              {"code": "P-GEN-002", "name": "扎带", "spec": "4x200", "unit": "包", "qty": 2}],
    "details": {}, "operator": "li",
}

_EN: dict[str, Any] = {
    "ticket_id": 1043, "kind": "slip", "language": "en", "center_name": "One-Stop Service Center",
    "service_type": "repair", "service_name": "Repair", "priority": "critical",
    "status": "dispatched", "created_at": "2026-11-24T06:40:00+00:00",
    "dispatched_at": "2026-11-24T06:41:30+00:00", "accepted_at": "2026-11-24T06:44:00+00:00",
    "response_due": "2026-11-24T06:50:00+00:00", "completion_due": "2026-11-24T07:40:00+00:00",
    "location": {"code": "B0112", "campus": "Main", "building": "Ward Block B", "floor": "1",
                 "room": "112", "name": "ICU store room"},
    "reporter": {"name": "Dr. Alice Chen", "phone": "6180", "org": "Intensive Care"},
    "description": "Water leaking from the ceiling above the medicine fridge; the floor is "
                   "wet and the fridge alarm beeps. Please bring a bucket and a ladder.",
    "workers": [{"code": "W002", "name": "Bob Li", "phone": "13900139000"},
                {"code": "W007", "name": "Zhou Min", "phone": ""}],
    "parts": [{"code": "P-PL-104", "name": "Pipe clamp", "spec": "DN20", "unit": "pc",
               "qty": 2}],
    "details": {}, "operator": "kim",
}

_KITCHEN: dict[str, Any] = {
    "ticket_id": 2001, "kind": "kitchen", "language": "zh-CN", "center_name": "一站式后勤服务中心",
    "service_type": "meals", "service_name": "订餐", "priority": "normal",
    "status": "dispatched", "created_at": "2026-11-24T02:10:00+00:00",
    "dispatched_at": "2026-11-24T02:12:00+00:00", "accepted_at": "",
    "response_due": "2026-11-24T02:40:00+00:00", "completion_due": "2026-11-24T04:10:00+00:00",
    "location": {"code": "C0508", "campus": "本部", "building": "住院楼C栋", "floor": "5",
                 "room": "508", "name": "骨科病房"},
    "reporter": {"name": "李家属", "phone": "6508", "org": "骨科"},
    "description": "少盐，不要香菜。",
    "workers": [{"code": "K003", "name": "陈配送", "phone": ""}],
    "parts": [],
    "details": {"meal": {"items": [{"code": "M20261124L01", "name": "宫保鸡丁饭", "qty": 2, "price": "18.00",
                                    "diet": "regular"},
                                   {"code": "M20261124L04", "name": "番茄蛋汤", "qty": 1, "price": "6.00",
                                    "diet": "low_salt"}],
                         "menu_date": "2026-11-24", "meal": "lunch",
                         "delivery_time": "2026-11-24T03:30:00+00:00", "total": "42.00", "note": "少盐"},
                "approval": {"required": "ward_head", "state": "approved", "by": "钱护士长",
                             "at": "2026-11-24T02:11:00+00:00", "note": ""}},
    "operator": "li",
}


def sample_snapshot(language: str = "zh-CN", kind: str = "slip") -> dict[str, Any]:
    """A fresh copy of a realistic snapshot."""
    if kind == "kitchen":
        snap = copy.deepcopy(_KITCHEN)
        if language.startswith("en"):
            snap.update(language="en", center_name="One-Stop Service Center",
                        description="Low salt, no coriander.")
            snap["details"]["meal"]["items"] = [{"name": "Kung pao chicken rice", "qty": 2},
                                                {"name": "Tomato egg soup", "qty": 1}]
        return snap
    return copy.deepcopy(_EN if language.startswith("en") else _ZH)
