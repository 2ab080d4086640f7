"""Maintenance over the web: leads make plans through the API (others may only read), a bad
field is a 400 naming it, the sweep's tickets and late plans are on the board, and a round's
checklist is filled in from its page's API and closes the ticket."""

from __future__ import annotations

import re

from ticketing.fakes import FixedClock
from ticketing.model_facilities import Equipment
from web.facilities import maintenance_of

from .conftest import Web

PLAN = {"code": "PM-1", "name": "护士站空调周保养", "kind": "inspection", "equipment_code": "AC-1",
        "unit": "week", "checklist": "清洗滤网\n检查冷凝水\n检查遥控器"}


def _equipment(web: Web) -> None:
    with web.deps.store.session() as s:
        s.add(Equipment(code="AC-1", name="护士站空调", type="空调", location_code="10305"))


def test_leads_make_plans_others_read_them(web: Web) -> None:
    _equipment(web)
    lead = web.login("lead")
    made = lead.post("/api/maintenance/plans", json=PLAN)
    assert made.status_code == 201, made.text
    assert made.json()["checklist"] == ["清洗滤网", "检查冷凝水", "检查遥控器"]
    assert made.json()["first_due"] == "2026-11-23"
    for role in ("operator", "dispatcher", "viewer"):
        other = web.login(role, client=web.new_client())
        assert other.post("/api/maintenance/plans", json=PLAN | {"code": "PM-2"}).status_code == 403
        assert other.get("/api/maintenance/plans/PM-1").json()["name"] == PLAN["name"]
    listed = lead.get("/api/maintenance/plans", params={"q": "AC-1"}).json()
    assert [p["code"] for p in listed["rows"]] == ["PM-1"] and listed["page"]["total"] == 1
    assert listed["rows"][0]["target"] == "AC-1 护士站空调" and listed["rows"][0]["next_due"] == "2026-11-23"
    bad = lead.post("/api/maintenance/plans", json=PLAN | {"code": "PM-3", "every": 0})
    assert bad.status_code == 400 and bad.json()["detail"].startswith("every:")
    odd = lead.post("/api/maintenance/plans", json=PLAN | {"code": "PM-3", "colour": "red"})
    assert odd.status_code == 422 and "colour" in odd.text
    changed = web.login("manager", client=web.new_client()).patch(
        "/api/maintenance/plans/PM-1", json={"active": False})
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert lead.get("/api/maintenance/plans/PM-9").status_code == 404
    page = lead.get("/maintenance", params={"state": "all"})
    assert page.status_code == 200 and "PM-1" in page.text and "每1周" in page.text
    assert 'id="plan-form"' in page.text  # a lead may make plans
    viewer_page = web.login("viewer", client=web.new_client()).get("/maintenance/plans/PM-1")
    assert viewer_page.status_code == 200 and 'id="plan-form"' not in viewer_page.text
    assert "清洗滤网" in viewer_page.text


def test_late_maintenance_is_on_the_board_and_a_round_closes_its_ticket(web: Web) -> None:
    _equipment(web)
    clock: FixedClock = web.deps.clock  # type: ignore[assignment]
    lead = web.login("lead")
    assert lead.post("/api/maintenance/plans", json=PLAN).status_code == 201
    [made] = maintenance_of(web.client.app.state.web).sweep()
    clock.advance(days=1)  # due by the end of Monday: now Tuesday 09:00 (a new shift logs in)
    lead = web.login("lead", client=web.new_client())
    late = lead.get("/api/maintenance/overdue").json()
    assert [(t["ticket_id"], t["plan_code"], t["due_date"]) for t in late["tickets"]] == [
        (made.ticket_id, "PM-1", "2026-11-23")]
    board = lead.get("/board").text
    assert f"#{made.ticket_id}" in board and "超期保养" in board
    part = web.login("manager", client=web.new_client()).get("/board/maintenance/part").text
    assert "Overdue maintenance" in part and f"#{made.ticket_id}" in part  # the manager reads English
    page = lead.get(f"/maintenance/rounds/{made.ticket_id}")
    assert page.status_code == 200 and page.text.count('name="ok-') == 6  # 3 items × ok/not ok
    viewer = web.login("viewer", client=web.new_client())
    assert viewer.post(f"/api/maintenance/rounds/{made.ticket_id}", json={"items": []}).status_code == 403
    operator = web.login("operator", client=web.new_client())
    short = operator.post(f"/api/maintenance/rounds/{made.ticket_id}",
                          json={"items": [{"index": 1, "ok": True}], "complete": True})
    assert short.status_code == 400
    assert short.json()["message"] == f"工单 #{made.ticket_id} 是巡检工单，还有 2 项（共 3 项）未检查，不能办结：请先填写巡检清单"
    done = operator.post(f"/api/maintenance/rounds/{made.ticket_id}", json={"items": [
        {"index": 1, "ok": True}, {"index": 2, "ok": False, "note": "漏水", "repair": True},
        {"index": 3, "ok": True}], "complete": True})
    assert done.status_code == 200, done.text
    repair = done.json()["items"][1]["repair_ticket"]
    assert operator.get(f"/api/tickets/{made.ticket_id}").json()["status"] == "done"
    assert operator.get(f"/api/tickets/{repair}").json()["service_type"] == "repair"
    assert lead.get("/api/maintenance/overdue").json()["tickets"] == []
    closed = lead.get(f"/maintenance/rounds/{made.ticket_id}").text
    assert 'name="ok-' not in closed and "漏水" in closed and f"#{repair}" in closed
    assert lead.get("/api/maintenance/rounds/999").status_code == 404


def test_the_pages_show_names_not_codes(web: Web) -> None:
    _equipment(web)
    lead = web.login("lead")
    assert lead.post("/api/maintenance/plans", json=PLAN).status_code == 201
    [made] = maintenance_of(web.client.app.state.web).sweep()
    for client in (lead, web.login("manager", client=web.new_client())):  # zh-CN, en
        for path in ("/maintenance", "/maintenance/plans/PM-1", f"/maintenance/rounds/{made.ticket_id}",
                     "/board"):
            text = re.sub(r"<[^>]+>", " ", client.get(path).text)
            raw = re.findall(r"\b(?:plan|plankind|planstate|unit|sched|mprio|tstatus|round|maint|list)[:_][a-z_]+\b", text)
            assert raw == [], (path, raw)


def test_the_desks_complete_of_a_round_is_refused_and_offers_the_checklist_or_a_supervisors_close(web: Web) -> None:
    """The desk's 办结 (the API the desk's button calls) of a round with items open: a 400 in the
    user's language; the ticket's pane links its checklist; a lead closes it unfinished with a
    reason from the round's page, an operator may not."""
    _equipment(web)
    lead = web.login("lead")
    assert lead.post("/api/maintenance/plans", json=PLAN).status_code == 201
    [made] = maintenance_of(web.client.app.state.web).sweep()
    tid = made.ticket_id
    operator = web.login("operator", client=web.new_client())
    assert operator.post(f"/api/maintenance/rounds/{tid}", json={
        "items": [{"index": 2, "ok": True}], "complete": False}).status_code == 200
    refused = operator.post(f"/api/tickets/{tid}/complete", json={"note": "done"})
    assert refused.status_code == 400
    assert refused.json()["message"] == f"工单 #{tid} 是巡检工单，还有 2 项（共 3 项）未检查，不能办结：请先填写巡检清单"
    manager = web.login("manager", client=web.new_client())  # reads English
    en = manager.post(f"/api/tickets/{tid}/complete", json={})
    assert en.status_code == 400 and en.json()["message"] == (
        f"Ticket #{tid} is an inspection round with 2 of 3 items not checked: fill in its checklist before closing it")
    assert operator.get(f"/api/tickets/{tid}").json()["status"] == "accepted"
    pane = operator.get(f"/desk/tickets/{tid}/part").text
    assert f'href="/maintenance/rounds/{tid}">已检 1/3 项</a>' in pane and "检完后方可办结" in pane
    assert 'data-open="2"' in pane and 'id="act-complete"' in pane

    assert 'id="round-override"' not in operator.get(f"/maintenance/rounds/{tid}").text
    assert 'id="round-override"' in lead.get(f"/maintenance/rounds/{tid}").text
    body = {"items": [{"index": 1, "ok": True}], "reason": "配电间上锁，钥匙在保卫处"}
    assert operator.post(f"/api/maintenance/rounds/{tid}/override", json=body).status_code == 403
    short = lead.post(f"/api/maintenance/rounds/{tid}/override", json={**body, "reason": "锁"})
    assert short.status_code == 400 and short.json()["message"] == "未检完即办结须写明原因（4–500 个字）"
    closed = lead.post(f"/api/maintenance/rounds/{tid}/override", json=body)
    assert closed.status_code == 200, closed.text
    assert [i["ok"] for i in closed.json()["items"]] == [True, True, None]
    ticket = lead.get(f"/api/tickets/{tid}").json()
    assert ticket["status"] == "done"
    [step] = [e for e in ticket["timeline"] if e["action"] == "round_override"]
    assert step["actor"] == "lead" and step["note_text"] == "配电间上锁，钥匙在保卫处"
    page = lead.get(f"/desk/tickets/{tid}").text
    assert "未检完办结" in page and 'id="round-override"' not in lead.get(f"/maintenance/rounds/{tid}").text
