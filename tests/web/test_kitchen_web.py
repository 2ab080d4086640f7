"""The kitchen's day at the desk: each meal's state and production summary, a reprint, and
the meal statistics with their export, in both languages."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import func, select

from ticketing.model import MenuItem, OrgUnit, PrintJob
from ticketing.service import NewTicket

from .conftest import Web

DAY = date(2026, 11, 23)


def _day(web: Web) -> None:
    with web.deps.store.session() as s:
        s.add(OrgUnit(code="D03", name="骨科", name_en="Orthopaedics", kind="department"))
        s.add_all([MenuItem(code="L1", name="红烧鱼", name_en="Braised fish", menu_date=DAY, meal="lunch",
                            price=Decimal("15.00"), cutoff="10:00"),
                   MenuItem(code="L2", name="清蒸鸡胸", menu_date=DAY, meal="lunch", diet="diabetic",
                            price=Decimal("18.00"), cutoff="10:00"),
                   MenuItem(code="D1", name="蒸蛋", menu_date=DAY, meal="dinner", diet="soft",
                            price=Decimal("6.00"), cutoff="15:30")])
    for items in ([("L1", 2), ("L2", 1)], [("L2", 2)]):
        web.deps.service.accept("li", NewTicket(service_type="meals", org_code="D03", details={"meal": {
            "items": [{"code": c, "qty": q} for c, q in items], "delivery_time": "11:30"}}))
    web.deps.clock.set(datetime(2026, 11, 23, 10, 5, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC))
    assert web.deps.service.print_kitchen_summaries() == [(DAY, "lunch")]


def test_the_kitchen_sees_each_meals_state_and_summary_and_reprints_it(web: Web) -> None:
    _day(web)
    operator = web.login("operator")
    meals = {m["meal"]: m for m in operator.get("/api/kitchen/day").json()["meals"]}
    assert (meals["lunch"]["state"], meals["lunch"]["print_status"]) == ("printed", "queued")
    assert meals["dinner"]["state"] == "open"
    lunch = meals["lunch"]["summary"]
    assert (lunch["orders"], lunch["portions"], lunch["amount"]) == (2, 5, "84.00")
    page = operator.get("/kitchen").text
    assert "已截止，备餐单已打印" in page and "接单中" in page and "糖尿病饮食" in page and "×3" in page
    en = web.login("manager", client=web.new_client()).get("/kitchen").text
    assert "Closed, summary printed" in en and "Braised fish" in en and "Diabetic" in en
    assert operator.post("/api/kitchen/reprint", json={"day": "2026-11-23", "meal": "lunch"}).status_code == 200
    refused = operator.post("/api/kitchen/reprint", json={"day": "2026-11-23", "meal": "dinner"})
    assert refused.status_code == 400 and "prints at the cut-off" in refused.json()["detail"]
    viewer = web.login("viewer", client=web.new_client())
    assert viewer.post("/api/kitchen/reprint", json={"day": "2026-11-23", "meal": "lunch"}).status_code == 403
    with web.deps.store.session() as s:
        assert s.scalar(select(func.count()).select_from(PrintJob).where(PrintJob.kind == "prep")) == 2
    board = operator.get("/board").text
    assert "今日备餐" in board and "份数 5" in board


def test_meal_statistics_and_their_export_speak_the_users_language(web: Web) -> None:
    _day(web)
    lead = web.login("lead")
    got = lead.get("/api/stats/meals?first=2026-11-23&last=2026-11-23&group_by=dish").json()
    assert [(r["label"], r["portions"], r["amount"]) for r in got["rows"]] == [
        ("清蒸鸡胸", 3, "54.00"), ("红烧鱼", 2, "30.00")]
    assert got["totals"]["orders"] == 2
    page = lead.get("/stats/meals?first=2026-11-23&last=2026-11-23&group_by=diet").text
    assert "糖尿病饮食" in page and "普食" in page and ">diabetic<" not in page
    xlsx = lead.get("/api/stats/meals/export?first=2026-11-23&last=2026-11-23&group_by=meal&fmt=xlsx")
    summary, lines = (list(ws.iter_rows(values_only=True)) for ws in load_workbook(io.BytesIO(xlsx.content)).worksheets)
    assert summary[0][:3] == ("分组", "订单数", "份数") and summary[1][:4] == ("午餐", 2, 5, "84.00")
    assert summary[-1][0] == "合计" and len(lines) == 1 + 3 and lines[1][1] == "午餐"
    text = lead.get("/api/stats/meals/export?first=2026-11-23&last=2026-11-23&group_by=ward&fmt=csv")
    rows = list(csv.reader(io.StringIO(text.content.decode("utf-8-sig"))))
    assert rows[1][:3] == ["骨科", "2", "5"]
    assert web.login("operator", client=web.new_client()).get("/api/stats/meals/export").status_code == 403
    bad = lead.get("/api/stats/meals?first=2026-01-01&last=2027-11-23")
    assert bad.status_code == 400
