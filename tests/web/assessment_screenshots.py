"""Screenshots of the 考核 pages in Debian's Chromium (Playwright), as a lead reading zh-CN.

``shoot(url, out)`` takes them from a running desk; ``python -m tests.web.assessment_screenshots
--out docs/screenshots`` makes the ones in the repository: the sample hospital with the
history ``onestop demo`` grows (as of 4 December 2026), served on loopback, each page shot at
1366×768 wide and as tall as it is; the lead's pages as the lead, "my cases" as operator 李晓.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGES = (("assessment-workers", "/stats/assessment?month={month}&level=worker"),
         ("assessment-teams", "/stats/assessment?month={month}&level=team"),
         ("assessment-grading", "/assessment/grade"),
         ("assessment-complaints", "/complaints?state=all"),
         ("assessment-campaign", "/campaigns/1"))
OWNER_PAGES = (("assessment-my-cases", "/desk/mine"),)  # an operator's: the lead owns no cases


def open_page(browser: Any, url: str, username: str, password: str, size: tuple[int, int]) -> Any:
    """A logged-in page (the CSP stays on: the pages must work under it)."""
    page = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN",
                               timezone_id="Asia/Shanghai").new_page()
    page.set_default_timeout(15_000)
    page.goto(url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/login" not in u)  # logged in: the session's cookie is set
    return page


def wait_until(page: Any, expression: str, timeout_s: float = 15.0) -> None:
    """Wait for a JavaScript condition to hold (``page.wait_for_function`` evaluates a string,
    which the pages' CSP forbids; ``evaluate`` goes through the debugger and is allowed)."""
    import time

    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not true within {timeout_s} s: {expression}")
        page.wait_for_timeout(50)


def charts_drawn(page: Any) -> int:
    """How many chart boxes hold a drawn canvas (ECharts)."""
    return int(page.evaluate("document.querySelectorAll('[data-chart-kind] canvas').length"))


def shoot(url: str, out: Path, username: str, password: str, month: str,
          size: tuple[int, int] = (1366, 768), pages: tuple[tuple[str, str], ...] = PAGES,
          browser: Any = None) -> list[Path]:
    """Each page as a PNG in ``out`` (``browser``: a launched Chromium, else one is started)."""
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            try:
                return shoot(url, out, username, password, month, size, pages, launched)
            finally:
                launched.close()
    out.mkdir(parents=True, exist_ok=True)
    made = []
    page = open_page(browser, url, username, password, size)
    for name, path in pages:
        page.goto(url + path.format(month=month))
        page.wait_for_load_state("networkidle")
        wait_until(page, "document.querySelectorAll('[data-chart-kind] canvas, [data-chart-kind] p').length"
                         " === document.querySelectorAll('[data-chart-kind]').length")
        target = out / f"{name}.png"
        page.screenshot(path=str(target), full_page=True)
        made.append(target)
    page.context.close()
    return made


def demo_store(path: Path, now: datetime) -> str:
    """The sample hospital and the demo's history in an SQLite file; returns its URL."""
    from config.settings import Settings
    from onestop.core import build_core
    from onestop.demo import grow_history
    from ticketing.fakes import FixedClock
    from ticketing.seed import seed_hospital

    url = f"sqlite:///{path}"
    core = build_core(Settings(database_url=url, data_dir=str(path.parent)), clock=FixedClock(now))
    seed_hospital(core.store, demo_users=True, at=now)
    grow_history(core)
    core.close()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="docs/screenshots", help="where the PNG files go")
    args = parser.parse_args()
    from config.settings import Settings, WebSettings
    from onestop.core import build_core
    from ticketing.fakes import FixedClock
    from ticketing.seed import DEMO_PASSWORD
    from web.app import create_app
    from web.deps import WebDeps
    from web.server import ThreadedServer

    now = datetime(2026, 12, 4, 2, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        url = demo_store(Path(tmp) / "onestop.sqlite", now)
        settings = Settings(database_url=url, data_dir=tmp, web=WebSettings(secret_key="screenshots-" + "x" * 20))
        core = build_core(settings, clock=FixedClock(now))
        deps = WebDeps(settings=settings, store=core.store, service=core.service, clock=core.clock,
                       sms_outbox=core.sms_outbox, print_queue=core.print_queue, survey_queue=core.survey_queue)
        server = ThreadedServer(create_app(deps)).start()
        try:
            for user, pages in (("lead", PAGES), ("li", OWNER_PAGES)):
                for made in shoot(server.url, Path(args.out), user, DEMO_PASSWORD, "2026-11", pages=pages):
                    print(made)
        finally:
            server.stop()
            core.close()


if __name__ == "__main__":
    main()
