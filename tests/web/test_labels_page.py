"""The rooms' QR labels page (administrators): choose, download the A4 PDF, print on the slip
printer, withdraw a room's codes, send a worker their list link."""

from __future__ import annotations

import re
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
from ticketing.service import NewTicket
from ticketing.store import Store
from web.app import create_app

from .conftest import Web, make_deps
from .mobile_rig import linked_service, mobile_settings, sms_link


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
    wrong = admin.post("/admin/qr/revoke", data={"code": "nope", "csrf_token": csrf})
    assert wrong.status_code == 200 and "没有这个房间编码" in wrong.text  # back on the page, said why
    assert admin.post("/admin/qr/worker", data={"staff": "W001", "action": "send", "csrf_token": csrf},
                      follow_redirects=False).status_code == 303
    with aweb.deps.store.session() as s:
        assert s.scalars(select(SmsOut.number).where(SmsOut.kind == "worker_list")).one() == "13800000001"
    # no token, no change; other roles may not
    assert admin.post("/admin/qr/revoke", data={"code": "10306"}, headers={"X-CSRF-Token": ""}).status_code == 403
    op = aweb.login("operator", client=aweb.new_client())
    assert op.get("/admin/qr").status_code == 403
    assert op.get("/admin/qr/labels.pdf?room=10305").status_code == 403


def test_a_tickets_leaked_links_withdrawn_and_the_reporters_link_sent(aweb: Web) -> None:
    service = aweb.deps.service
    t = service.accept("li", NewTicket(service_type="repair", location_code="10305",
                                       reporter_phone="13912345678"))
    service.dispatch("li", t.id, ["W001"])
    old = sms_link(aweb.deps.store, "work_order", "W001")
    assert aweb.client.get(old).status_code == 200
    admin = aweb.login("admin")
    csrf = admin.headers["X-CSRF-Token"]
    sent = admin.post("/admin/qr/ticket", data={"ticket": f"#{t.id}", "action": "status",
                                                "csrf_token": csrf})
    assert sent.status_code == 200 and "进度链接已发送给报修人" in sent.text
    status = sms_link(aweb.deps.store, "reporter", number="13912345678")
    assert aweb.client.get(status).status_code == 200
    renewed = admin.post("/admin/qr/ticket", data={"ticket": str(t.id), "action": "withdraw",
                                                   "csrf_token": csrf})
    assert renewed.status_code == 200 and "新链接已发送" in renewed.text
    for path in (old, status):
        gone = aweb.client.get(path)
        assert gone.status_code == 410 and "已停用" in gone.text
    new = sms_link(aweb.deps.store, "work_order", "W001")
    assert new != old and aweb.client.get(new).status_code == 200
    assert aweb.client.get(sms_link(aweb.deps.store, "reporter", number="13912345678")).status_code == 200
    # bad input is said on the page, in the administrator's words
    for ticket, words in (("abc", "请输入工单号"), ("99999", "没有这个工单")):
        page = admin.post("/admin/qr/ticket", data={"ticket": ticket, "action": "withdraw",
                                                    "csrf_token": csrf})
        assert page.status_code == 200 and words in page.text, ticket
    ward = service.accept("li", NewTicket(service_type="repair", location_code="10305", reporter_phone="6123"))
    page = admin.post("/admin/qr/ticket", data={"ticket": str(ward.id), "action": "status", "csrf_token": csrf})
    assert "不是手机号" in page.text
    # the desk's roles do it through the API; a viewer may not
    op = aweb.login("operator", client=aweb.new_client())
    got = op.post(f"/api/tickets/{t.id}/links/withdraw", json={"resend": False})
    assert got.status_code == 200 and got.json() == {"work_orders": 1, "sms": []}
    assert aweb.client.get(new).status_code == 410
    assert op.post(f"/api/tickets/{ward.id}/status-link").status_code == 400
    assert op.post(f"/api/tickets/{t.id}/status-link").status_code == 200
    viewer = aweb.login("viewer", client=aweb.new_client())
    assert viewer.post(f"/api/tickets/{t.id}/links/withdraw", json={}).status_code == 403


def test_the_rooms_and_the_workers_come_a_page_at_a_time(aweb: Web) -> None:
    from ticketing.model import Location, Staff

    with aweb.deps.store.session() as s:  # a building of 95 rooms, 40 workers more
        s.add_all(Location(code=f"9{i:04d}", campus="本部", building="9号楼", floor=str(1 + i // 20),
                           room=f"{i:03d}", name="病房", active=True) for i in range(95))
        s.add_all(Staff(code=f"X{i:03d}", name=f"师傅{i}", phone="", role="worker", active=True)
                  for i in range(40))
        s.commit()
    admin = aweb.login("admin")
    first = admin.get("/admin/qr?building=9号楼")
    codes = lambda text: re.findall(r"<td>(9\d{4})</td>", text)  # noqa: E731
    assert codes(first.text) == [f"9{i:04d}" for i in range(40)] and "第 1 / 3 页" in first.text
    assert "(95)" in first.text  # the PDF takes the whole building
    last = admin.get("/admin/qr?building=9号楼&page=3")
    assert codes(last.text) == [f"9{i:04d}" for i in range(80, 95)] and "第 3 / 3 页" in last.text
    assert codes(admin.get("/admin/qr?building=9号楼&page=99").text) == codes(last.text)
    found = admin.get("/admin/qr?worker=师傅3")
    names = re.findall(r"<td>(师傅\d+)</td>", found.text)
    assert names == ["师傅3", *(f"师傅{i}" for i in range(30, 40))]
    assert "没有符合的师傅" in admin.get("/admin/qr?worker=nobody").text
