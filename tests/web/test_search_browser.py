"""The desk's search in a real Chromium: a query over every year, its results a page at a time
without leaving the desk (the list alone is reloaded, as the pager's links say)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from ticketing.service import NewTicket

from .test_browser import CHROMIUM, held_route, login

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs /usr/bin/chromium")]


def shown(page: Any) -> list[int]:
    return [int(i) for i in page.eval_on_selector_all("#ticket-table tbody tr[data-id]",
                                                      "rows => rows.map(r => r.dataset.id)")]


def tickets(deps: Any) -> tuple[list[int], int]:
    """30 tickets that match 呼叫器, newest first (25 a page), and one after them that doesn't."""
    made = []
    for i in range(30):
        deps.clock.advance(minutes=1)
        made.append(deps.service.accept("operator", NewTicket(
            service_type="repair", location_code="10305", description=f"{i + 1}床呼叫器没有声音")).id)
    other = deps.service.accept("operator", NewTicket(
        service_type="repair", location_code="10305", description="走廊灯不亮")).id
    return list(reversed(made)), other


def test_the_desks_search_pages_through_its_results(served: Any, browser: Any) -> None:
    deps, server = served
    newest, other = tickets(deps)
    page = login(browser, server.url, "operator")
    page.set_default_timeout(30_000)  # each wait is for a condition; a loaded machine is slow
    page.fill("#search-q", "呼叫器")
    page.press("#search-q", "Enter")
    # The open tickets' first page has a pager too: wait until the ticket that doesn't match
    # has left the list, i.e. the search's own page is shown.
    page.wait_for_selector(f"#ticket-table tbody tr[data-id='{other}']", state="detached")
    page.wait_for_selector(".pager a[rel=next]")
    assert shown(page) == newest[:25]
    page.click(".pager a[rel=next]")
    page.wait_for_selector(".pager a[rel=prev]")
    assert shown(page) == newest[25:]
    assert page.url.endswith("/desk")  # still the desk: the list alone was paged
    page.click(".pager a[rel=prev]")
    page.wait_for_selector(".pager a[rel=next]")
    assert shown(page) == newest[:25]


def test_a_late_answer_for_the_list_the_desk_left_does_not_cover_the_search(served: Any,
                                                                           browser: Any) -> None:
    """The operator pages the open tickets, then searches before the page has come: the
    search's answer is shown, and the page's answer, arriving after it, is dropped — nor does
    it take the focus from the search box."""
    deps, server = served
    newest, other = tickets(deps)
    page = login(browser, server.url, "operator")
    page.set_default_timeout(30_000)
    held: list[Any] = []
    page.route("**/desk/list?page=2", lambda route: held.append(route))  # the second page's answer waits here
    page.click(".pager a[rel=next]")
    second = held_route(page, held)
    page.fill("#search-q", "呼叫器")
    page.press("#search-q", "Enter")
    page.wait_for_selector(f"#ticket-table tbody tr[data-id='{other}']", state="detached")
    assert shown(page) == newest[:25]
    assert page.locator("#ticket-list[aria-busy=true]").count() == 1  # the page's answer is still out
    second.continue_()
    page.wait_for_selector("#ticket-list:not([aria-busy])", state="attached")  # …and has been dealt with
    assert shown(page) == newest[:25]
    assert page.locator("#ticket-list").get_attribute("data-live").startswith("/desk/list?q=")
    assert page.evaluate("document.activeElement.id") == "search-q"
