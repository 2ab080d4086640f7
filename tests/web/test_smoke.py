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
