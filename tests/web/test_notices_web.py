"""Outage notices over the web: leads make them (times in the center's zone), preview who they
reach, see who got each SMS and cancel them; viewers read them with the numbers masked; a bad
field is a 400 that names it."""

from __future__ import annotations

import re

from ticketing.model import SmsOut, Staff

from .conftest import Web

BODY = {"kind": "water", "starts_at": "2026-11-25T22:00", "ends_at": "2026-11-26T06:00",
        "text": "请提前储水", "floors": [{"building": "1号楼", "floor": "3"}], "departments": ["D02"]}


def _heads(web: Web) -> None:
    with web.deps.store.session() as s:
        s.add_all([Staff(code="H-D01", name="心内护士长", org_code="D01", role="ward_head", phone="13600000001"),
                   Staff(code="H-D02", name="ICU护士长", org_code="D02", role="ward_head", phone="13600000002")])


def test_a_lead_makes_previews_and_cancels_a_notice(web: Web) -> None:
    _heads(web)
    lead = web.login("lead")
    who = lead.post("/api/notices/preview", json=BODY)
    assert who.status_code == 200
    assert [(d["code"], [c["name"] for c in d["contacts"]]) for d in who.json()["departments"]] == [
        ("D01", ["心内护士长"]), ("D02", ["ICU护士长"])]
    made = lead.post("/api/notices", json=BODY)
    assert made.status_code == 201, made.text
    # 22:00 in Shanghai is 14:00 UTC; the SMS go 24 hours ahead
    assert made.json()["send_at"] == "2026-11-24T14:00:00+00:00" and made.json()["sms"] == 2
    notice_id = made.json()["id"]
    listed = lead.get("/api/notices").json()
    assert [(n["id"], n["sms"], n["departments"]) for n in listed["rows"]] == [(notice_id, 2, 2)]
    detail = lead.get(f"/api/notices/{notice_id}").json()
    assert [(r["department"], r["number"], r["state"]) for r in detail["recipients"]] == [
        ("心内科", "13600000001", "scheduled"), ("ICU", "13600000002", "scheduled")]
    viewer = web.login("viewer", client=web.new_client())
    assert [r["number"] for r in viewer.get(f"/api/notices/{notice_id}").json()["recipients"]] == [
        "136****0001", "136****0002"]
    page = viewer.get(f"/notices/{notice_id}").text
    assert "136****0001" in page and "13600000001" not in page and 'id="notice-cancel"' not in page
    assert viewer.post(f"/api/notices/{notice_id}/cancel", json={}).status_code == 403
    operator = web.login("operator", client=web.new_client())
    assert operator.post("/api/notices", json=BODY).status_code == 403
    cancelled = lead.post(f"/api/notices/{notice_id}/cancel", json={"reason": "改期"})
    assert cancelled.json() == {"id": notice_id, "sms_stopped": 2, "told": 0}
    with web.deps.store.session() as s:
        assert {m.status for m in s.query(SmsOut)} == {"cancelled"}
    assert lead.post(f"/api/notices/{notice_id}/cancel", json={}).status_code == 400
    assert lead.post("/api/notices/999/cancel", json={}).status_code == 404
    assert lead.get("/api/notices/999").status_code == 404


def test_bad_notices_are_refused_naming_the_field(web: Web) -> None:
    lead = web.login("lead")
    for change, words in (({"starts_at": "tomorrow"}, "starts_at: 'tomorrow' is not a date"),
                          ({"kind": "steam"}, "kind: 'steam'"),
                          ({"floors": [], "departments": []}, "buildings: name the buildings"),
                          ({"departments": ["ZZ"]}, "departments: unknown department code 'ZZ'")):
        resp = lead.post("/api/notices", json=BODY | change)
        assert resp.status_code == 400 and resp.json()["detail"].startswith(words), resp.text
    assert lead.post("/api/notices", json=BODY | {"colour": "red"}).status_code == 422


def test_the_notice_pages_speak_both_languages(web: Web) -> None:
    _heads(web)
    lead = web.login("lead")
    notice_id = lead.post("/api/notices", json=BODY).json()["id"]
    for client, words in ((lead, ("停水", "待发送", "心内护士长")),
                          (web.login("manager", client=web.new_client()), ("Water cut", "Scheduled"))):
        for path in ("/notices", f"/notices/{notice_id}"):
            page = client.get(path)
            assert page.status_code == 200
            text = re.sub(r"<[^>]+>", " ", page.text)
            assert all(w in text for w in words if path.endswith(str(notice_id))), path
            raw = re.findall(r"\b(?:notice|noticekind|noticestate|smsstate)[:_][a-z_]+\b", text)
            assert raw == [], (path, raw)
    form = lead.get("/notices").text
    assert 'id="notice-form"' in form and 'value="1号楼"' in form
