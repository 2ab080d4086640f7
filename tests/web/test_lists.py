"""Lists page and filter on the server (the desk, the board, master data, statistics' groups),
the statistics' trend has a grain for a day and for a year, and the wallboard's queue panel
counts today's calls as its contract says."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ticketing.calls import CallFacts, record_call
from ticketing.model import Location, OrgUnit, Staff
from ticketing.service import NewTicket

from .conftest import Web

SH = ZoneInfo("Asia/Shanghai")


def ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-id="(\d+)"', html)]


def test_the_desk_lists_a_page_of_tickets_newest_first_with_its_filters(web: Web) -> None:
    svc, clock = web.deps.service, web.deps.clock
    made = []
    for i in range(30):
        clock.advance(minutes=1)
        made.append(svc.accept("operator" if i % 3 else "dispatcher", NewTicket(
            service_type="cleaning" if i % 5 == 0 else "repair", location_code="10305")).id)
    op = web.login("operator")
    newest = list(reversed(made))
    assert ids(op.get("/desk").text) == newest[:25]
    page2 = op.get("/desk/list?page=2").text
    assert ids(page2) == newest[25:] and "第 26–30 条，共 30 条" in page2
    cleaning = [t for i, t in enumerate(made) if i % 5 == 0]
    assert ids(op.get("/desk/list?service=cleaning").text) == list(reversed(cleaning))
    mine = [t for i, t in enumerate(made) if i % 3]
    assert ids(op.get("/desk/list?view=mine").text) == list(reversed(mine))[:25]
    late = [t for t in newest if svc.get(t).response_due < clock.now()]  # cleaning answers sooner
    assert ids(op.get("/desk/list?view=overdue").text) == late
    clock.advance(hours=5)  # past every repair's and cleaning's response limit, none accepted
    op = web.login("operator")  # the idle log-in ended meanwhile
    assert ids(op.get("/desk/list?view=overdue").text) == newest[:25]
    assert "护士站" in op.get("/desk").text  # the room by its name, not only 10305
    found = op.get("/desk/list?q=10305").text  # the search index, every year, a page at a time
    assert ids(found) == newest[:25] and "第 1–25 条，后面还有" in found and "?q=10305&amp;page=2" in found
    found = op.get("/desk/list?q=10305&page=2").text
    assert ids(found) == newest[25:] and "第 26–30 条，共 30 条" in found
    assert ids(op.get("/desk/list?view=nonsense&service=nonsense").text) == newest[:25]  # ignored


def test_the_board_pages_and_filters_its_workers(web: Web) -> None:
    with web.deps.store.session() as s:
        s.add(OrgUnit(code="T09", name="保洁二班", kind="team"))
        s.add_all([Staff(code=f"C{i:03d}", name=f"保洁{i:03d}", role="worker", team="T09", skills="cleaning",
                         phone=f"1390000{i:04d}", on_duty=i % 10 != 0) for i in range(1, 46)])
    op = web.login("dispatcher")
    t = web.deps.service.accept("operator", NewTicket(service_type="cleaning", location_code="10305"))
    web.deps.service.dispatch("operator", t.id, ["C003"])

    def codes(html: str) -> list[str]:
        return re.findall(r'<tr class="[^"]*" data-code="([^"]+)"', html)

    on_duty_t09 = [f"C{i:03d}" for i in range(1, 46) if i % 10 != 0]  # 41
    first = op.get("/board?team=T09").text
    assert codes(first) == on_duty_t09[:20] and "在岗人员 <span class=\"muted\">(41)</span>" in first
    assert codes(op.get("/board/part?team=T09&page=3").text) == on_duty_t09[40:]
    assert codes(op.get("/board?skill=oxygen").text) == []  # W004 (oxygen) is off duty, no work
    assert codes(op.get("/board?busy=1").text) == ["C003"]
    assert codes(op.get("/board?q=保洁007").text) == ["C007"]
    assert codes(op.get("/board?skill=transport").text) == ["W002"]
    assert f">#{t.id} " in op.get("/board?busy=1").text  # C003's open work
    assert len(op.get("/api/board").json()["workers"]) == 41 + 3  # the API still lists them all


def test_master_data_is_listed_a_page_at_a_time_with_a_search(web: Web) -> None:
    with web.deps.store.session() as s:
        s.add_all([Location(code=f"9{i:04d}", campus="本部", building="9号楼", floor=str(i // 20),
                            room=f"{i:03d}", name=f"房间{i:03d}", org_code="D01") for i in range(100)])
    admin = web.login("admin")
    keys = re.compile(r'<tr data-key="([^"]+)"')
    everything = sorted(["10305", "10306", "20101", *[f"9{i:04d}" for i in range(100)]])
    page1 = admin.get("/admin?kind=locations").text
    assert keys.findall(page1) == everything[:30] and "共 103 条" in page1
    assert keys.findall(admin.get("/admin?kind=locations&page=4").text) == everything[90:]
    assert keys.findall(admin.get("/admin?kind=locations&q=房间05").text) == [f"9{i:04d}" for i in range(50, 60)]
    assert "心内科" in page1 and ">是</td>" in page1  # the department by name, yes/no in words


def test_the_trend_reads_by_the_hour_for_a_day_and_by_the_month_for_a_year(web: Web) -> None:
    from web import export

    svc, clock = web.deps.service, web.deps.clock
    day_start = datetime(2026, 11, 23, 0, 0, tzinfo=SH)
    hours = [8, 8, 9, 14, 14, 14, 23]
    for h in hours:
        clock.set(day_start.astimezone(UTC) + timedelta(hours=h, minutes=10))
        svc.accept("operator", NewTicket(service_type="repair", location_code="10306"))
    with web.deps.store.session() as s:
        one_day = export.trend(s, day_start.date(), day_start.date(), SH)
        year = export.trend(s, day_start.date() - timedelta(days=364), day_start.date(), SH)
        month = export.trend(s, day_start.date() - timedelta(days=29), day_start.date(), SH)
    assert one_day["grain"] == "hour" and len(one_day["points"]) == 24
    assert [p["created"] for p in one_day["points"]] == [hours.count(h) for h in range(24)]
    assert one_day["points"][9]["at"].startswith("2026-11-23T09:00")
    assert month["grain"] == "day" and len(month["points"]) == 30 and month["points"][-1]["created"] == 7
    assert year["grain"] == "month" and len(year["points"]) == 13  # Nov 2025 … Nov 2026
    assert year["points"][-1] == {"at": "2026-11", "created": 7, "done": 0, "satisfaction": None}
    op = web.login("manager")
    page = op.get("/stats?first=2026-11-23&last=2026-11-23&group_by=location").text
    assert "By the hour" in page and "1号楼 F3 病房" in page  # the manager reads English


def test_the_queue_panel_counts_todays_calls_as_its_contract_says(web: Web) -> None:
    from web.wallboard import calls_today, queue_panel

    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    waits = [5, 12, 20, 21, 40]
    with web.deps.store.session() as s:
        for i, w in enumerate(waits):
            record_call(s, CallFacts(uniqueid=f"a{i}", started_at=now - timedelta(minutes=10 + i),
                                     outcome="answered", wait_s=w))
        for i in range(2):
            record_call(s, CallFacts(uniqueid=f"x{i}", started_at=now - timedelta(minutes=3), outcome="abandoned"))
        record_call(s, CallFacts(uniqueid="ivr", started_at=now - timedelta(minutes=2), outcome="ended_in_ivr"))
        record_call(s, CallFacts(uniqueid="old", started_at=now - timedelta(hours=11), outcome="answered", wait_s=3))
        got = calls_today(s, now, SH)
        panel = queue_panel(s, now, SH, {"calls_waiting": 3, "longest_wait_s": 50.5,
                                         "operators": {"Local/101": {"state": "in_call", "login": "operator"}}})
    # today in Shanghai began at 16:00 UTC the day before: "old" (15:00 UTC) is yesterday's
    assert got == {"offered_today": 7, "answered_today": 5, "answered_in_sl_today": 3, "abandoned_today": 2,
                   "sl_threshold_s": 20, "service_level": round(3 / 7, 3), "abandon_rate": round(2 / 7, 3)}
    assert (panel["logged_in"], panel["available"]) == (None, None)  # only telephony knows them
    assert panel["calls_waiting"] == 3 and panel["longest_wait_s"] == 50.5
    # the member by its desk log-in's display name (conftest: operator is "Operator Li")
    assert panel["operators"] == [{"login": "operator", "member": "Local/101", "name": "Operator Li",
                                   "state": "in_call", "paused": False, "reason": ""}]


def test_the_periodic_refresh_never_carries_telephonys_live_figures(web: Web) -> None:
    # the screens take calls waiting and operators' states from telephony's own events; a
    # snapshot of them taken a moment before must not overwrite a newer state
    feed = web.client.app.state.web.feed
    web.deps.hub.publish_wallboard({"calls_waiting": 1, "answered_today": 99,
                                    "operators": {"Local/101": {"state": "idle", "login": "operator"}}})
    sent = feed.periodic(feed.wallboard_figures())
    assert set(sent) == {"tickets", "queue", "hourly"}
    assert set(sent["queue"]) == {"offered_today", "answered_in_sl_today", "abandoned_today", "sl_threshold_s",
                                  "service_level", "abandon_rate"}  # answered_today: telephony's, live
    assert feed.wallboard_figures()["queue"]["answered_today"] == 99  # the page's first view has it
