"""The phone pages in a real Chromium at a phone's viewport (390 × 844, touch), in Chinese and
in English: a nurse reports from a room's code with a photo and follows her ticket; a worker
accepts, arrives and finishes with a part and a photo on the work order's page; another checks
an inspection round's items, saves, and completes it.

One browser for the module, so the whole file stays well inside a minute. Screenshots go to
tests/artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.fakes import FixedClock
from ticketing.maintenance import Maintenance
from ticketing.model import Ticket, TicketPhoto
from ticketing.model_facilities import Equipment
from ticketing.service import NewTicket
from ticketing.store import Store
from web.server import ThreadedServer

from ..ticketing.images import jpeg
from .mobile_rig import path_of, serving, sms_link
from .test_browser import ARGS, CHROMIUM, shot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60),
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs /usr/bin/chromium")]

PHONE = {"width": 390, "height": 844}
LOCALES = {"zh-CN": "zh-CN", "en": "en-US"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def served(hospital: Store, clock: FixedClock, catalog: Catalog, calendar: BusinessCalendar,
           tmp_path: Path) -> Iterator[tuple[Any, ThreadedServer]]:
    with serving(hospital, clock, catalog, calendar, tmp_path) as served:
        yield served


def phone(browser: Any, lang: str) -> Any:
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                              locale=LOCALES[lang], timezone_id="Asia/Shanghai")
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    return page


def fits_the_screen(page: Any) -> bool:
    """Nothing wider than the phone: no sideways scrolling."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _photo_file(tmp_path: Path, name: str, colour: tuple[int, int, int]) -> str:
    path = tmp_path / name
    path.write_bytes(jpeg((800, 600), colour=colour))
    return str(path)


WORDS = {
    "zh-CN": {"title": "扫码报修", "place": "1号楼 3层 305", "repair": "维修", "ok": "报修已受理",
              "status": "受理", "accept": "接单", "did_accept": "已接单", "done": "已完成，辛苦了"},
    "en": {"title": "Report a problem", "place": "1号楼, floor 3, room 305", "repair": "Repair",
           "ok": "Your report is in", "status": "Accepted", "accept": "Accept", "did_accept": "Accepted",
           "done": "Done — thank you"},
}


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_nurse_reports_from_the_rooms_code_and_follows_her_ticket(served: Any, browser: Any,
                                                                   tmp_path: Path, lang: str) -> None:
    deps, server = served
    words = WORDS[lang]
    page = phone(browser, lang)
    page.goto(server.url + path_of(deps.service.room_links(["10305"])[0][1]))
    assert page.title().startswith(words["title"])
    assert words["place"] in page.text_content("#room-place")
    assert fits_the_screen(page)
    page.get_by_label(words["repair"]).check()
    page.fill("textarea[name=description]", "3床上方灯管不亮" if lang == "zh-CN" else "light over bed 3 is out")
    page.set_input_files("#photo-input", _photo_file(tmp_path, "lamp.jpg", (200, 180, 40)))
    page.wait_for_function("document.querySelector('#photo-preview img')?.naturalWidth > 0")  # shown
    page.fill("#phone", "13812345678")
    shot(page, f"m-report-{lang}")
    page.click("#submit-report")
    page.wait_for_url("**/s/**")
    assert words["ok"] in page.text_content("#new-ok")
    with deps.store.session() as s:
        t = s.scalars(select(Ticket)).one()
        assert (t.source, t.location_code) == ("qr", "10305")
        assert s.scalars(select(TicketPhoto.ticket_id)).one() == t.id
    assert page.text_content("#ticket-no").strip() == f"#{t.id}"
    assert page.text_content("#ticket-status").strip() == words["status"]
    assert fits_the_screen(page)
    shot(page, f"m-status-{lang}")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_worker_accepts_arrives_and_finishes_on_the_work_orders_page(served: Any, browser: Any,
                                                                      tmp_path: Path, lang: str) -> None:
    deps, server = served
    words = WORDS[lang]
    svc = deps.service
    t = svc.accept("li", NewTicket(service_type="repair", location_code="10305", description="空调漏水",
                                   reporter_name="张护士", reporter_phone="6123"))
    svc.dispatch("li", t.id, ["W001"])
    page = phone(browser, lang)
    page.goto(server.url + sms_link(deps.store, "work_order", staff_code="W001"))
    assert words["place"] in page.text_content("#order-place")
    assert page.get_attribute("#call", "href") == "tel:6123"
    assert fits_the_screen(page)
    shot(page, f"m-worker-{lang}")
    page.click("#do-accept")
    page.wait_for_selector("#did[data-step=accept]")
    assert words["did_accept"] in page.text_content("#did")
    page.click("#do-arrived")
    page.wait_for_selector("#ticket-status[data-status=in_progress]")
    page.fill("#part1", "P0001 灯管 T8 36W")
    page.fill("#qty1", "2")
    page.set_input_files("#done-form #photo-input", _photo_file(tmp_path, "after.jpg", (60, 60, 60)))
    assert fits_the_screen(page)
    shot(page, f"m-worker-done-{lang}")
    page.click("#confirm-done")
    page.wait_for_selector("#finished")
    assert words["done"] in page.text_content("#did")
    view = svc.get(t.id)
    assert view.status == "done" and view.parts == (("P0001", 2),)
    assert [e.actor for e in view.timeline][-3:] == ["web:W001", "web:W001", "web:W001"]
    shot(page, f"m-worker-finished-{lang}")


ROUND_WORDS = {"zh-CN": {"title": "巡检清单", "saved": "巡检记录已保存", "done": "已完成，辛苦了"},
               "en": {"title": "Inspection checklist", "saved": "Checklist saved", "done": "Done — thank you"}}


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_worker_checks_an_inspection_round_on_the_phone(served: Any, browser: Any, lang: str) -> None:
    deps, server = served
    words = ROUND_WORDS[lang]
    with deps.store.session() as s:
        s.add(Equipment(code="AC-1", name="护士站空调", type="空调", location_code="10305"))
    plans = Maintenance(deps.service)
    plans.create_plan("lead", {"code": "PM-R1", "name": "护士站空调周巡检", "kind": "inspection",
                               "equipment_code": "AC-1", "unit": "week", "staff_code": "W001",
                               "checklist": ["清洗滤网", "检查冷凝水管（有无渗漏、保温层是否完好）", "检查遥控器"]})
    [made] = plans.sweep()
    page = phone(browser, lang)
    page.goto(server.url + sms_link(deps.store, "work_order", staff_code="W001"))
    assert words["title"] in page.text_content("#round-form h2")
    assert fits_the_screen(page)
    shot(page, f"m-round-{lang}")
    page.locator("fieldset[data-index='1'] input[value=ok]").check()
    page.locator("fieldset[data-index='2'] input[value=bad]").check()
    page.fill("input[name=note2]", "保温层破损")
    page.click("#round-save")
    page.wait_for_selector("#did[data-step=round]")
    assert words["saved"] in page.text_content("#did")
    assert page.get_attribute("fieldset[data-index='2']", "data-ok") == "bad"
    page.locator("fieldset[data-index='3'] input[value=ok]").check()
    assert fits_the_screen(page)
    page.click("#round-complete")
    page.wait_for_selector("#finished")
    assert words["done"] in page.text_content("#did")
    got = plans.round(made.ticket_id)
    assert got is not None and [i["ok"] for i in got["items"]] == [True, False, True]
    assert got["items"][1]["note"] == "保温层破损" and deps.service.get(made.ticket_id).status == "done"
