"""The stores in a real Chromium: a ticket closed with its parts from the ticket page (refused
in Chinese beyond the stock, then with a back-order), and a receipt booked on /stock."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ticketing.model import SparePart, StockBackorder
from ticketing.service import NewTicket

from .test_browser import login, pytestmark, shot  # noqa: F401  (the browser tests' marks)


def test_a_ticket_is_closed_with_its_parts_and_a_receipt_is_booked(served: Any, browser: Any) -> None:
    deps, server = served
    with deps.store.session() as s:
        s.add(SparePart(code="P0002", name="水龙头", spec="DN15", unit="个", stock=2, price=Decimal("45.00"),
                        min_stock=1))
    t = deps.service.accept("li", NewTicket(service_type="repair", description="漏水", location_code="10305"))
    deps.service.dispatch("li", t.id, ["W001"], print_slip=False)
    page = login(browser, server.url, "dispatcher")
    page.goto(f"{server.url}/desk/tickets/{t.id}")
    page.fill("#complete-parts [name=code]", "P0002")
    page.fill("#complete-parts [name=qty]", "3")
    page.click("#complete-parts button[type=submit]")
    page.wait_for_selector("#toast.bad:not([hidden])")
    assert "库存 2个，需要 3" in page.text_content("#toast")
    assert deps.service.get(t.id).status == "dispatched"
    page.check("#complete-parts [name=backorder]")
    page.click("#complete-parts button[type=submit]")
    page.wait_for_selector("#ticket-parts td:has-text('水龙头 DN15')")
    assert "¥135.00" in page.text_content("#ticket-parts")
    shot(page, "ticket-parts-used")
    assert deps.service.get(t.id).status == "done"
    page.goto(f"{server.url}/stock")
    assert f"#{t.id}" in page.text_content("#stock-backorders")
    page.fill("#stock-doc [name=code]", "P0002")
    page.fill("#stock-doc [name=qty]", "5")
    page.fill("#stock-doc [name=unit_cost]", "46.00")
    page.click("#stock-doc button[type=submit]")
    page.wait_for_function(f"!document.querySelector('#stock-backorders').textContent.includes('#{t.id}')")
    shot(page, "stock-overview")
    with deps.store.session() as s:
        assert s.scalar(select(SparePart.stock).where(SparePart.code == "P0002")) == 4  # 5 in, 1 owed out
        assert s.scalar(select(StockBackorder.status)) == "filled"


def test_an_escort_is_booked_from_its_page(served: Any, browser: Any) -> None:
    from ticketing.model import Location

    deps, server = served
    with deps.store.session() as s:
        s.add(Location(code="30101", campus="本部", building="医技楼", floor="1", room="101", name="CT室"))
    page = login(browser, server.url, "operator")
    page.goto(f"{server.url}/escort")
    page.fill("#escort-form [name=patient_name]", "张三")
    page.fill("#escort-form [name=bed]", "12床")
    page.fill("#escort-form [name=from]", "10306")
    page.fill("#escort-form [name=to]", "30101")
    page.fill("#escort-form [name=appointment]", "2026-11-23T15:00")
    page.select_option("#escort-form [name=conveyance]", "wheelchair")
    page.check("#escort-form [name=oxygen]")
    page.click("#escort-form button[type=submit]")
    page.wait_for_selector("#escort-table tr[data-ticket]")
    assert "轮椅 + 带氧气" in page.text_content("#escort-table")
    shot(page, "escort-day")
    (tid,) = [int(x) for x in page.eval_on_selector_all("#escort-table tr[data-ticket]",
                                                          "rows => rows.map(r => r.dataset.ticket)")]
    view = deps.service.get(tid)
    assert view.service_type == "transport" and view.details["escort"]["oxygen"] is True
    assert view.details["escort"]["appointment"].startswith("2026-11-23T15:00")
