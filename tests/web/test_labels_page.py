"""The rooms' QR labels page (administrators): choose, download the A4 PDF, print on the slip
printer, withdraw a room's codes, send a worker their list link."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from receipts.labels import label_sheet_pdf
from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.fakes import FixedClock
from ticketing.model import LinkGrant, PrintJob, SmsOut
from ticketing.store import Store
from web.app import create_app

from .conftest import Web, make_deps
from .mobile_rig import linked_service, mobile_settings


@pytest.fixture
def aweb(hospital: Store, clock: FixedClock, catalog: Catalog, calendar: BusinessCalendar,
         tmp_path: Path) -> Iterator[Web]:
    service = linked_service(hospital, clock, catalog, calendar)
    deps = make_deps(hospital, service, clock, mobile_settings(tmp_path), label_pdf=label_sheet_pdf)
    with TestClient(create_app(deps), base_url="http://testserver") as client:
        yield Web(deps, client)


def test_an_administrator_chooses_a_floor_and_gets_its_labels(aweb: Web) -> None:
    admin = aweb.login("admin")
    page = admin.get("/admin/qr?building=1号楼&floor=3")
    assert page.status_code == 200 and "房间二维码" in page.text
    assert "10305" in page.text and "10306" in page.text and "20101" not in page.text
    assert "/admin/qr" in admin.get("/admin").text  # reachable from the master data tabs
    pdf = admin.get("/admin/qr/labels.pdf?building=1号楼&floor=3")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and "10305-10306" in pdf.headers["content-disposition"]
    assert admin.get("/admin/qr/labels.pdf?room=20101").status_code == 200
    assert admin.get("/admin/qr/labels.pdf?building=9号楼").status_code == 404
    queued = admin.post("/admin/qr/print", data={"building": "1号楼", "floor": "3",
                                                 "csrf_token": admin.headers["X-CSRF-Token"]},
                        follow_redirects=False)
    assert queued.status_code == 303 and "done=queued" in queued.headers["location"]
    with aweb.deps.store.session() as s:
        job = s.scalars(select(PrintJob)).one()
    assert job.kind == "labels" and [lab["code"] for lab in job.snapshot["labels"]] == ["10305", "10306"]
    assert all(lab["url"].startswith("http://testserver/r/") for lab in job.snapshot["labels"])


def test_withdrawing_a_rooms_codes_and_sending_a_workers_link(aweb: Web) -> None:
    admin = aweb.login("admin")
    csrf = admin.headers["X-CSRF-Token"]
    old = aweb.deps.service.room_links(["10305"])[0][1]
    assert admin.post("/admin/qr/revoke", data={"code": "10305", "csrf_token": csrf},
                      follow_redirects=False).status_code == 303
    assert aweb.client.get(old.replace("http://testserver", "")).status_code == 410
    with aweb.deps.store.session() as s:
        assert s.scalars(select(LinkGrant.version)).one() == 2
    assert admin.post("/admin/qr/revoke", data={"code": "nope", "csrf_token": csrf}).status_code == 400
    assert admin.post("/admin/qr/worker", data={"staff": "W001", "action": "send", "csrf_token": csrf},
                      follow_redirects=False).status_code == 303
    with aweb.deps.store.session() as s:
        assert s.scalars(select(SmsOut.number).where(SmsOut.kind == "worker_list")).one() == "13800000001"
    # no token, no change; other roles may not
    assert admin.post("/admin/qr/revoke", data={"code": "10306"}, headers={"X-CSRF-Token": ""}).status_code == 403
    op = aweb.login("operator", client=aweb.new_client())
    assert op.get("/admin/qr").status_code == 403
    assert op.get("/admin/qr/labels.pdf?room=10305").status_code == 403
