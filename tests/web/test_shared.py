"""The pieces every page shares: one clock, the names of codes, the core's English in people's
words, the actions a ticket offers, paging."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from ticketing import masterdata as md
from ticketing.lifecycle import Action, Status
from ticketing.orders import CLEANING_KINDS
from web import explain, labels, timefmt
from web.i18n import catalog
from web.paging import Page, page_number
from web.security import ROLES
from web.ticket_actions import offered

SH = ZoneInfo("Asia/Shanghai")
ZH, EN = catalog("zh-CN"), catalog("en")


def test_times_are_shown_in_the_centers_zone_in_one_of_the_styles() -> None:
    at = datetime(2026, 11, 23, 1, 30, 5, tzinfo=UTC)  # 09:30:05 in Shanghai (UTC+8, no DST)
    assert timefmt.fmt(at, SH) == "11-23 09:30"
    assert timefmt.fmt(at.isoformat(), SH, "time") == "09:30"
    assert timefmt.fmt(at, SH, "full") == "2026-11-23 09:30"
    assert timefmt.fmt(at, SH, "seconds") == "2026-11-23 09:30:05"
    assert timefmt.fmt(at, SH, "date") == "2026-11-23"
    assert timefmt.fmt(at, SH, "clock") == "09:30:05"
    assert timefmt.fmt("2026-11-22T17:00:00", SH, "full") == "2026-11-23 01:00"  # naive = UTC
    assert timefmt.fmt(None, SH) == "" and timefmt.fmt("", SH) == ""
    assert timefmt.fmt(at, ZoneInfo("America/New_York"), "full") == "2026-11-22 20:30"
    with pytest.raises(ValueError, match="short"):
        timefmt.fmt(at, SH, "long")


def test_codes_are_named_in_the_users_language() -> None:
    assert labels.label("status", "in_progress", ZH) == "承办"
    assert labels.label("status", "in_progress", EN) == "In progress"
    assert labels.label("step", "worker_accept", ZH) == "师傅接单"
    assert labels.label("sms", "delivered", EN) == "Delivered"
    assert labels.label("bool", True, ZH) == "是" and labels.label("bool", False, EN) == "No"
    words = {**ZH, "svc:repair": "维修", "svc:transport": "运送"}
    assert labels.label("svc", "repair,transport", words) == "维修、运送"
    assert labels.label("status", "no_such_state", ZH) == "no_such_state"  # visible, to be caught
    assert labels.options("prio", ["normal", "urgent"], EN) == [("normal", "Normal"), ("urgent", "Urgent")]
    with pytest.raises(ValueError):
        labels.key("colour", "red")


def test_every_code_the_core_can_show_has_a_name_in_both_languages() -> None:
    from cti.tracker import DEVICE_STATES

    wanted = {
        "status": {s.value for s in Status},
        "step": {a.value for a in Action} - {"edit"} | {
            "accept", "edit", "merged_in", "link_call", "reprint", "resend", "approval_requested",
            "approve", "reject"},
        "sms": {"queued", "sending", "retry", "sent", "delivered", "failed", "replied", "none"},
        "smskind": {"work_order", "confirm", "explain", "cancelled", "escalation", "approval"},
        "reply": {"acted", "rejected", "duplicate"},
        "assign": {"offered", "accepted", "released", "finished"},
        "role": set(ROLES),
        "staffrole": set(md.ROLES.values()),
        "shift": set(md.SHIFTS.values()),
        "orgkind": set(md.ORG_KINDS.values()),
        "diet": set(md.DIETS.values()),
        "meal": set(md.MEALS.values()),
        "cleaning": set(CLEANING_KINDS),
        "opstate": set(DEVICE_STATES.values()) | {"paused", "logged_out"},
        "call": {"answered", "abandoned", "ended_in_ivr"},
        "prio": {"normal", "urgent", "critical"},
        "source": {"phone", "ivr", "self_service", "desk", "sms"},
    }
    missing = [f"{kind}:{v}" for kind, values in wanted.items() for v in values
               if f"{kind}:{v}" not in ZH or f"{kind}:{v}" not in EN]
    assert missing == []


def test_the_cores_english_reads_in_the_users_words() -> None:
    said = "ticket 7: cannot dispatch a ticket that is in_progress (allowed: cancel, complete)"
    assert explain.message(said, ZH) == "工单 7 当前为「承办」，不能「派发」"
    assert explain.message(said, EN) == "Ticket 7 is In progress: it cannot be Dispatched"
    assert explain.message("ticket 9 waits for the ward head's approval", ZH) == "工单 9 在等护士长审批，审批后才能派发"
    assert explain.message("something new the core says", ZH) == "something new the core says"
    reasons = "phone: phone 'abc' is not an 11-digit mobile number; duplicate code 'W1' (first on line 2)"
    assert explain.reasons(reasons, ZH) == "「电话」abc 不是有效的号码；「编码」W1 重复（第 2 行已有）"
    people = {"T01-01": "余秀秀", "li": "李晓"}
    assert explain.note("dispatch", "T01-01", ZH, people) == "余秀秀"
    assert explain.note("callback", "score 4 via operator", ZH, people) == "满意度 4 分 · 话务员回访"
    assert explain.note("escalate", "response time limit passed", EN, people) == "Response time limit passed"
    assert explain.note("accept", "phone", ZH, people) == "电话"
    assert explain.note("edit", "description, location_code", ZH, people) == "描述、地点"
    assert explain.note("cancel", "病人已出院", ZH, people) == "病人已出院"  # a person's own words
    assert explain.note("worker_accept", "T01-01", ZH, people, actor_code="T01-01") == ""
    assert explain.actor("sms:T01-01", ZH, people) == "余秀秀（短信）"
    # a worker's step on the work order's phone page, a report from a room's QR label
    assert explain.actor("web:T01-01", ZH, people) == "余秀秀（手机页面）"
    assert explain.actor("web:T01-01", EN, people) == "余秀秀 (phone page)"
    assert explain.actor("qr:10305", ZH, people) == "扫码报修 10305"
    assert explain.actor_code("web:T01-01") == explain.actor_code("sms:T01-01") == "T01-01"
    assert explain.actor("system", EN, people) == "System" and explain.actor("li", ZH, people) == "李晓"


def _ticket(status: str, **kw: object) -> dict[str, object]:
    return {"status": status, "service_type": kw.get("service_type", "repair"), "details": kw.get("details", {})}


def _can(role: str):  # type: ignore[no-untyped-def]
    from web.security import allowed

    return lambda permission: allowed(role, permission)


def test_a_ticket_offers_exactly_the_steps_its_state_allows() -> None:
    # README: accepted → dispatched → in progress → done → called back → assessed; cancel and
    # escalate while open, merge before work starts, reopen after done, call-back or cancel;
    # an in-progress ticket is not dispatched again. Assessing is a supervisor's.
    lead, operator = _can("lead"), _can("operator")
    expect = {
        "accepted": ["dispatch", "complete", "escalate", "merge", "cancel"],
        "dispatched": ["dispatch", "complete", "escalate", "merge", "reprint", "resend", "cancel"],
        "in_progress": ["complete", "escalate", "reprint", "resend", "cancel"],
        "done": ["callback", "reopen"],
        "called_back": ["assess", "reopen"],
        "assessed": [],
        "cancelled": ["reopen"],
        "merged": [],
    }
    for status, actions in expect.items():
        working = status in ("dispatched", "in_progress")
        assert offered(_ticket(status), lead, has_slip=working, active_workers=["W1"] if working else []) \
            == actions, status
    assert "assess" not in offered(_ticket("called_back"), operator, has_slip=False)
    assert offered(_ticket("accepted"), _can("viewer"), has_slip=False) == []
    pending = {"meal": {"items": []}, "approval": {"state": "pending"}}
    assert offered(_ticket("accepted", service_type="meals", details=pending), operator, has_slip=False) \
        == ["approve", "reject", "complete", "escalate", "merge", "cancel"]
    assert "dispatch" not in offered(_ticket("accepted", service_type="meals"), operator, has_slip=False)
    view = SimpleNamespace(status="dispatched", service_type="repair", details={})
    assert offered(view, operator, has_slip=False, active_workers=[]) == ["dispatch", "complete", "escalate",
                                                                          "merge", "cancel"]


def test_a_page_links_its_neighbours_and_keeps_the_filters() -> None:
    page = Page(list(range(30)), total=240, number=6, size=30, base="/board", params={"team": "T01", "q": ""})
    assert (page.pages, page.first, page.last) == (8, 151, 180)
    assert page.href(7) == "/board?team=T01&page=7" and page.href(1) == "/board?team=T01"
    assert page.window() == [1, None, 4, 5, 6, 7, 8]
    assert Page([], 0, 1, 20).pages == 1 and Page([], 0, 1, 20).first == 0
    assert [page_number(v) for v in ("3", "0", "-2", "x", None)] == [3, 1, 1, 1, 1]
