"""Escorts at the desk: booked through the API with their form, the patient masked for
viewers, the day's list, the statistics and their export without patient names."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from ticketing.model import Location

from .conftest import Web

BODY = {"service_type": "transport", "location_code": "10306", "source": "desk",
        "details": {"escort": {"patient_name": "张三丰", "bed": "12床", "from": "10306", "to": "30101",
                               "appointment": "2026-11-23T14:00", "conveyance": "bed", "oxygen": True,
                               "isolation": "airborne", "exam": "CT"}}}


def _book(web: Web) -> int:
    with web.deps.store.session() as s:
        s.add(Location(code="30101", campus="本部", building="医技楼", floor="1", room="101", name="CT室"))
    made = web.login("operator").post("/api/tickets", json=BODY)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def test_an_escort_is_booked_with_its_form_and_the_patient_is_masked_for_viewers(web: Web) -> None:
    tid = _book(web)
    operator = web.login("operator")
    got = operator.get(f"/api/tickets/{tid}").json()
    e = got["details"]["escort"]
    assert (e["patient_name"], e["to"]["name"], e["conveyance"], e["isolation"]) == ("张三丰", "CT室", "bed", "airborne")
    local = ZoneInfo("Asia/Shanghai")
    assert datetime.fromisoformat(got["completion_due"]) == datetime(2026, 11, 23, 14, 0, tzinfo=local).astimezone(UTC)
    page = operator.get(f"/desk/tickets/{tid}").text
    assert "平车 + 带氧气" in page and "空气隔离" in page and "张三丰" in page
    viewer = web.login("viewer", client=web.new_client())
    assert viewer.get(f"/api/tickets/{tid}").json()["details"]["escort"]["patient_name"] == "张**"
    assert "张三丰" not in viewer.get(f"/desk/tickets/{tid}").text
    assert "张**" in viewer.get("/escort").text and "张三丰" not in viewer.get("/escort").text
    listing = operator.get("/api/escorts").json()["escorts"]
    assert [(r["ticket_id"], r["patient_name"], r["conveyance"]) for r in listing] == [(tid, "张三丰", "bed")]
    bad = operator.post("/api/tickets", json={**BODY, "details": {"escort": {**BODY["details"]["escort"],
                                                                          "to": "99999"}}})
    assert bad.status_code == 400 and "to: unknown location code '99999'" in bad.json()["detail"]
    wrong = operator.post("/api/tickets", json={**BODY, "details": {"escort": {**BODY["details"]["escort"],
                                                                            "conveyance": "boat"}}})
    assert wrong.status_code == 422 and "conveyance" in str(wrong.json()["detail"])


def test_the_escort_pages_and_statistics_speak_both_languages_and_export_no_names(web: Web) -> None:
    tid = _book(web)
    zh = web.login("operator")
    page = zh.get("/escort").text
    assert f"#{tid}" in page and "平车" in page and "预约陪检" in page
    en = web.login("manager", client=web.new_client())
    assert "Bed / stretcher" in en.get("/escort").text
    stats = en.get("/api/stats/escort?first=2026-11-23&last=2026-11-23&group_by=isolation").json()
    assert [(r["label"], r["requests"]) for r in stats["rows"]] == [("Airborne", 1)]
    assert stats["totals"]["oxygen"] == 1
    assert "By conveyance" in en.get("/stats/escort?first=2026-11-23&last=2026-11-23").text
    xlsx = web.login("lead", client=web.new_client()).get(
        "/api/stats/escort/export?first=2026-11-23&last=2026-11-23&group_by=conveyance&fmt=xlsx")
    summary, detail = (list(ws.iter_rows(values_only=True)) for ws in load_workbook(io.BytesIO(xlsx.content)).worksheets)
    assert summary[0][:2] == ("分组", "预约数") and summary[1][:2] == ("平车", 1)
    assert detail[1][0] == tid and detail[1][4] == "平车" and detail[1][7] == "受理"
    assert not any("张三丰" in str(cell) for row in detail for cell in row)
