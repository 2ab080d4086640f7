"""The desk's own safeguards in a real Chromium: a form submission whose answer is lost is sent
again with its Idempotency-Key and makes one ticket; the slip preview keeps the app's CSP."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ticketing.model import Ticket

from .test_browser import browser, login, pytestmark, served  # noqa: F401  (fixtures, markers)


def test_a_submission_whose_answer_was_lost_is_sent_again_and_makes_one_ticket(
        served: Any, browser: Any) -> None:  # noqa: F811
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
