"""The 考核 pages and their API: the lead grades with reasons, the rankings and the report
download, complaints through their steps, my cases with handover, campaigns and the opt-out
list — each route with its one permission, numbers masked for viewers, every page in both
languages without raw codes."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from ticketing.audit import history
from ticketing.model import AuditLog

from .conftest import Web


def _ticket(c: object, **extra: object) -> int:
    body = {"service_type": "repair", "location_code": "10305", "reporter_phone": "13912345678",
            "description": "灯不亮", **extra}
    r = c.post("/api/tickets", json=body)  # type: ignore[attr-defined]
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _called_back(web: Web) -> int:
    op = web.login("operator")
    tid = _ticket(op)
    assert op.post(f"/api/tickets/{tid}/dispatch", json={"staff_codes": ["W001"]}).status_code == 200
    web.deps.clock.advance(minutes=5)  # type: ignore[attr-defined]
    web.deps.service.worker_accept("sms:W001", tid, "W001")
    web.deps.clock.advance(minutes=30)  # type: ignore[attr-defined]
    assert op.post(f"/api/tickets/{tid}/complete", json={}).status_code == 200
    assert op.post(f"/api/tickets/{tid}/callback", json={"score": 4}).status_code == 200
    return tid


def test_a_lead_grades_with_reasons_and_the_rankings_show_it(web: Web) -> None:
    tid = _called_back(web)
    op = web.login("operator", client=web.new_client())
    assert op.post(f"/api/tickets/{tid}/assess", json={"grade": "good"}).status_code == 403
    lead = web.login("lead", client=web.new_client())
    pending = lead.get("/api/assessment/pending").json()
    assert [r["id"] for r in pending["rows"]] == [tid] and pending["rows"][0]["worker"] == "王师傅"
    page = lead.get("/assessment/grade")
    assert page.status_code == 200 and f"#{tid}" in page.text and "良" in page.text
    bad = lead.post(f"/api/tickets/{tid}/assess", json={"grade": "poor"})
    assert bad.status_code == 400 and "needs its reasons" in bad.json()["detail"]
    unknown = lead.post(f"/api/tickets/{tid}/assess", json={"grade": "A+", "reasons": ["x"]})
    assert unknown.status_code == 400 and "grade must be one of" in unknown.json()["detail"]
    ok = lead.post(f"/api/tickets/{tid}/assess", json={"grade": "poor", "reasons": ["超时", "未清理"]})
    assert ok.status_code == 200 and ok.json()["assessment_grade"] == "poor"
    assert lead.get("/api/assessment/grades").json()[0] == {
        "key": "excellent", "name": "优", "min": 90.0, "points": 100.0, "reasons_required": False}
    ranks = lead.get("/api/assessment/rankings?month=2026-11&level=worker").json()
    (w001,) = [r for r in ranks["rows"] if r["key"] == "W001"]
    assert (w001["name"], w001["tickets"], w001["graded"]) == ("王师傅", 1, {"poor": 1})
    assert lead.get("/api/assessment/rankings?month=2026-13").status_code == 400
    assert "month must be YYYY-MM" in lead.get("/api/assessment/rankings?month=13-2026").json()["detail"]
    team = lead.get("/api/assessment/rankings?month=2026-11&level=team").json()
    assert [r["key"] for r in team["rows"]] == ["T01"]
    html = lead.get("/stats/assessment?month=2026-11&level=worker")
    assert html.status_code == 200 and "王师傅" in html.text and 'data-chart-kind="trend"' in html.text


def test_the_report_downloads_for_leads_and_managers_only_and_is_audited(web: Web) -> None:
    _called_back(web)
    op = web.login("operator")
    assert op.get("/api/assessment/report?month=2026-11").status_code == 403
    manager = web.login("manager", client=web.new_client())  # the manager reads English
    xlsx = manager.get("/api/assessment/report?month=2026-11&fmt=xlsx")
    assert xlsx.status_code == 200 and "onestop-assessment-2026-11.xlsx" in xlsx.headers["content-disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[0] == "Summary" and book["Summary"]["B6"].value == 1
    pdf = manager.get("/api/assessment/report?month=2026-11&fmt=pdf&lang=zh-CN")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    with web.deps.store.session() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.entity == "export",
                                                AuditLog.entity_key == "assessment:2026-11")).all()
    assert [(r.actor, r.after["format"]) for r in rows] == [("manager", "xlsx"), ("manager", "pdf")]


def test_a_complaint_through_its_steps_from_the_desk(web: Web) -> None:
    op = web.login("operator")
    tid = _ticket(op, service_type="complaint", description="维修师傅态度差",
                  details={"complaint": {"target_kind": "worker", "target_code": "W001", "severity": "serious"}})
    assert op.post(f"/api/tickets/{tid}/complaint/investigate", json={"note": "已致电"}).status_code == 200
    assert op.post(f"/api/tickets/{tid}/complaint/conclude",
                   json={"outcome": "justified", "finding": "属实"}).status_code == 403
    bad = op.post(f"/api/tickets/{tid}/complaint/target", json={"kind": "worker", "code": "W999"})
    assert bad.status_code == 400 and "W999" in bad.json()["detail"]
    assert op.post(f"/api/tickets/{tid}/complaint/target", json={"kind": "nurse", "code": "x"}).status_code == 422
    lead = web.login("lead", client=web.new_client())
    done = lead.post(f"/api/tickets/{tid}/complaint/conclude", json={"outcome": "justified", "finding": "属实"})
    assert done.status_code == 200 and done.json()["details"]["complaint"]["outcome"] == "justified"
    early = op.post(f"/api/tickets/{tid}/complete", json={})
    assert early.status_code == 400 and "reply" in early.json()["detail"]
    assert op.post(f"/api/tickets/{tid}/complaint/reply", json={"channel": "sms", "text": "已处理"}).status_code == 200
    assert op.post(f"/api/tickets/{tid}/complete", json={}).status_code == 200
    listed = op.get("/api/complaints?state=closed").json()["rows"]
    assert [(r["id"], r["target"], r["outcome"], r["replied"]) for r in listed] == [(tid, "王师傅", "justified", True)]
    page = op.get(f"/complaints/{tid}")
    assert page.status_code == 200 and "属实" in page.text and "王师傅" in page.text
    assert op.get("/complaints?state=all").status_code == 200
    assert op.get(f"/complaints/{_ticket(op)}").status_code == 404  # a repair is not a complaint
    viewer = web.login("viewer", client=web.new_client())
    rows = viewer.get("/api/complaints?state=all").json()["rows"]
    assert rows[0]["phone"] == "139****5678" and "13912345678" not in viewer.get("/complaints?state=all").text


def test_my_cases_notices_and_handover(web: Web) -> None:
    op = web.login("operator")
    mine = _ticket(op)
    web.deps.clock.advance(minutes=40)  # type: ignore[attr-defined]
    web.deps.service.sweep_overdue()
    data = op.get("/api/my-cases").json()
    assert [c["id"] for c in data["cases"]] == [mine] and data["cases"][0]["overdue"] is True
    assert [(n["ticket_id"], n["kind"]) for n in data["notices"]] == [(mine, "breach")]
    assert op.get("/desk/mine").status_code == 200
    users = [u["username"] for u in op.get("/api/desk-users").json()]
    assert "dispatcher" in users and "viewer" not in users
    assert op.post(f"/api/tickets/{mine}/handover", json={"to": "dispatcher", "reason": ""}).status_code == 422
    moved = op.post(f"/api/tickets/{mine}/handover", json={"to": "dispatcher", "reason": "换班"})
    assert moved.status_code == 200 and moved.json()["operator"] == "dispatcher"
    again = op.post(f"/api/tickets/{mine}/handover", json={"to": "operator", "reason": "要回来"})
    assert again.status_code == 400 and "only its owner or a lead" in again.json()["detail"]
    lead = web.login("lead", client=web.new_client())
    assert lead.post(f"/api/tickets/{mine}/handover", json={"to": "operator", "reason": "回到首问人"}).status_code == 200
    with web.deps.store.session() as s:
        assert [r.after["note"] for r in history(s, "ticket", mine) if r.action == "handover"] == ["换班", "回到首问人"]
    viewer = web.login("viewer", client=web.new_client())
    assert viewer.get("/desk/mine").status_code == 403 and viewer.get("/api/my-cases").status_code == 403


def test_campaigns_and_the_opt_out_list(web: Web) -> None:
    op = web.login("operator")
    tid = _ticket(op)
    assert op.post(f"/api/tickets/{tid}/complete", json={}).status_code == 200
    spec = {"name": "维修满意度", "channel": "sms", "audience": "requesters", "service_types": ["repair"]}
    assert op.post("/api/campaigns", json=spec).status_code == 403
    manager = web.login("manager", client=web.new_client())
    assert manager.post("/api/campaigns", json={**spec, "quiet_start": "9pm"}).status_code == 422
    made = manager.post("/api/campaigns", json=spec)
    assert made.status_code == 200, made.text
    cid = made.json()["campaign"]["id"]
    started = manager.post(f"/api/campaigns/{cid}/start").json()
    assert started["campaign"]["status"] == "running" and started["results"]["total"]["targets"] == 1
    web.deps.service.run_campaigns()
    got = web.deps.service.handle_inbound_sms("m1", "13912345678", "5", None, web.deps.clock.now())
    assert got.outcome == "acted"
    detail = op.get(f"/api/campaigns/{cid}").json()
    assert detail["results"]["total"]["answered"] == 1 and detail["results"]["by_service"][0]["name"] == "维修"
    assert op.get(f"/campaigns/{cid}").status_code == 200 and op.get("/campaigns").status_code == 200
    assert manager.post(f"/api/campaigns/{cid}/status", json={"status": "paused"}).status_code == 400  # done
    assert op.post("/api/requesters/opt-out", json={"number": "139-1234-5678"}).json() == {"changed": True}
    assert op.post("/api/requesters/opt-out", json={"number": "13912345678"}).json() == {"changed": False}
    assert op.post("/api/requesters/opt-out", json={"number": "<script>"}).status_code == 422
    viewer = web.login("viewer", client=web.new_client())
    assert viewer.get("/api/requesters/opted-out").json()["rows"][0]["number"] == "139****5678"
    assert op.get("/api/requesters/opted-out").json()["rows"][0]["number"] == "13912345678"
    assert op.post("/api/requesters/opt-in", json={"number": "13912345678"}).json() == {"changed": True}


# the codes behind the words these pages show (lower case: the English words are capitalised;
# "worker", "department"… are English words too, so only the Chinese pages are checked for them)
RAW = re.compile(r"\b(excellent|good|fair|poor|justified|unjustified|serious|minor|running|paused|draft|"
                 r"called_back|in_progress|breach|handed_over|sms|ivr)\b")
RAW_IN_CHINESE = re.compile(r"\b(worker|team|department|service|requesters|departments|normal|done)\b")


@pytest.mark.parametrize("who", ["lead", "manager"])  # zh-CN and English
def test_every_page_in_both_languages_shows_names_not_codes(web: Web, who: str) -> None:
    _called_back(web)
    c = web.login(who)
    op = web.login("operator", client=web.new_client())
    cmp = _ticket(op, service_type="complaint", details={"complaint": {"target_kind": "worker",
                                                                       "target_code": "W001"}})
    cid = c.post("/api/campaigns", json={"name": "x", "channel": "ivr", "audience": "departments",
                                         "org_codes": ["D01"]}).json()["campaign"]["id"]
    for url in ("/stats/assessment?month=2026-11", "/stats/assessment?month=2026-11&level=team",
                "/stats/assessment?month=2026-11&level=department", "/assessment/grade", "/complaints",
                f"/complaints/{cmp}", "/campaigns", f"/campaigns/{cid}", "/desk/mine"):
        page = c.get(url)
        assert page.status_code == 200, (url, page.text[:300])
        html = re.sub(r'data-[a-z-]+="[^"]*"|data-chart=\'[^\']*\'', " ", page.text)  # the page's data, not text
        visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S))
        raw = RAW.findall(visible) + (RAW_IN_CHINESE.findall(visible) if who == "lead" else [])
        assert not raw, (url, raw[:5])
    assert ("Monthly assessment" if who == "manager" else "月度考核") in c.get("/stats/assessment").text


def test_a_retried_complaint_step_or_handover_acts_once(web: Web) -> None:
    op = web.login("operator")
    tid = _ticket(op, service_type="complaint", description="送餐太慢")
    key = {"Idempotency-Key": "note-1"}
    first = op.post(f"/api/tickets/{tid}/complaint/investigate", json={"note": "已致电"}, headers=key)
    again = op.post(f"/api/tickets/{tid}/complaint/investigate", json={"note": "已致电"}, headers=key)
    assert first.status_code == again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert first.json()["details"]["complaint"]["notes"] == again.json()["details"]["complaint"]["notes"]
    assert len(first.json()["details"]["complaint"]["notes"]) == 1
    key = {"Idempotency-Key": "hand-1"}
    for _ in range(2):
        moved = op.post(f"/api/tickets/{tid}/handover", json={"to": "dispatcher", "reason": "换班"}, headers=key)
        assert moved.status_code == 200 and moved.json()["operator"] == "dispatcher"
    with web.deps.store.session() as s:
        assert [r.after["note"] for r in history(s, "ticket", tid) if r.action == "handover"] == ["换班"]
