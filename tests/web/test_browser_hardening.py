"""The desk's own safeguards in a real Chromium: a form submission whose answer is lost is sent
again with its Idempotency-Key and makes one ticket; the slip preview keeps the app's CSP."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from receipts.service import build_slip_preview
from ticketing.model import Ticket, User
from ticketing.service import NewTicket
from web.app import create_app
from web.auth import end_user_sessions
from web.server import ThreadedServer

from .conftest import PASSWORD, make_deps, web_settings
from .test_browser import logged_in, login, pytestmark  # noqa: F401  (the browser tests' marks)


def test_a_submission_whose_answer_was_lost_is_sent_again_and_makes_one_ticket(
        served: Any, browser: Any) -> None:
    deps, server = served
    page = login(browser, server.url, "operator")
    keys: list[str] = []

    def lose_the_first_answer(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        keys.append(route.request.headers.get("idempotency-key", ""))
        if len(keys) == 1:
            route.fetch()  # the server makes the ticket…
            route.abort("connectionreset")  # …and the answer never arrives
        else:
            route.continue_()

    page.route("**/api/tickets", lose_the_first_answer)
    page.fill("#new-ticket [name=location_code]", "10305")
    page.fill("#new-ticket [name=description]", "走廊灯闪")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#act-dispatch")
    assert len(keys) == 2 and keys[0] == keys[1] and len(keys[0]) == 32
    with deps.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)
                        .where(Ticket.description == "走廊灯闪")) == 1
    page.fill("#new-ticket [name=location_code]", "10305")
    page.fill("#new-ticket [name=description]", "走廊灯闪")
    page.keyboard.press("Control+Enter")  # a new submission: a new key, a new ticket
    page.wait_for_function("document.querySelectorAll('#ticket-table tbody tr').length >= 2")
    assert len(keys) == 3 and keys[2] != keys[0]


def test_the_slip_preview_draws_under_the_apps_csp(hospital: Any, service: Any, clock: Any,
                                                   tmp_path: Any, browser: Any) -> None:
    settings = web_settings(tmp_path)
    deps = make_deps(hospital, service, clock, settings, slip_preview=build_slip_preview(settings))
    view = service.accept("operator", NewTicket(service_type="repair", location_code="10305",
                                                reporter_phone="13800000009", description="灯不亮"))
    service.dispatch("operator", view.id, ["W001"])
    server = ThreadedServer(create_app(deps)).start()
    try:
        page = browser.new_context(locale="zh-CN").new_page()  # the CSP in force
        errors: list[str] = []
        missing: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
        page.goto(server.url + "/login")
        page.fill("input[name=username]", "viewer")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(logged_in)
        page.goto(f"{server.url}/api/tickets/{view.id}/slip")
        page.wait_for_selector(".slip .qr svg")
        page.wait_for_load_state("networkidle")
        # every resource of the page loads; the one console error allowed is the 404 of the
        # /favicon.ico the browser asks for by itself (not a request of the page's)
        assert missing == []
        assert [e for e in errors if not e.startswith("Failed to load resource")] == [], errors
        assert len(errors) <= 1, errors
        drawn = page.evaluate("""() => {
            const slip = document.querySelector('.slip');
            const lines = [...slip.querySelectorAll('.l')];
            const zero = document.createElement('span');
            zero.textContent = '0';
            slip.append(zero);
            const ch = zero.getBoundingClientRect().width;
            zero.remove();
            return { font: getComputedStyle(slip).fontFamily, white: getComputedStyle(lines[0]).whiteSpace,
                     ruler: slip.querySelector('.ruler')?.getBoundingClientRect().width ?? 0, ch,
                     widths: [...new Set(lines.map((l) => Math.round(l.getBoundingClientRect().width)))],
                     centred: getComputedStyle(slip.querySelector('.l.center')).textAlign };
        }""")
        assert "monospace" in drawn["font"] and drawn["white"] == "pre" and drawn["centred"] == "center"
        assert abs(drawn["ruler"] - 48 * drawn["ch"]) < 1  # the paper's 48 columns
        assert drawn["widths"] == [round(drawn["ruler"])]  # every line as wide as the paper
        assert "138****0009" in page.text_content(".slip")  # a viewer's slip: masked
    finally:
        server.stop()


def test_a_desk_whose_session_ends_goes_to_the_log_in_page(served: Any, browser: Any) -> None:
    deps, server = served
    page = login(browser, server.url, "operator")
    page.wait_for_function("window.__live && window.__live.readyState === 1")
    with deps.store.session() as s:
        operator = s.scalar(select(User.id).where(User.username == "operator"))
    # an administrator ends the operator's sessions: the stream says logout, the page leaves
    end_user_sessions(server.server.config.app.state.web, operator, "operator", "admin", "admin")
    page.wait_for_url("**/login?next=%2Fdesk")
