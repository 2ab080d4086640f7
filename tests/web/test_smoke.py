from __future__ import annotations

from .conftest import Web


def test_operator_logs_in_and_creates_and_dispatches(web: Web) -> None:
    c = web.login("operator")
    assert c.last_login.status_code == 303 and c.last_login.headers["location"] == "/desk"
    desk = c.get("/desk")
    assert desk.status_code == 200 and "受理台" in desk.text
    tk = c.post("/api/tickets", json={"service_type": "repair", "location_code": "10305",
                                      "reporter_phone": "13800000009", "description": "灯不亮"})
    assert tk.status_code == 201, tk.text
    tid = tk.json()["id"]
    sug = c.get(f"/api/tickets/{tid}/suggestions").json()
    assert [w["code"] for w in sug][:2] == ["W001", "W002"]
    d = c.post(f"/api/tickets/{tid}/dispatch", json={"staff_codes": ["W001"]})
    assert d.status_code == 200 and d.json()["status"] == "dispatched"
    page = c.get(f"/desk/tickets/{tid}")
    assert page.status_code == 200 and "灯不亮" in page.text
    for url in ("/board", "/wallboard", "/stats", "/board/part", "/wallboard/part",
                "/api/board", "/api/wallboard", "/api/stats/summary", "/api/calls",
                "/api/context?number=6123", f"/api/tickets/search?q={tid}"):
        r = c.get(url)
        assert r.status_code == 200, (url, r.text[:300])


def test_a_meal_order_from_the_menu_through_the_approval(web: Web) -> None:
    from datetime import date
    from decimal import Decimal

    from ticketing.model import MenuItem, Staff

    with web.deps.store.session() as s:
        s.add_all([MenuItem(code="L1", name="宫保鸡丁饭", name_en="Kung pao rice", menu_date=date(2026, 11, 23),
                            meal="lunch", price=Decimal("18.00"), cutoff="10:00"),
                   MenuItem(code="B1", name="小米粥", menu_date=date(2026, 11, 23), meal="breakfast",
                            price=Decimal("3.00"), cutoff="06:30"),
                   Staff(code="K001", name="刘师傅", role="worker", skills="meals", phone="13800000009")])
    c = web.login("operator")
    menu = c.get("/api/menus").json()
    assert [(m["code"], m["open"]) for m in menu] == [("B1", False), ("L1", True)]
    assert c.get("/api/menus?meal=lunch&day=2026-11-24").json() == []
    bad = c.post("/api/tickets", json={"service_type": "meals", "location_code": "10305",
                                       "details": {"meal": {"items": [{"code": "L1", "qty": 0}]}}})
    assert bad.status_code == 422
    late = c.post("/api/tickets", json={"service_type": "meals", "location_code": "10305",
                                        "details": {"meal": {"items": [{"code": "B1", "qty": 1}]}}})
    assert late.status_code in (400, 409) and "06:30" in late.text
    tk = c.post("/api/tickets", json={"service_type": "meals", "location_code": "10305",
                                      "details": {"meal": {"items": [{"code": "L1", "qty": 2}],
                                                           "delivery_time": "11:45"}}})
    assert tk.status_code == 201, tk.text
    tid = tk.json()["id"]
    assert tk.json()["details"]["meal"]["total"] == "36.00"
    refused = c.post(f"/api/tickets/{tid}/dispatch", json={"staff_codes": ["K001"]})
    assert refused.status_code in (400, 409) and "approval" in refused.text
    ok = c.post(f"/api/tickets/{tid}/approve", json={"by": "钱护士长", "note": "电话同意"})
    assert ok.status_code == 200 and ok.json()["details"]["approval"]["state"] == "approved"
    d = c.post(f"/api/tickets/{tid}/dispatch", json={"staff_codes": ["K001"]})
    assert d.status_code == 200 and d.json()["status"] == "dispatched"
    page = c.get(f"/desk/tickets/{tid}").text
    assert "宫保鸡丁饭" in page and "¥36.00" in page and 'data-state="approved"' in page and "钱护士长" in page
    cl = c.post("/api/tickets", json={"service_type": "cleaning", "location_code": "10306",
                                      "details": {"cleaning": {"area": "3床", "kind": "terminal_disinfection"}}})
    assert cl.status_code == 201 and "终末消毒 · 3床" in c.get(f"/desk/tickets/{cl.json()['id']}").text
    other = c.post("/api/tickets", json={"service_type": "meals", "location_code": "10305",
                                         "details": {"meal": {"items": [{"code": "L1", "qty": 1}]}}}).json()
    no = c.post(f"/api/tickets/{other['id']}/reject", json={"by": "钱护士长", "note": "已出院"})
    assert no.status_code == 200 and no.json()["status"] == "cancelled"
