"""The whole center end to end with a person at the desk: real Chromium against ``running_demo``.

Nothing is published into the hub by hand and the service is never called directly. The
emulated PBX places one hotline call over TCP into the real AMI listener and walks the real
FastAGI IVR; the pop reaches operator li's page over SSE; li makes the ticket with the keyboard
and dispatches it in the page; the work order goes out through the real SMS gateway into the
AT-command modem emulator and the slip through the print queue into the capture printer; the
worker's replies come back the way a phone's do (emulator ``+CMTI`` → gateway → core) and move
the ticket on the open page, while a wallboard in a second browser context counts along.

The demo's automatic field workers are stopped: the test is the worker, so each reply is sent
at a known moment and each step can be seen on the page.

Screenshots (tests/artifacts/, git-ignored): center-desk-pop, center-desk-form,
center-desk-dispatched, center-desk-done, center-wallboard-before, center-wallboard-after.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from config.settings import load_settings
from onestop.demo import DEMO_OPERATORS, DEMO_PASSWORD, Demo, running_demo
from onestop.pbx import CallScript
from ticketing.model import Location, PhoneEntry, SmsOut, Staff, Ticket, TicketCall

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PARTS = ("ami", "agi", "web", "modem", "printer")
CALLER = "6123"  # 张护士 in the sample hospital's phone directory (and the recorded traces)

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs /usr/bin/chromium")]


async def until(what: str, probe: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll ``probe`` (sync) until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def login(browser: Any, url: str, username: str, size: tuple[int, int]) -> Any:
    page = await (await browser.new_context(viewport={"width": size[0], "height": size[1]},
                                            locale="zh-CN", timezone_id="Asia/Shanghai")).new_page()
    page.set_default_timeout(10_000)
    await page.goto(url + "/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", DEMO_PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(lambda u: "/login" not in u)  # logged in: the session's cookie is set
    return page


async def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"center-{name}.png"), full_page=True)


async def text(page: Any, selector: str) -> str:
    return ((await page.text_content(selector)) or "").strip()


async def status_is(page: Any, status: str) -> None:
    await page.wait_for_function(
        "s => document.querySelector('#detail-status')?.dataset.status === s", arg=status)


async def wall_changes(page: Any, selector: str, value: str) -> None:
    await page.wait_for_function("([sel, v]) => document.querySelector(sel)?.textContent.trim() === v",
                                 arg=[selector, value])


def test_a_real_call_becomes_a_dispatched_ticket_and_the_worker_closes_it_by_sms(
        tmp_path: Path, db_url: str) -> None:
    async_api = pytest.importorskip("playwright.async_api")
    settings = load_settings(environ={"ONESTOP_DATABASE_URL": db_url, "ONESTOP_WEB_PORT": "0"})

    async def run() -> dict[str, Any]:
        async with running_demo(settings, tmp_path, PARTS, time_scale=0.05, robots=(),
                                field_workers=False) as demo, \
                async_api.async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            try:
                return await scenario(demo, browser)
            finally:
                await browser.close()

    got = asyncio.run(run())

    call, tid = got["call"], got["ticket"]
    assert call.outcome == "answered" and call.agent == "Operator Li"
    assert call.variables.get("SERVICE_TYPE") == "repair"  # the IVR's menu: 1 is repair
    assert got["uniqueid"] == call.uniqueid  # the pop's call id rode in the form onto the ticket
    assert got["linked"] == [call.uniqueid]
    assert got["ticket_row"] == ("done", "li", "repair", got["location"], CALLER, got["worker"])
    assert got["orders"] == [("work_order", got["worker"])]
    assert got["reloads"] == {"desk": 1, "wall": 1}, "a page reloaded instead of updating live"
    assert tid > 0


async def scenario(demo: Demo, browser: Any) -> dict[str, Any]:
    store, emulator, printer = demo.core.store, demo.extras["modem"], demo.extras["printer"]

    with store.session() as s:
        entry = s.scalar(select(PhoneEntry).where(PhoneEntry.number == CALLER))
        assert entry is not None and entry.location_code, "the sample hospital lost 6123"
        loc = s.scalar(select(Location).where(Location.code == entry.location_code))
        assert loc is not None
        person, location, building = entry.person, entry.location_code, loc.building

    # Only li takes calls: wang is paused on the queue, through the center's own AMI client.
    ami = demo.wiring.parts["ami"].listener.client
    await ami.wait_ready(5)
    wang = next(i for i, _n, lg in DEMO_OPERATORS if lg == "wang")
    assert (await ami.queue_pause(wang, True, reason="test: li takes the call")).ok

    desk = await login(browser, demo.url, "li", (1600, 900))
    assert desk.url.endswith("/desk")
    wall = await login(browser, demo.url, "manager", (1920, 1080))
    await wall.goto(demo.url + "/wallboard")
    for page in (desk, wall):
        await page.wait_for_function("() => window.__live && window.__live.readyState === 1")
        await page.evaluate("window.__loads = (window.__loads || 0) + 1")  # gone if it reloads
    open_before = int(await text(wall, "#open-total"))
    created_before, done_before = (int(x) for x in (await text(wall, "#today")).split("/"))
    await shot(wall, "wallboard-before")

    # The phone rings: AMI events into the listener, the caller presses 1 in the FastAGI IVR.
    call = asyncio.create_task(demo.pbx.place_call(CallScript(CALLER, "", ["1"], talk_s=100)))
    await desk.wait_for_selector("#pop-body:not([hidden])")
    # the first pop may go out before the directory lookup returns (showing the IVR's location
    # code and no name); its update carries the person and the building
    await desk.wait_for_function(
        """([loc, person]) => document.querySelector('#pop-location').textContent.startsWith(loc)
                              && document.querySelector('#pop-person').textContent.includes(person)""",
        arg=[location, person])
    assert await text(desk, "#pop-number") == CALLER
    assert building in await text(desk, "#pop-location")
    assert await text(desk, "#pop-ivr") == "维修"
    await shot(desk, "desk-pop")
    await wall.wait_for_function(  # the wallboard's operator tiles come from the AMI stream
        "() => [...document.querySelectorAll('#operators .op-in_call')].some(li => li.dataset.login === 'li')")

    # Enter: the pop becomes a prefilled form; type what the caller says; Ctrl+Enter saves it.
    await desk.keyboard.press("Enter")
    form = "#new-ticket "
    assert await desk.input_value(form + "[name=reporter_phone]") == CALLER
    assert await desk.input_value(form + "[name=location_code]") == location
    assert await desk.input_value(form + "[name=service_type]") == "repair"
    uniqueid = await desk.input_value(form + "[name=call_uniqueid]")
    assert uniqueid
    await desk.keyboard.type("护士站顶灯不亮，闪烁")
    await shot(desk, "desk-form")
    await desk.keyboard.press("Control+Enter")
    await status_is(desk, "accepted")
    tid = int(await desk.get_attribute("#ticket-table tbody tr.selected", "data-id"))
    await wall_changes(wall, "#open-total", str(open_before + 1))
    await wall_changes(wall, "#today", f"{created_before + 1} / {done_before}")

    # Dispatch in the page to the worker it suggests (D, the shortcut).
    checked = await desk.wait_for_selector("#suggest input:checked")
    worker = await checked.get_attribute("value")
    await desk.keyboard.press("d")
    await status_is(desk, "dispatched")
    await desk.wait_for_selector(f"#ticket-table tr[data-id='{tid}'] .st-dispatched")
    await shot(desk, "desk-dispatched")

    with store.session() as s:
        phone = s.scalar(select(Staff.phone).where(Staff.code == worker))
    assert phone, f"the suggested worker {worker} has no mobile number"

    # The work order went out through the gateway into the emulated modem's network…
    def order_sent() -> list[str]:
        return [t for n, texts in emulator.delivered_texts().items() if n.endswith(phone[-11:])
                for t in texts if t.startswith(f"【工单{tid}】")]
    order = (await until("the work-order SMS", order_sent))[0]
    # it ends with how to reply and the link to the order's page on this center
    assert re.search(rf"回复:接单/到达/完成/无法 {tid} http://127\.0\.0\.1:\d+/w/[\w-]{{12,24}}$", order), order
    assert "护士站顶灯不亮" in order

    # …and the slip into the capture printer, in GB18030.
    slip = await until("the work slip", lambda: [j.data for j in printer.jobs
                                                  if f"No.{tid}".encode("gb18030") in j.data])
    assert building.encode("gb18030") in slip[0] and f"[{location}]".encode("gb18030") in slip[0]
    assert "护士站顶灯不亮".encode("gb18030") in slip[0]

    # The worker answers from the phone the order went to; the open page follows each step.
    emulator.receive(phone, f"{tid} 接单")
    await desk.wait_for_selector(f"#detail [data-code='{worker}'][data-assign=accepted]")
    assert await desk.get_attribute("#detail-status", "data-status") == "dispatched"  # accepting keeps it
    emulator.receive(phone, f"到达 {tid}")
    await status_is(desk, "in_progress")
    await desk.wait_for_selector(f"#ticket-table tr[data-id='{tid}'] .st-in_progress")
    emulator.receive(phone, f"{tid} 完成")
    await status_is(desk, "done")
    await shot(desk, "desk-done")
    await wall_changes(wall, "#open-total", str(open_before))
    await wall_changes(wall, "#today", f"{created_before + 1} / {done_before + 1}")
    await shot(wall, "wallboard-after")

    def confirms() -> list[str]:
        got = [t for n, texts in emulator.delivered_texts().items() if n.endswith(phone[-11:])
               for t in texts if t.startswith(f"工单{tid}已")]
        return got if len(got) >= 3 else []
    confirmed = await until("the three confirmations", confirms)
    assert [c[len(f"工单{tid}"):][:3] for c in confirmed] == ["已接单", "已到达", "已完成"]

    reloads = {"desk": await desk.evaluate("window.__loads"), "wall": await wall.evaluate("window.__loads")}
    async with asyncio.timeout(10):
        result = await call  # the caller hangs up after talking
    await wall.wait_for_function(
        "() => ![...document.querySelectorAll('#operators .op-in_call')].some(li => li.dataset.login === 'li')")
    with store.session() as s:
        t = s.get(Ticket, tid)
        ticket_row = (t.status, t.operator, t.service_type, t.location_code, t.reporter_phone, t.assignee)
        linked = list(s.scalars(select(TicketCall.uniqueid).where(TicketCall.ticket_id == tid)))
        orders = [(o.kind, o.staff_code) for o in s.scalars(
            select(SmsOut).where(SmsOut.ticket_id == tid, SmsOut.kind == "work_order"))]
    return {"call": result, "ticket": tid, "uniqueid": uniqueid, "linked": linked, "location": location,
            "ticket_row": ticket_row, "worker": worker, "orders": orders, "reloads": reloads}
