"""Viewers never see a caller's or a worker's number: not in the fields that hold one, nor in
the free text around it — work-order SMS, replies, timeline notes, descriptions, comments,
the slip, the wallboard's operators, the event streams — on every route and page they may
open; and they cannot confirm a number by searching for it."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from modem.templates import SmsComposer
from ticketing.calls import CallFacts, record_call
from ticketing.model import Staff
from ticketing.service import CampaignSpec, TicketService, WorkerReply
from web.masking import mask_text, redact
from web.server import ThreadedServer

from .conftest import Web

CALLER = "13800000009"
WORKER = "13800000001"  # W001's mobile (tests/ticketing/factories.py)
IN_TEXT = ("13900000077", "010-62345678", "139 0000 0066")
EXTENSION = "6187"  # an internal caller: four digits, masked because it is the reporter's


def _full_numbers(text: str) -> list[str]:
    """Every number of the story that shows in full in ``text``."""
    found = [n for n in (CALLER, WORKER, *IN_TEXT) if n in text]
    found += re.findall(rf"(?<!\d){EXTENSION}(?!\d)", text)
    digits_only = re.sub(r"[\s-]", "", text)
    found += [n for n in ("01062345678", "13900000066") if n in digits_only]
    return found


@pytest.fixture
def composer() -> SmsComposer:
    """The real SMS templates: a work order quotes the caller's number."""
    return SmsComposer()


@pytest.fixture
def story(web: Web) -> dict[str, int]:
    """Tickets whose numbers are everywhere: fields, descriptions, SMS both ways, notes."""
    service: TicketService = web.deps.service
    op = web.login("operator", client=web.new_client())
    lead = web.login("lead", client=web.new_client())
    tk = op.post("/api/tickets", json={
        "service_type": "repair", "location_code": "10305", "reporter_phone": CALLER,
        "reporter_name": "王护士", "description": f"灯不亮，另请回电{IN_TEXT[0]}或{IN_TEXT[1]}"}).json()
    tid = tk["id"]
    assert op.post(f"/api/tickets/{tid}/dispatch", json={"staff_codes": ["W001"]}).status_code == 200
    service.handle_inbound_sms("modem1", WORKER, f"{tid} 接单 到了打{IN_TEXT[2]}",
                               WorkerReply("accept", tid), datetime(2026, 11, 23, 1, 5, tzinfo=UTC))
    assert op.post(f"/api/tickets/{tid}/complete",
                   json={"note": f"已告知 {CALLER}，换了灯管"}).status_code == 200
    assert lead.post(f"/api/tickets/{tid}/reopen", json={"reason": f"{CALLER} 又来电"}).status_code == 200
    ext = op.post("/api/tickets", json={"service_type": "repair", "location_code": "10305",
                                        "reporter_phone": EXTENSION, "description": "门锁坏了"}).json()
    assert op.post(f"/api/tickets/{ext['id']}/dispatch", json={"staff_codes": ["W001"]}).status_code == 200
    with web.deps.store.session() as s:
        record_call(s, CallFacts(uniqueid="1700000000.1", caller_num=CALLER, caller_name="王护士",
                                 started_at=datetime(2026, 11, 23, 1, 0, tzinfo=UTC)))
    # 考核: a complaint naming a number, a campaign that asked the caller, who then opts out
    complaint = op.post("/api/tickets", json={
        "service_type": "complaint", "location_code": "10305", "reporter_phone": "13900000066",
        "description": f"师傅态度差，请回电{IN_TEXT[0]}"}).json()["id"]
    assert op.post(f"/api/tickets/{complaint}/complaint/investigate",
                   json={"note": f"已致电{IN_TEXT[1]}"}).status_code == 200
    with web.deps.store.session() as s:
        worker_org = s.scalar(select(Staff.org_code).where(Staff.code == "W001"))
    campaign = service.create_campaign("lead", CampaignSpec("回访", "sms", "departments", (worker_org,)))
    service.start_campaign("lead", campaign)
    service.run_campaigns()
    service.handle_inbound_sms("modem1", CALLER, "TD", None, datetime(2026, 11, 23, 1, 10, tzinfo=UTC))
    web.deps.hub.publish_wallboard({"operators": {f"SIP/{WORKER}": {"state": "idle"}},
                                    "calls_waiting": 1})
    return {"ticket": tid, "extension": ext["id"], "complaint": complaint, "campaign": campaign}


def _get_routes(web: Web) -> list[str]:
    spec = web.client.get("/openapi.json").json()
    return [p for p, item in spec["paths"].items() if "get" in item
            and p not in ("/api/events", "/api/wallboard/events")]


def _fill(path: str, story: dict[str, int]) -> str:
    fill = {"ticket_id": str(story["ticket"]), "kind": "staff", "key": "W001", "entity": "ticket",
            "username": "viewer", "photo_id": "1", "plan_code": "PM-1", "notice_id": "1",
            "uniqueid": "1700000000.1", "doc_id": "1",
            "campaign_id": str(story["campaign"]), "complaint_id": str(story["complaint"]),
            "subscription_id": "1", "delivery_id": "1"}
    return re.sub(r"\{(\w+)\}", lambda m: fill[m.group(1)], path)


PAGES = ["/board", "/board/part", "/wallboard", "/wallboard/part", "/stats", "/desk/tickets/{ticket_id}",
         "/maintenance", "/notices", "/board/maintenance/part",
         "/stats/assessment", "/assessment/grade", "/complaints?state=all", "/complaints/{complaint_id}",
         "/campaigns", "/campaigns/{campaign_id}", "/desk/mine", "/api/complaints?state=all"]


def _everything(web: Web, c: TestClient, story: dict[str, int]) -> dict[str, str]:
    """What ``c`` is shown by every GET route and page it may open."""
    shown: dict[str, str] = {}
    urls = [_fill(p, story) for p in _get_routes(web) + PAGES]
    urls += [f"/api/tickets/{story['extension']}", f"/desk/tickets/{story['extension']}",
             f"/api/tickets/{story['extension']}/slip", "/api/stats/summary?group_by=operator",
             "/api/tickets/search?q=灯"]
    for url in urls:
        resp = c.get(url, follow_redirects=False)
        if resp.status_code == 200:
            shown[url] = resp.text
    return shown


def test_an_operator_sees_the_numbers(web: Web, story: dict[str, int]) -> None:
    op = web.login("operator", client=web.new_client())
    seen = " ".join(_everything(web, op, story).values())
    assert set(_full_numbers(seen)) >= {CALLER, WORKER, *IN_TEXT, EXTENSION}


def test_a_viewer_sees_no_number_on_any_route_or_page(web: Web, story: dict[str, int]) -> None:
    viewer = web.login("viewer", client=web.new_client())
    shown = _everything(web, viewer, story)
    assert f"/api/tickets/{story['ticket']}" in shown and "/board" in shown  # it did look
    leaks = {url: _full_numbers(text) for url, text in shown.items() if _full_numbers(text)}
    assert leaks == {}
    detail = json.loads(shown[f"/api/tickets/{story['ticket']}"])
    assert detail["reporter_phone"] == "138****0009"
    assert any("138****0009" in m["text"] for m in detail["sms"])  # masked, not dropped
    assert "139****0077" in detail["description"]
    assert any("138****0009" in e["note"] for e in detail["timeline"])
    ext = json.loads(shown[f"/api/tickets/{story['extension']}"])
    assert ext["reporter_phone"] == "6***" and any("6***" in m["text"] for m in ext["sms"])


def test_a_viewer_cannot_search_by_number(web: Web, story: dict[str, int]) -> None:
    viewer = web.login("viewer", client=web.new_client())
    op = web.login("operator", client=web.new_client())
    for q in (CALLER, "138-0000-0009", "+86 13800000009", "电话13800000009", "62345678"):
        resp = viewer.get("/api/tickets/search", params={"q": q})
        assert resp.status_code == 403 and "number" in resp.json()["detail"], q
    assert [t["id"] for t in op.get("/api/tickets/search", params={"q": CALLER}).json()] == [story["ticket"]]
    # a short number is a ticket number or a location code to a viewer, never a caller's
    assert op.get("/api/tickets/search", params={"q": EXTENSION}).json()
    assert viewer.get("/api/tickets/search", params={"q": EXTENSION}).json() == []
    found = viewer.get("/api/tickets/search", params={"q": f"#{story['extension']}"}).json()
    assert [t["id"] for t in found] == [story["extension"]]
    assert viewer.get("/api/tickets/search", params={"q": "10305"}).status_code == 200


# --- event streams, per role ---------------------------------------------------------------

def _first_events(server: ThreadedServer, cookie: str, path: str, publish: Any,
                  wanted: int) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    event = ""
    deadline = time.monotonic() + 15
    with httpx.Client(base_url=server.url, cookies={"onestop_session": cookie}, timeout=15) as h, \
            h.stream("GET", path) as resp:
        for line in resp.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event != "ping":
                out.append((event, json.loads(line.split(":", 1)[1])))
                if event == "hello":
                    publish()
            if len(out) >= wanted or time.monotonic() > deadline:
                break
    return out


def test_event_streams_mask_numbers_for_viewers_only(web: Web, web_served: ThreadedServer) -> None:
    hub = web.deps.hub
    hub.publish_wallboard({"operators": {f"Local/{WORKER}@from-internal": {"state": "idle"}}})
    figures = {"operators": {f"SIP/{CALLER}": {"state": "ringing"}}, "calls_waiting": 2}
    viewer = web.login("viewer", client=web.new_client())
    got = _first_events(web_served, viewer.cookies["onestop_session"], "/api/wallboard/events",
                        lambda: hub.publish_wallboard(figures), 2)
    text = json.dumps(got, ensure_ascii=False)
    assert [e for e, _d in got] == ["hello", "wallboard"] and _full_numbers(text) == []
    assert "SIP/138****0009" in got[1][1]["operators"]
    op = web.login("operator", client=web.new_client())
    got = _first_events(web_served, op.cookies["onestop_session"], "/api/events",
                        lambda: hub.publish_wallboard(figures), 2)
    assert f"SIP/{CALLER}" in got[1][1]["operators"]


# --- the masking function ------------------------------------------------------------------

def test_mask_text_masks_number_like_runs_and_known_numbers() -> None:
    assert mask_text("请回电13800000009，谢谢") == "请回电138****0009，谢谢"
    assert mask_text("call 138-0000-0009 or +86 139 0000 0066") == "call 138****0009 or 139****0066"
    assert mask_text("座机 010-62345678") == "座机 010****5678"
    assert mask_text("分机 6123 报修", known={"6123"}) == "分机 6*** 报修"
    # not numbers: dates, times, rooms, ticket numbers, prices, short codes
    plain = "2026-11-23 09:05 3楼305室 工单#1042 ¥18.00 W001 10305"
    assert mask_text(plain) == plain
    assert mask_text("tel13800000009") == "tel138****0009"  # a mobile number wherever it stands
    assert mask_text("61234", known={"6123"}) == "61234", "a known number only as a whole run"


def test_redact_walks_keys_values_and_lists_and_leaves_other_types() -> None:
    data = {"n": 13800000009, "ok": True, "text": "13800000009",
            "ops": {"SIP/13800000001": ["13800000001", None, 1.5]}}
    assert redact(data, masked=True) == {"n": 13800000009, "ok": True, "text": "138****0009",
                                         "ops": {"SIP/138****0001": ["138****0001", None, 1.5]}}
    assert redact(data, masked=False) is data


def test_a_desk_stream_asked_for_pops_and_tickets_gets_no_wallboard_figures(web: Web, web_served: ThreadedServer) -> None:
    hub = web.deps.hub
    op = web.login("operator", client=web.new_client())

    def publish() -> None:  # the figures first: a stream that took them would list them first
        hub.publish_wallboard({"calls_waiting": 2})
        hub.publish_ticket({"id": 9, "version": 1})

    got = _first_events(web_served, op.cookies["onestop_session"], "/api/events?kinds=pop,ticket", publish, 2)
    assert [(e, d.get("id")) for e, d in got] == [("hello", None), ("ticket", 9)]
    assert op.get("/api/events?kinds=pop,weather").status_code == 422
