"""The desk, board and wallboard in a real Chromium (Debian's), driven by Playwright.

Screenshots go to tests/artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from ticketing.context import caller_context
from ticketing.model import SmsOut
from ticketing.service import NewTicket, WorkerReply

from .conftest import ARTIFACTS, PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs /usr/bin/chromium")]


def login(browser: Any, url: str, username: str, size: tuple[int, int] = (1600, 900)) -> Any:
    # CSP off: Playwright's waits evaluate strings, and the escaping must hold without CSP too.
    page = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN",
                               timezone_id="Asia/Shanghai",
                               bypass_csp=True).new_page()
    page.set_default_timeout(10_000)
    page.goto(url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(logged_in)  # the session's cookie is set before the next page is asked for
    return page


def logged_in(url: str) -> bool:
    """The browser has left the log-in form (for the user's first page)."""
    return "/login" not in url


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


EVIL = '<img src=x onerror="document.title=\'pwned\'">张护士'


def test_pop_to_dispatch_to_worker_reply_without_reload(served: Any, browser: Any) -> None:
    deps, server = served
    page = login(browser, server.url, "operator")
    page.wait_for_function("window.__live && window.__live.readyState === 1")
    with deps.store.session() as s:
        ctx = caller_context(s, "6123", deps.clock.now()).as_dict()
    deps.hub.publish_pop("operator", {"uniqueid": "1795487664.5", "caller_num": "6123",
                                      "caller_name": EVIL, "ivr_choice": "repair",
                                      "context": dict(ctx, person=EVIL)})
    page.wait_for_selector("#pop-body:not([hidden])")
    assert page.text_content("#pop-number") == "6123"
    assert EVIL in page.text_content("#pop-person")  # shown as text…
    assert page.locator("#pop img").count() == 0 and page.title() != "pwned"  # …never as markup
    shot(page, "desk-pop")

    page.keyboard.press("Enter")  # the pop becomes a prefilled ticket
    assert page.input_value("#new-ticket [name=location_code]") == "10305"
    assert page.input_value("#new-ticket [name=reporter_phone]") == "6123"
    page.fill("#new-ticket [name=description]", "3楼护士站灯管不亮")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#act-dispatch")
    page.wait_for_selector("#suggest input[value=W001]:checked")
    tid = int(page.get_attribute("#ticket-table tbody tr.selected", "data-id"))
    page.keyboard.press("Escape")
    page.click(f"#ticket-table tr[data-id='{tid}'] td.desc")
    page.wait_for_selector("#act-dispatch")
    page.wait_for_selector("#suggest input[value=W001]:checked")
    page.click("#act-dispatch")
    page.wait_for_function("document.querySelector('#detail-status')?.dataset.status === 'dispatched'")
    view = deps.service.get(tid)
    assert view.status == "dispatched" and view.calls == ("1795487664.5",)
    assert view.reporter_name == EVIL[:50] and view.workers == (("W001", "offered"),)
    with deps.store.session() as s:
        assert s.query(SmsOut).filter_by(ticket_id=tid, staff_code="W001").count() == 1

    # The worker replies by SMS (the modem adapter's path): the page moves on by itself.
    deps.service.handle_inbound_sms("modem1", "13800000001", f"{tid} 到", WorkerReply("arrived", tid),
                                    datetime(2026, 11, 23, 1, 10, tzinfo=UTC))
    page.wait_for_function("document.querySelector('#detail-status')?.dataset.status === 'in_progress'")
    page.wait_for_selector(f"#ticket-table tr[data-id='{tid}'] .st-in_progress")
    shot(page, "desk-after-reply")

    page.goto(f"{server.url}/desk/tickets/{tid}")
    page.wait_for_selector("#actions button")
    assert page.title() != "pwned"
    shot(page, "ticket-page")
    page.goto(f"{server.url}/board")
    page.wait_for_selector(".workers")
    assert "W001" in page.text_content(".workers")
    shot(page, "board")


def test_a_call_whose_number_was_withheld_pops_as_withheld_with_an_empty_form(served: Any, browser: Any) -> None:
    deps, server = served
    page = login(browser, server.url, "operator")
    page.wait_for_function("window.__live && window.__live.readyState === 1")
    # what cti.pops sends for Asterisk's "<unknown>" caller ID: no number, no name, no lookup
    deps.hub.publish_pop("operator", {"uniqueid": "1795487664.9", "caller_num": "", "caller_name": "",
                                      "ivr_choice": "oxygen", "context": None, "context_pending": False})
    page.wait_for_selector("#pop-body:not([hidden])")
    assert page.text_content("#pop-number") == "未显示号码"
    assert page.text_content("#pop-person") == "—"
    page.keyboard.press("Enter")
    form = "#new-ticket "
    assert page.input_value(form + "[name=service_type]") == "oxygen"
    assert page.input_value(form + "[name=reporter_phone]") == ""
    assert page.input_value(form + "[name=reporter_name]") == ""
    page.close()


def test_wallboard_counters_change_live(served: Any, browser: Any) -> None:
    deps, server = served
    for i in range(3):
        deps.service.accept("operator", NewTicket(service_type=("repair", "cleaning", "oxygen")[i],
                                                  location_code="10305"))
    page = login(browser, server.url, "viewer", size=(1920, 1080))
    page.goto(server.url + "/wallboard")
    page.wait_for_function("window.__live && window.__live.readyState === 1")
    assert page.text_content("#open-total").strip() == "3"
    deps.hub.publish_wallboard({"calls_waiting": 4, "longest_wait_s": 83,
                                "operators": {"李娜 101": {"state": "talking"},
                                              "王芳 102": {"state": "idle"}}})
    page.wait_for_function("document.querySelector('#calls-waiting').textContent === '4'")
    assert page.text_content("#longest-wait") == "1:23"
    assert page.locator("#operators li").count() == 2
    # the service level's tile and its gauge say the same whole percent (12.5 → 13)
    deps.hub.publish_wallboard({"service_level": 0.125})
    page.wait_for_function("document.querySelector('#service-level').textContent === '13%'")
    page.wait_for_function("(document.querySelector('#sl-gauge').dataset.described || '').endsWith('13%')")
    deps.service.accept("operator", NewTicket(service_type="repair", location_code="20101"))
    page.wait_for_function("document.querySelector('#open-total')?.textContent.trim() === '4'")
    shot(page, "wallboard")
    page.goto(server.url + "/stats")
    shot(page, "stats-viewer")


def test_a_meal_order_is_keyed_from_the_menu_and_approved_at_the_desk(served: Any, browser: Any) -> None:
    from datetime import date
    from decimal import Decimal

    from ticketing.model import MenuItem, Staff

    deps, server = served
    with deps.store.session() as s:
        s.add_all([MenuItem(code="L1", name="宫保鸡丁饭", menu_date=date(2026, 11, 23), meal="lunch",
                            price=Decimal("18.00"), cutoff="10:00"),
                   MenuItem(code="B1", name="小米粥", menu_date=date(2026, 11, 23), meal="breakfast",
                            price=Decimal("3.00"), cutoff="06:30"),  # closed at 09:00: not offered
                   Staff(code="K001", name="刘师傅", role="worker", skills="meals", phone="13800000009")])
    page = login(browser, server.url, "operator")
    page.wait_for_function("window.__live && window.__live.readyState === 1")
    # a call whose directory lookup is late: taken first, the update fills the empty fields
    deps.hub.publish_pop("operator", {"uniqueid": "1795487664.9", "caller_num": "6123", "ivr_choice": "meals",
                                      "context": None, "context_pending": True})
    page.wait_for_selector("#pop-body:not([hidden])")
    page.keyboard.press("Enter")
    with deps.store.session() as s:
        ctx = caller_context(s, "6123", deps.clock.now()).as_dict()
    deps.hub.publish_pop("operator", {"uniqueid": "1795487664.9", "caller_num": "6123", "ivr_choice": "meals",
                                      "context": ctx, "update": True})
    page.wait_for_function("document.querySelector('#new-ticket [name=location_code]').value === '10305'")
    assert page.get_attribute("#pop", "data-state") == "taken"
    page.wait_for_selector("#meal-fields:not([hidden]) input.qty[data-code=L1]")
    assert page.locator("#menu-table input.qty").count() == 1  # breakfast is closed
    page.fill("input.qty[data-code=L1]", "2")
    page.fill("#new-ticket [name=description]", "3床加餐")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#detail-approval[data-state=pending]")
    assert "宫保鸡丁饭×2" in page.text_content("#detail-dishes") and "¥36.00" in page.text_content("#detail-dishes")
    assert page.locator("#act-dispatch").count() == 0  # not before the ward head says yes
    shot(page, "desk-meal-pending")
    page.fill("#action-note", "钱护士长")
    page.click("#act-approve")
    page.wait_for_selector("#detail-approval[data-state=approved]")
    page.wait_for_selector("#act-dispatch")
    tid = int(page.get_attribute("#ticket-table tbody tr.selected", "data-id"))
    view = deps.service.get(tid)
    assert view.details["approval"]["by"] == "钱护士长" and view.details["meal"]["total"] == "36.00"
    assert view.calls == ("1795487664.9",) and view.location_code == "10305"


def test_the_desks_list_keeps_up_while_ticket_events_never_stop(served: Any, browser: Any) -> None:
    """A morning's ticket events come faster than any pause: the list must still reload while
    they come (at most once a second), not only after they stop."""
    import threading

    deps, server = served
    page = login(browser, server.url, "operator")
    page.wait_for_function("window.__live && window.__live.readyState === 1")
    stop = threading.Event()

    def chatter() -> None:  # another ticket's change every 100 ms, for as long as the test runs
        n = 0
        while not stop.wait(0.1):
            n += 1
            deps.hub.publish_ticket({"id": 999_999, "version": n})

    talker = threading.Thread(target=chatter, daemon=True)
    talker.start()
    try:
        # the stream is busy before the new ticket exists
        page.wait_for_function("(window.__lastEvent?.data || {}).id === 999999")
        tid = deps.service.accept("dispatcher", NewTicket(service_type="repair", location_code="20101")).id
        page.wait_for_selector(f"#ticket-table tr[data-id='{tid}']", timeout=10_000)
        assert talker.is_alive()  # shown while the events still came
    finally:
        stop.set()
        talker.join(5)


def test_the_open_list_comes_on_the_stream_and_a_filtered_one_asks_for_itself(served: Any, browser: Any) -> None:
    """The first page of open tickets is pushed to the desk (no request of its own); a desk
    showing another view reloads it when tickets change, as before."""
    deps, server = served
    page = login(browser, server.url, "operator")
    page.wait_for_function("window.__live && window.__live.readyState === 1")
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/desk/list" in r.url else None)
    tid = deps.service.accept("dispatcher", NewTicket(service_type="repair", location_code="20101",
                                                      description="推来的一行")).id
    page.wait_for_selector(f"#ticket-table tr[data-id='{tid}']")
    assert "推来的一行" in page.text_content(f"#ticket-table tr[data-id='{tid}'] td.desc")
    assert asked == [], asked

    page.select_option("#list-filters [name=service]", "cleaning")
    page.click("#list-filters button[type=submit]")
    page.wait_for_function("document.getElementById('ticket-list').dataset.live.includes('service=cleaning')")
    page.wait_for_selector(f"#ticket-table tr[data-id='{tid}']", state="detached")  # a repair: not in the view
    loads = len(asked)
    other = deps.service.accept("dispatcher", NewTicket(service_type="cleaning", location_code="20101")).id
    page.wait_for_selector(f"#ticket-table tr[data-id='{other}']")
    assert len(asked) > loads and all("service=cleaning" in u for u in asked), asked


def test_a_desk_whose_stream_came_back_shows_what_changed_meanwhile(served: Any, browser: Any) -> None:
    """The stream ends (a restart, a proxy's timeout) and the browser opens it again by itself:
    a ticket made while it was away shows on the list."""
    deps, server = served
    page = login(browser, server.url, "operator")
    page.wait_for_function("window.__live && window.__live.readyState === 1")
    page.evaluate("window.__opens = 0; window.__live.addEventListener('open', () => window.__opens++)")
    deps.hub.close()  # every stream ends ("bye")
    page.wait_for_function("window.__live.readyState !== 1")
    tid = deps.service.accept("dispatcher", NewTicket(service_type="repair", location_code="20101")).id
    page.wait_for_function("window.__opens >= 1", timeout=15_000)  # open again
    page.wait_for_selector(f"#ticket-table tr[data-id='{tid}']", timeout=10_000)



def held_route(page: Any, held: list[Any], timeout_s: float = 30.0) -> Any:
    """The first request ``page.route`` has held (Playwright's events pumped meanwhile)."""
    deadline = time.monotonic() + timeout_s
    while not held:
        assert time.monotonic() < deadline, "the request was never sent"
        page.wait_for_timeout(20)  # lets the route's handler run
    return held[0]


def test_the_new_tickets_actions_keep_the_focus_whatever_loads_its_pane(served: Any, browser: Any) -> None:
    """A ticket made at the desk opens with the focus on its actions (D dispatches it). Its own
    change's event may come while that pane is on its way and load it again: the newer load
    puts the focus there all the same. A newer version re-rendered under the focus keeps it."""
    deps, server = served
    page = login(browser, server.url, "operator")
    page.wait_for_function("window.__live && window.__live.readyState === 1")
    held: list[Any] = []
    page.route("**/desk/tickets/*/part", lambda route: route.continue_() if held else held.append(route))
    page.fill("#new-ticket [name=location_code]", "10305")
    page.fill("#new-ticket [name=description]", "走廊灯闪")
    page.keyboard.press("Control+Enter")
    first = held_route(page, held)  # the pane of the new ticket, on its way
    tid = int(re.search(r"/desk/tickets/(\d+)/part", first.request.url).group(1))  # type: ignore[union-attr]
    deps.hub.publish_ticket({"id": tid, "version": 1})  # its event (the feed sends one too)
    page.wait_for_selector(f"#ticket-detail[data-id='{tid}'] #act-dispatch")  # a later load shows it
    assert page.evaluate("document.activeElement.id") == "act-dispatch"
    first.continue_()  # the first load's answer: dropped, the focus stays
    page.evaluate("document.getElementById('ticket-detail').__old = true")
    deps.service.edit("dispatcher", tid, description="走廊灯闪，两盏")  # a newer version, elsewhere
    page.wait_for_function("!document.getElementById('ticket-detail').__old")  # re-rendered
    assert "两盏" in page.text_content("#ticket-detail")
    assert page.evaluate("document.activeElement.id") == "act-dispatch"
    page.keyboard.press("d")
    page.wait_for_function("document.querySelector('#detail-status')?.dataset.status === 'dispatched'")


def test_a_late_answer_older_than_the_pushed_list_does_not_cover_it(served: Any, browser: Any) -> None:
    """The desk asks for its list after making a ticket; the server renders it at once but the
    answer comes late, after another desk's ticket has come on the stream in a newer list. The
    late answer is dropped: it would take that ticket off the list, and no further push would
    bring it back."""
    deps, server = served
    page = login(browser, server.url, "operator")
    page.wait_for_function("window.__live && window.__live.readyState === 1")
    held: list[Any] = []

    def render_now_answer_later(route: Any) -> None:
        if held:
            route.continue_()
            return
        headers = {k: v for k, v in route.request.headers.items() if k.lower() != "if-none-match"}
        held.append((route, route.fetch(headers=headers)))  # rendered now, whatever the desk had

    page.route("**/desk/list", render_now_answer_later)
    page.fill("#new-ticket [name=location_code]", "10305")
    page.fill("#new-ticket [name=description]", "走廊灯闪")
    page.keyboard.press("Control+Enter")
    route, answer = held_route(page, held)
    other = deps.service.accept("dispatcher", NewTicket(service_type="repair", location_code="20101",
                                                        description="另一位的工单")).id
    page.wait_for_selector(f"#ticket-table tr[data-id='{other}']")  # the newer list, pushed
    route.fulfill(response=answer)
    page.wait_for_selector("#ticket-list:not([aria-busy])", state="attached")  # the answer dealt with
    assert page.locator(f"#ticket-table tr[data-id='{other}']").count() == 1
    page.wait_for_selector("#act-dispatch")  # the desk went on to the ticket it made
