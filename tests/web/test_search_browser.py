"""The desk's search in a real Chromium: a query over every year, its results a page at a time
without leaving the desk (the list alone is reloaded, as the pager's links say)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from ticketing.service import NewTicket

from .test_browser import CHROMIUM, login

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs /usr/bin/chromium")]


def shown(page: Any) -> list[int]:
    return [int(i) for i in page.eval_on_selector_all("#ticket-table tbody tr[data-id]",
                                                      "rows => rows.map(r => r.dataset.id)")]


def test_the_desks_search_pages_through_its_results(served: Any, browser: Any) -> None:
    deps, server = served
    made = []
    for i in range(30):
        deps.clock.advance(minutes=1)
        made.append(deps.service.accept("operator", NewTicket(
            service_type="repair", location_code="10305", description=f"{i + 1}床呼叫器没有声音")).id)
    deps.service.accept("operator", NewTicket(service_type="repair", location_code="10305",
                                              description="走廊灯不亮"))  # not a match
    newest = list(reversed(made))  # newest first, 25 a page
    page = login(browser, server.url, "operator")
    page.set_default_timeout(30_000)  # each wait is for a condition; a loaded machine is slow
    page.fill("#search-q", "呼叫器")
    page.press("#search-q", "Enter")
    page.wait_for_selector(".pager a[rel=next]")
    assert shown(page) == newest[:25]
    page.click(".pager a[rel=next]")
    page.wait_for_selector(".pager a[rel=prev]")
    assert shown(page) == newest[25:]
    assert page.url.endswith("/desk")  # still the desk: the list alone was paged
    page.click(".pager a[rel=prev]")
    page.wait_for_selector(".pager a[rel=next]")
    assert shown(page) == newest[:25]
