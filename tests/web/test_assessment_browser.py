"""The 考核 pages in a real Chromium under the page's CSP: the charts are drawn, a lead
grades a ticket from the page, the owner's notice arrives without a reload, and the layout
holds at 1366×768 and 1920×1080. Screenshots go to tests/artifacts/ (the ones in
docs/screenshots/ are made by ``tests.web.assessment_screenshots``)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from ticketing.fakes import FixedClock
from ticketing.service import CampaignSpec, NewTicket, TicketService

from .assessment_screenshots import CHROMIUM, charts_drawn, open_page, shoot, wait_until
from .conftest import ARTIFACTS, PASSWORD

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs /usr/bin/chromium")]


@pytest.fixture
def live_intervals() -> dict[str, float]:
    """``served`` with the app's own feed and wallboard intervals."""
    return {}


def _called_back(service: TicketService, clock: FixedClock, worker: str, score: int) -> int:
    t = service.accept("operator", NewTicket("repair", "灯不亮", "10305", reporter_phone="6123"))
    service.dispatch("operator", t.id, [worker], print_slip=False)
    clock.advance(minutes=5)
    service.worker_accept(f"sms:{worker}", t.id, worker)
    clock.advance(minutes=40)
    service.complete(f"sms:{worker}", t.id)
    service.record_callback("operator", t.id, score)
    return t.id


def test_the_pages_draw_their_charts_and_a_lead_grades_from_the_page(served: Any, browser: Any) -> None:
    deps, server = served
    a = _called_back(deps.service, deps.clock, "W001", 5)
    b = _called_back(deps.service, deps.clock, "W002", 2)
    deps.service.assess("lead", a, grade="excellent")
    errors: list[str] = []
    page = open_page(browser, server.url, "lead", PASSWORD, (1366, 768))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url + "/stats/assessment?month=2026-11")
    wait_until(page, "document.querySelectorAll('[data-chart-kind] canvas').length >= 3")
    assert charts_drawn(page) == 3
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.goto(server.url + "/assessment/grade")
    row = page.locator("form.grade-form").first
    row.locator("select[name=grade]").select_option("poor")
    row.locator("input[name=reasons]").fill("超时；未清理现场")
    with page.expect_navigation():  # the page reloads once the grade is saved
        row.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.querySelectorAll('form.grade-form').length") == 0
    view = deps.service.get(b)
    assert (view.status, view.assessment_grade, view.assessment) == ("assessed", "poor", "超时\n未清理现场")
    assert errors == []


def test_the_owner_hears_of_a_breach_without_a_reload(served: Any, browser: Any) -> None:
    deps, server = served
    page = open_page(browser, server.url, "operator", PASSWORD, (1920, 1080))
    page.goto(server.url + "/desk/mine")
    t = deps.service.accept("operator", NewTicket("repair", "灯不亮", "10305", reporter_phone="6123"))
    deps.clock.advance(minutes=40)
    deps.service.sweep_overdue()
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    wait_until(page, f"!!document.querySelector(\"#notices li a[href='/desk/tickets/{t.id}']\")")
    assert "已超时" in page.inner_text("#notices")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_screenshots_of_every_page(served: Any, browser: Any) -> None:
    deps, server = served
    _called_back(deps.service, deps.clock, "W001", 4)
    cid = deps.service.create_campaign("manager", CampaignSpec("x", "sms", "departments", ("D01",)))
    pages = tuple((n, p.replace("/campaigns/1", f"/campaigns/{cid}")) for n, p in
                  (("assessment-workers", "/stats/assessment?month={month}&level=worker"),
                   ("assessment-grading", "/assessment/grade"), ("assessment-complaints", "/complaints"),
                   ("assessment-campaign", "/campaigns/1"), ("assessment-my-cases", "/desk/mine")))
    made = shoot(server.url, ARTIFACTS / "assessment", "lead", PASSWORD, "2026-11", pages=pages, browser=browser)
    assert [p.name for p in made] == [f"{n}.png" for n, _p in pages] and all(p.stat().st_size > 10_000 for p in made)
