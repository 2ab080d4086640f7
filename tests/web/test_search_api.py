"""The desk's search over the API: every year, paged, and what a viewer may ask and see."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ticketing import search_plans
from ticketing.fakes import FixedClock
from ticketing.service import NewTicket, TicketService

from .conftest import Web


def _accept(service: TicketService, description: str, phone: str = "") -> int:
    return service.accept("operator", NewTicket(service_type="repair", description=description,
                                                location_code="10305", reporter_phone=phone)).id


def test_the_search_pages_over_every_year(web: Web, service: TicketService, clock: FixedClock) -> None:
    now = clock.now()
    clock.set(now - timedelta(days=2 * 365))
    old = _accept(service, "走廊吊顶渗水")
    clock.set(now)
    new = [_accept(service, f"吊顶渗水 第{n}处") for n in range(3)]
    op = web.login("operator")
    first = op.get("/api/tickets/search", params={"q": "渗水", "limit": 2})
    assert first.status_code == 200 and first.headers["X-More"] == "1"
    assert [t["id"] for t in first.json()] == [new[2], new[1]]
    rest = op.get("/api/tickets/search", params={"q": "渗水", "limit": 2, "offset": 2})
    assert [t["id"] for t in rest.json()] == [new[0], old] and rest.headers["X-More"] == "0"
    assert op.get("/api/tickets/search", params={"q": "渗水", "offset": -1}).status_code == 422


def test_a_viewer_finds_words_but_not_numbers(web: Web, service: TicketService) -> None:
    tid = _accept(service, "病房呼叫器不响，请回电13900000077", phone="13800000009")
    viewer = web.login("viewer")
    found = viewer.get("/api/tickets/search", params={"q": "呼叫器"})
    assert [t["id"] for t in found.json()] == [tid]
    assert found.json()[0]["reporter_phone"] == "138****0009"
    assert "13900000077" not in found.text and "13800000009" not in found.text
    for q in ("0077", "回电139", "305室", "0000 0009"):
        resp = viewer.get("/api/tickets/search", params={"q": q})
        if q == "0077":  # digits alone: a ticket number or a location code, found neither
            assert resp.status_code == 200 and resp.json() == []
        else:
            assert resp.status_code == 403 and "number" in resp.json()["detail"], q
    op = web.login("operator", client=web.new_client())
    assert [t["id"] for t in op.get("/api/tickets/search", params={"q": "0077"}).json()] == [tid]


def test_one_character_says_how_far_back_it_looked(web: Web, service: TicketService,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A single character is looked for in the newest tickets only (here three): the API names
    the oldest of them, the desk's list says so in the operator's language; two characters
    search every year."""
    monkeypatch.setattr(search_plans, "SCAN_TICKETS", 3)
    ids = [_accept(service, d) for d in ("鑫达公司送货", "灯不亮", "门锁坏", "鑫达送水", "灯不亮", "窗坏了灯不亮")]
    op = web.login("operator")
    one = op.get("/api/tickets/search", params={"q": "鑫"})
    assert [t["id"] for t in one.json()] == [ids[3]] and one.headers["X-Searched-From"] == str(ids[3])
    two = op.get("/api/tickets/search", params={"q": "鑫达"})
    assert [t["id"] for t in two.json()] == [ids[3], ids[0]] and "X-Searched-From" not in two.headers
    full = op.get("/api/tickets/search", params={"q": "灯", "limit": 1})  # a page filled: nothing left out yet
    assert full.headers["X-More"] == "1" and "X-Searched-From" not in full.headers
    listed = op.get("/desk/list", params={"q": "鑫"}).text
    assert f"单个字只查找了 {ids[3]} 号及以后的工单" in listed and "全部年份，按匹配" not in listed
    assert "全部年份，按匹配与时间排序" in op.get("/desk/list", params={"q": "鑫达"}).text
    manager = web.login("manager", client=web.new_client())  # reads English
    assert f"tickets from No. {ids[3]} on only" in manager.get("/desk/list", params={"q": "鑫"}).text
