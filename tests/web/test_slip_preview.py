"""The slip preview is a page the app's own CSP lets draw: no inline style, its sheet from
/static/slip.css (the receipts adapter's stylesheet, served as a file)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from receipts.preview import PREVIEW_CSS
from receipts.service import build_slip_preview
from ticketing.fakes import FixedClock
from ticketing.service import TicketService
from ticketing.store import Store
from web.app import create_app

from .conftest import Web, make_deps, web_settings

STATIC = Path(__file__).resolve().parents[2] / "web" / "static"


@pytest.fixture
def with_slips(hospital: Store, service: TicketService, clock: FixedClock,
               tmp_path: Path) -> Iterator[Web]:
    settings = web_settings(tmp_path)
    deps = make_deps(hospital, service, clock, settings, slip_preview=build_slip_preview(settings))
    with TestClient(create_app(deps), base_url="http://testserver") as client:
        yield Web(deps, client)


def dispatched(web: Web) -> int:
    op = web.login("operator", client=web.new_client())
    tid = op.post("/api/tickets", json={"service_type": "repair", "location_code": "10305",
                                        "reporter_phone": "13800000009", "description": "灯不亮"}).json()["id"]
    assert op.post(f"/api/tickets/{tid}/dispatch", json={"staff_codes": ["W001"]}).status_code == 200
    return int(tid)


def test_the_slip_page_has_no_inline_style_and_links_its_sheet(with_slips: Web) -> None:
    tid = dispatched(with_slips)
    resp = with_slips.login("operator", client=with_slips.new_client()).get(f"/api/tickets/{tid}/slip")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    page = resp.text
    assert "<style" not in page and not re.search(r"\sstyle=", page)
    assert '<link rel="stylesheet" href="/static/slip.css">' in page
    assert "style-src 'self'" in resp.headers["content-security-policy"]
    assert "灯" in page and 'class="slip"' in page


def test_the_served_sheet_is_the_receipts_stylesheet(with_slips: Web) -> None:
    sheet = with_slips.client.get("/static/slip.css")
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/css")
    body = (STATIC / "slip.css").read_text(encoding="utf-8")
    assert sheet.text == body and body.split("*/\n", 1)[1] == PREVIEW_CSS
