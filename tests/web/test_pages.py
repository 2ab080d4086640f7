"""Every page and every desk panel, in both languages, at 1366×768 and 1920×1080 (the wallboard
also on a 3840×2160 television), in a real Chromium whose own time zone is not the center's:
no raw code or missing word, nothing wider than its box, no cell narrower than its shortest
word, no page taller than a few screens, no script error or refused resource (the pages' CSP
stays on), axe-core's WCAG A/AA rules (contrast included) on the desk, a ticket and the
wallboard (the other pages share their styles); the
pop → ticket → dispatch path by keyboard alone with the focus always visible; one clock.

The pages are listed once, in ``tests.web.pagelist.PAGES``: a new page joins every check by one line there.
One seeded store (``world.py``: the sample hospital, a year of tickets, a morning's work) and
one browser serve the whole module. Screenshots of every page go to tests/artifacts/pages/;
with ONESTOP_SCREENSHOTS=DIR (``make screenshots``) the zh-CN 1366×768 (phones: 390×844) ones of ``DOC_PAGES`` also go
to DIR (the README's tour shows docs/screenshots/).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ticketing.context import caller_context
from ticketing.model import PhoneEntry
from ticketing.store import Store

from . import world as W
from .conftest import ARTIFACTS
from .pagecheck import MEASURE_JS, VISIBLE_TEXT_JS, layout_problems, raw_identifiers, run_axe
from .pagelist import DESK_SIZES, DOC_PAGES, PAGES, PHONE_SIZES

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=zh-CN"]
BROWSER_ZONE = "America/New_York"  # not the center's (Asia/Shanghai): the pages must not care
SHOTS = ARTIFACTS / "pages"
DOCS = os.environ.get("ONESTOP_SCREENSHOTS", "")
# the pages the README's tour shows (docs/screenshots/<name>.png, written by `make screenshots`)
SIZES = sorted({size for page in PAGES for size in page.sizes} | set(DESK_SIZES))

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300),  # a walk of many pages in one browser
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs /usr/bin/chromium")]


@dataclass
class Site:
    world: W.World
    deps: Any
    url: str
    browser: Any


@pytest.fixture(scope="module")
def site(_migrated: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.conftest import PG_URL, empty_pg_tables

    tmp = tmp_path_factory.mktemp("pages")
    if PG_URL:
        url = PG_URL
        empty_pg_tables(url)
    else:
        shutil.copy(_migrated, tmp / "pages.sqlite")
        url = f"sqlite:///{tmp / 'pages.sqlite'}"
    store = Store(url)
    world = W.build_world(store)
    deps, server = W.serve(world, tmp)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield Site(world, deps, server.url, browser)
        finally:
            browser.close()
            server.stop()
            store.dispose()


def logged_in(url: str) -> bool:
    """The browser has left the log-in form: its session's cookie is set."""
    return "/login" not in url


def until(page: Any, js: str, timeout: float = 10.0) -> Any:
    """Poll ``js`` (an expression) in the page until it is truthy (no string-eval waits: the
    pages' CSP forbids eval, and it stays on)."""
    deadline = time.monotonic() + timeout
    while True:
        got = page.evaluate(js)
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {js}")
        time.sleep(0.05)


class Tab:
    """One logged-in browser tab that records what went wrong while it was used."""

    def __init__(self, site: Site, user: str | None, size: tuple[int, int], language: str) -> None:
        self.site, self.size, self.language = site, size, language
        self.ctx = site.browser.new_context(viewport={"width": size[0], "height": size[1]},
                                            locale=language, timezone_id=BROWSER_ZONE)
        self.page = self.ctx.new_page()
        self.page.set_default_timeout(15_000)
        self.errors: list[str] = []
        self.expected_status: set[int] = set()
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                     if m.type == "error" and not any(f" {s} " in m.text for s in map(str, self.expected_status)) else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("response", lambda r: self.errors.append(f"HTTP {r.status} {r.url}")
                     if r.status >= 400 and r.status not in self.expected_status else None)
        if user is None:
            return
        self.page.goto(site.url + "/login")
        self.page.fill("input[name=username]", user)
        self.page.fill("input[name=password]", W.PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(logged_in)

    def open(self, path: str, ready: bool = True) -> Any:
        self.page.goto(self.site.url + path)
        if ready:
            self.page.wait_for_selector("body[data-ready='1']", state="attached")
        return self.page

    def close(self) -> None:
        self.ctx.close()


def check(tab: Tab, name: str, max_screens: float = 4.0) -> list[str]:
    """Every check of one page as it is now, and its screenshots."""
    page = tab.page
    problems = [f"raw: {r}" for r in raw_identifiers(page.evaluate(VISIBLE_TEXT_JS), tab.language)]
    missing = page.evaluate("[...(document.getElementById('i18n-missing')?.dataset.keys || '').split(' '),"
                            " ...(window.__missingWords || [])].filter(Boolean)")
    problems += [f"missing word: {k}" for k in missing]
    problems += layout_problems(page.evaluate(MEASURE_JS), max_screens)
    problems += tab.errors
    tab.errors.clear()
    w, h = tab.size
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{tab.language}-{w}x{h}-{name}.jpeg"), full_page=True, type="jpeg",
                    quality=70)
    if DOCS and tab.language == "zh-CN" and (w, h) in ((1366, 768), *PHONE_SIZES) and name in DOC_PAGES:
        Path(DOCS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(DOCS) / f"{name}.png"))
    return [f"{name}: {p}" for p in problems]


def pop(site: Site, login: str) -> None:
    with site.world.store.session() as s:
        ctx = caller_context(s, "6123", site.world.clock.now()).as_dict()
    site.deps.hub.publish_pop(login, {"uniqueid": "1795487664.5", "caller_num": "6123", "ivr_choice": "repair",
                                      "context": ctx})


def desk_panels(tab: Tab) -> list[str]:
    """The desk: idle, with a pop, the meal and cleaning forms, each showcase ticket's pane."""
    site, page = tab.site, tab.open("/desk")
    found = check(tab, "desk")
    until(page, "window.__live && window.__live.readyState === 1")
    pop(site, "admin")
    page.wait_for_selector("#pop-body:not([hidden])")
    found += check(tab, "desk-pop")
    page.select_option("#new-ticket [name=service_type]", "meals")
    page.wait_for_selector("#meal-fields:not([hidden]) input.qty")
    found += check(tab, "desk-meal-form")
    page.select_option("#new-ticket [name=service_type]", "cleaning")
    page.wait_for_selector("#cleaning-fields:not([hidden])")
    page.goto(f"{site.url}/desk?view=today")
    for what, tid in site.world.tickets.items():
        if what == "merged":
            continue  # a merged ticket is closed: not in the open list; its page is checked below
        page.click(f"#ticket-table tr[data-id='{tid}'] td.desc")
        page.wait_for_selector(f"#ticket-detail[data-id='{tid}']")
        found += check(tab, f"desk-ticket-{what}")
    page.goto(f"{site.url}/desk?page=2")
    page.wait_for_selector("#ticket-table tbody tr")
    found += check(tab, "desk-page-2")
    return found


def listed_pages(site: Site, language: str, size: tuple[int, int]) -> list[str]:
    """``PAGES`` at ``size``, one tab per user."""
    found: list[str] = []
    pages = [p for p in PAGES if size in p.sizes]
    for user in dict.fromkeys(p.user for p in pages):
        tab = Tab(site, user, size, language)
        try:
            for p in (p for p in pages if p.user == user):
                tab.open(p.path.format(**site.world.tickets, **site.world.paths), ready=p.ready)
                found += check(tab, p.name, p.max_screens)
        finally:
            tab.close()
    return found


def forms_and_errors(tab: Tab) -> list[str]:
    """The pages one reaches by a click: a row's edit dialog, an import's report; a page that
    is not there."""
    found: list[str] = []
    page = tab.open("/admin?kind=staff")
    page.click("#admin-table tbody tr:first-child .edit-row")
    page.wait_for_selector("#edit-dialog[open]")
    found += check(tab, "admin-edit-dialog")
    page.click("#edit-cancel")
    page.set_input_files("#import-form input[type=file]", files=[{
        "name": "staff.csv", "mimeType": "text/csv",
        "buffer": "编码,姓名,电话,班组\nW900,新师傅,12345,T01\nW900,又一位,13800009999,T99\n".encode()}])
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-report:not([hidden]) table")
    found += check(tab, "admin-import-report")
    tab.expected_status = {403, 404}
    tab.open("/no/such/page", ready=False)
    found += check(tab, "error-404")
    tab.expected_status = set()
    return found


def log_in_pages(site: Site, language: str, size: tuple[int, int]) -> list[str]:
    """The pages of those not logged in, or not allowed: the log-in form, a failed log-in (the
    name is kept), the 403 page."""
    found: list[str] = []
    lp = Tab(site, None, size, language)
    lp.expected_status = {401, 403}
    try:
        lp.page.goto(f"{site.url}/login?lang={language}")
        found += check(lp, "login")
        lp.page.fill("input[name=username]", "viewer")
        lp.page.fill("input[name=password]", "wrong password")
        lp.page.click("button[type=submit]")
        lp.page.wait_for_selector(".login .error")
        assert lp.page.input_value("input[name=username]") == "viewer"  # the name is kept
        found += check(lp, "login-failed")
        lp.page.fill("input[name=password]", W.PASSWORD)
        lp.page.click("button[type=submit]")
        lp.page.wait_for_url(logged_in)
        lp.page.goto(f"{site.url}/admin")
        found += check(lp, "error-403")
    finally:
        lp.close()
    return found


LANGUAGES = pytest.mark.parametrize("language", ["zh-CN", "en"])
AT_DESK_SIZES = pytest.mark.parametrize("size", DESK_SIZES, ids=[str(w) for w, _h in DESK_SIZES])


@AT_DESK_SIZES
@LANGUAGES
def test_the_desk_and_its_panels_in_both_languages_hold_their_layout(site: Site, language: str,
                                                                      size: tuple[int, int]) -> None:
    W.set_language(site.world.store, language)
    tab = Tab(site, "admin", size, language)
    try:
        problems = desk_panels(tab)
    finally:
        tab.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("size", SIZES, ids=[str(w) for w, _h in SIZES])
@LANGUAGES
def test_every_page_in_both_languages_holds_its_layout(site: Site, language: str, size: tuple[int, int]) -> None:
    W.set_language(site.world.store, language)
    problems = listed_pages(site, language, size)
    assert problems == [], "\n".join(problems)


@AT_DESK_SIZES
@LANGUAGES
def test_forms_log_in_and_error_pages_in_both_languages(site: Site, language: str, size: tuple[int, int]) -> None:
    W.set_language(site.world.store, language)
    tab = Tab(site, "admin", size, language)
    try:
        problems = forms_and_errors(tab)
    finally:
        tab.close()
    problems += log_in_pages(site, language, size)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)], ids=["tv-1080p", "tv-4k"])
def test_the_wallboard_fills_a_television_and_passes_axe(site: Site, size: tuple[int, int]) -> None:
    W.set_language(site.world.store, "zh-CN")
    tab = Tab(site, "viewer", size, "zh-CN")
    try:
        page = tab.open("/wallboard")
        until(page, "window.__charts && window.__charts.length >= 3")
        problems = check(tab, f"wallboard-tv-{size[0]}", max_screens=1.0)
        problems += [f"axe: {v}" for v in run_axe(page)]
        # the big screen's figures are the queue panel's contract, from telephony and the call log
        assert page.text_content("#calls-waiting") == "2" and page.text_content("#abandoned-today") == "4"
        names = page.eval_on_selector_all("#operators li", "els => els.map(e => e.textContent)")
        assert names[0].startswith("李晓") and "通话中" in names[0] and names[2].startswith("赵敏")
        site.deps.hub.publish_wallboard({"calls_waiting": 5, "operators": {"Operator Li": {"state": "idle", "login": "li"}}})
        until(page, "document.getElementById('calls-waiting').textContent === '5'")
        assert page.text_content("#operators li") == "李晓空闲"
        font = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#open-total')).fontSize)")
        assert font >= size[1] / 20, "the wallboard's figures are read across a room"
        site.deps.hub.publish_wallboard(W.CTI)
    finally:
        tab.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_desk_and_wallboard_meet_wcag_aa(site: Site, language: str) -> None:
    W.set_language(site.world.store, language)
    tab = Tab(site, "admin", (1366, 768), language)
    problems: list[str] = []
    try:
        page = tab.open("/desk")
        page.click(f"#ticket-table tr[data-id='{site.world.tickets['dispatched']}'] td.desc")
        page.wait_for_selector("#ticket-detail")
        problems += [f"desk: {v}" for v in run_axe(page)]
        for name, path in [("ticket", f"/desk/tickets/{site.world.tickets['in_progress']}"),
                           ("wallboard", "/wallboard")]:
            tab.open(path)
            problems += [f"{name}: {v}" for v in run_axe(page)]
    finally:
        tab.close()
    assert problems == [], "\n".join(problems)


def test_pop_to_ticket_to_dispatch_by_keyboard_alone_with_the_focus_always_visible(site: Site) -> None:
    W.set_language(site.world.store, "zh-CN")
    tab = Tab(site, "li", (1366, 768), "zh-CN")
    page = tab.page
    focus_shown = ("(() => { const e = document.activeElement; const s = getComputedStyle(e);"
                   " return e !== document.body && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; })()")
    try:
        tab.open("/desk")
        for _ in range(14):  # the header, the pop, the form, the list: each stop shows where it is
            page.keyboard.press("Tab")
            assert page.evaluate(focus_shown), page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
        page.keyboard.press("Escape")
        until(page, "window.__live && window.__live.readyState === 1")
        pop(site, "li")
        page.wait_for_selector("#pop[data-state=ringing]")
        page.keyboard.press("Enter")  # the pop becomes the form, the cursor in its description
        assert page.evaluate("document.activeElement.name") == "description"
        page.keyboard.type("护士站顶灯不亮")
        page.keyboard.press("Control+Enter")
        page.wait_for_selector("#ticket-detail #act-dispatch")
        until(page, "document.activeElement && document.activeElement.id === 'act-dispatch'")
        assert page.evaluate(focus_shown)
        tid = int(page.get_attribute("#ticket-detail", "data-id"))
        page.keyboard.press("d")
        until(page, "document.querySelector('#detail-status')?.dataset.status === 'dispatched'")
        view = site.world.service.get(tid)
        with site.world.store.session() as s:  # where the directory says 6123 sits
            room = s.scalar(select(PhoneEntry.location_code).where(PhoneEntry.number == "6123"))
        assert view.status == "dispatched" and view.location_code == room and view.calls == ("1795487664.5",)
        # an in-progress ticket offers no dispatch and no worker to tick: the lifecycle says so
        page.keyboard.press("Escape")
        page.goto(f"{site.url}/desk/tickets/{site.world.tickets['in_progress']}")
        assert page.locator("#act-dispatch, #suggest").count() == 0
        assert page.locator("#act-complete").count() == 1
        assert tab.errors == []
    finally:
        tab.close()


def test_one_clock_whatever_the_browsers_zone(site: Site) -> None:
    """The browser runs in New York; every time on every page is Shanghai's, alike."""
    W.set_language(site.world.store, "zh-CN")
    tab = Tab(site, "admin", (1920, 1080), "zh-CN")
    try:
        assert tab.page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == BROWSER_ZONE
        tid = site.world.tickets["dispatched"]
        view = site.world.service.get(tid)
        expected = view.created_at.astimezone(ZoneInfo(site.deps.settings.timezone))
        short, full = expected.strftime("%m-%d %H:%M"), expected.strftime("%Y-%m-%d %H:%M")
        page = tab.open("/desk?view=today")
        row_time = page.text_content(f"#ticket-table tr[data-id='{tid}'] td.time").strip()
        assert row_time == short  # the server's rendering
        until(page, "window.__live && window.__live.readyState === 1")
        pop(site, "admin")  # the pop's recent tickets are drawn by the script
        page.wait_for_selector(f"#pop-tickets a[href='/desk/tickets/{tid}']")
        assert short in page.text_content(f"#pop-tickets li:has(a[href='/desk/tickets/{tid}'])")
        page.click(f"#ticket-table tr[data-id='{tid}'] td.desc")
        page.wait_for_selector("#ticket-detail")
        assert full in page.text_content("#ticket-detail .facts")
        assert page.evaluate("OneStop.when('2026-11-22T17:05:00Z', 'full')") == "2026-11-23 01:05"
        page = tab.open("/wallboard")
        assert page.text_content("#clock").startswith("09:3")  # the server's 09:30, not New York's 20:30
        page = tab.open(f"/desk/tickets/{tid}")
        assert full in page.text_content(".facts")
        steps = page.eval_on_selector_all(".timeline time", "els => els.map(e => e.textContent)")
        assert steps[0] == short
    finally:
        tab.close()

