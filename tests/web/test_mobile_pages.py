"""The phone pages over HTTP: a room's code reports, the reporter follows, the worker acts from
the work order's link; every bad link or bad photo gets a clear page in the reader's language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.fakes import FixedClock
from ticketing.model import AuditLog, Location, SmsOut, SparePart, Ticket, TicketPhoto
from ticketing.store import Store
from web.api import PUBLIC_ROUTES, TOKEN_ROUTES
from web.app import create_app

from ..ticketing.images import jpeg
from .conftest import Web, make_deps
from .mobile_rig import linked_service, mobile_settings, path_of, sms_link
from .test_security import served_routes


@pytest.fixture
def mweb(hospital: Store, clock: FixedClock, catalog: Catalog, calendar: BusinessCalendar,
         tmp_path: Path) -> Iterator[Web]:
    service = linked_service(hospital, clock, catalog, calendar)
    deps = make_deps(hospital, service, clock, mobile_settings(tmp_path, qr_reports_per_room_hour=5))
    deps.feed_interval_s = 3600
    with TestClient(create_app(deps), base_url="http://testserver") as client:
        yield Web(deps, client)


def room_path(web: Web, code: str = "10305") -> str:
    return path_of(web.deps.service.room_links([code])[0][1])


def _photo(name: str = "p.jpg", data: bytes | None = None, kind: str = "image/jpeg") -> tuple[str, tuple[str, bytes, str]]:
    return ("photo", (name, data if data is not None else jpeg(), kind))


def _report(web: Web, path: str, files: list[Any] | None = None, **data: str) -> Any:
    return web.client.post(path, data={"service_type": "repair", "description": "灯不亮", **data},
                           files=files or [], follow_redirects=False)


def test_a_room_code_opens_the_form_with_the_room_and_the_kinds_in_words(mweb: Web) -> None:
    page = mweb.client.get(room_path(mweb))
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = page.text
    assert "扫码报修" in text and "1号楼 3层 305" in text and "护士站" in text
    assert 'value="repair"' in text and "维修" in text and "运送" in text
    assert 'value="meals"' not in text and 'value="operator"' not in text  # a form of their own; no skill
    en = mweb.client.get(room_path(mweb), headers={"Accept-Language": "en-US,en;q=0.9"}).text
    assert "Report a problem" in en and "1号楼, floor 3, room 305" in en and "Repair" in en
    assert "Report a problem" in mweb.client.get(room_path(mweb) + "?lang=en").text


def test_a_report_makes_a_qr_ticket_and_leads_to_its_status_page(mweb: Web) -> None:
    resp = _report(mweb, room_path(mweb), [_photo()], phone="13812345678")
    assert resp.status_code == 303 and re.fullmatch(r"/s/[\w-]+\?new=1", resp.headers["location"])
    with mweb.deps.store.session() as s:
        t = s.scalars(select(Ticket)).one()
        photo = s.scalars(select(TicketPhoto)).one()
        sms = s.scalars(select(SmsOut).where(SmsOut.kind == "reporter")).one()
    assert (t.source, t.location_code, t.reporter_phone, t.operator) == ("qr", "10305", "13812345678", "qr:10305")
    assert photo.ticket_id == t.id and photo.stage == "report"
    assert (mweb.deps.settings.resolved_data_dir() / "photos" / photo.sha256[:2] / f"{photo.sha256}.jpg").exists()
    assert f"单号{t.id}" in sms.text
    status = mweb.client.get(resp.headers["location"])
    assert status.status_code == 200 and f"#{t.id}" in status.text and "报修已受理" in status.text
    assert 'data-status="accepted"' in status.text and "受理" in status.text
    # the status page names nobody and shows no number
    assert "13812345678" not in status.text and "qr:10305" not in status.text
    assert sms_link(mweb.deps.store, "reporter", number="13812345678") == resp.headers["location"].split("?")[0]


def test_the_reporter_follows_the_steps_in_words(mweb: Web) -> None:
    status = _report(mweb, room_path(mweb), phone="6123").headers["location"].split("?")[0]
    with mweb.deps.store.session() as s:
        tid = s.scalars(select(Ticket.id)).one()
    mweb.deps.service.dispatch("li", tid, ["W001"])
    mweb.deps.clock.advance(minutes=5)  # type: ignore[attr-defined]
    mweb.deps.service.worker_accept("sms:W001", tid, "W001")
    text = mweb.client.get(status).text
    steps = re.findall(r'data-step="(\w+)"', text)
    assert steps == ["accepted", "dispatched", "worker_accepted"]
    assert "已派工" in text and "师傅已接单" in text and "预计完成" in text
    en = mweb.client.get(status + "?lang=en").text
    assert "Worker on the way" in en and "Dispatched" in en
    assert "王师傅" not in text and "13800000001" not in text


def test_a_room_with_an_open_ticket_of_that_kind_asks_before_a_second(mweb: Web) -> None:
    path = room_path(mweb)
    first = _report(mweb, path)
    with mweb.deps.store.session() as s:
        tid = s.scalars(select(Ticket.id)).one()
    assert "已在处理" in mweb.client.get(path).text  # the badge on the open kind
    asked = _report(mweb, path, description="还是不亮")
    assert asked.status_code == 200 and f'data-ticket="{tid}"' in asked.text and "还是不亮" in asked.text
    added = _report(mweb, path, description="还是不亮", duplicate="add")
    assert added.headers["location"].endswith("?added=1")
    assert added.headers["location"].split("?")[0] == first.headers["location"].split("?")[0]
    assert mweb.deps.service.get(tid).timeline[-1].note == "还是不亮"
    anew = _report(mweb, path, description="另一盏", duplicate="new")
    assert anew.status_code == 303
    with mweb.deps.store.session() as s:
        assert s.query(Ticket).count() == 2


@pytest.mark.parametrize("files, reason, status, words", [
    ([_photo("x.pdf", b"%PDF-1.4 " * 40, "application/pdf")], "not_image", 400, "不是照片"),
    ([_photo("x.gif", b"GIF89a" + b"\x00" * 40, "image/gif")], "not_image", 400, "不是照片"),
    ([_photo(f"{i}.jpg") for i in range(4)], "too_many", 400, "最多3张"),
])
def test_a_bad_photo_gets_the_form_back_with_the_reason(mweb: Web, files: list[Any], reason: str,
                                                      status: int, words: str) -> None:
    resp = _report(mweb, room_path(mweb), files, description="留着这段话")
    assert resp.status_code == status and f'data-reason="{reason}"' in resp.text and words in resp.text
    assert "留着这段话" in resp.text  # what was typed is kept
    with mweb.deps.store.session() as s:
        assert s.query(Ticket).count() == 0


def test_an_oversized_photo_is_refused_before_it_is_processed(hospital: Store, clock: FixedClock,
                                                              catalog: Catalog, calendar: BusinessCalendar,
                                                              tmp_path: Path) -> None:
    service = linked_service(hospital, clock, catalog, calendar)
    deps = make_deps(hospital, service, clock, mobile_settings(tmp_path, photo_max_mb=0.05))
    with TestClient(create_app(deps), base_url="http://testserver") as client:
        web = Web(deps, client)
        big = jpeg((3000, 2000), gps=False)
        assert len(big) > 0.05 * 1024 * 1024
        resp = _report(web, room_path(web), [_photo(data=big)])
        assert resp.status_code == 413 and "照片太大" in resp.text


def test_bad_links_get_clear_pages_never_a_traceback(mweb: Web, clock: FixedClock) -> None:
    good = room_path(mweb)
    cases = {
        good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"): (404, "链接无效"),
        "/r/" + "x" * 200: (404, "链接无效"),
        "/r/<script>": (404, "链接无效"),
        "/s/" + good.split("/")[-1]: (404, "链接无效"),  # a room's code is no status link
        "/w/%E5%B7%A5%E5%8D%95": (404, "链接无效"),
    }
    for path, (status, words) in cases.items():
        resp = mweb.client.get(path)
        assert resp.status_code == status and words in resp.text and "Traceback" not in resp.text, path
        assert resp.headers["content-type"].startswith("text/html")
    en = mweb.client.get("/r/garbage", headers={"Accept-Language": "en"})
    assert "This link is not valid" in en.text
    # a revoked room code, and a removed room
    mweb.deps.service.revoke_link("admin", "room", "10305")
    assert "已停用" in mweb.client.get(good).text and mweb.client.get(good).status_code == 410
    assert _report(mweb, good).status_code == 410
    other = room_path(mweb, "10306")
    with mweb.deps.store.session() as s:
        s.scalars(select(Location).where(Location.code == "10306")).one().active = False
    resp = mweb.client.get(other)
    assert resp.status_code == 410 and "此房间已不在系统中" in resp.text
    # a status link past its last day (30 days)
    status = _report(mweb, room_path(mweb, "20101")).headers["location"].split("?")[0]
    clock.advance(days=32)
    resp = mweb.client.get(status)
    assert resp.status_code == 410 and "链接已过期" in resp.text


def test_reports_past_the_hour_limit_get_a_page_that_says_so(mweb: Web) -> None:
    path = room_path(mweb)
    for kind in ("repair", "transport", "oxygen", "complaint", "cleaning"):  # the limit: 5
        assert _report(mweb, path, service_type=kind).status_code == 303
    resp = _report(mweb, path, [_photo()], service_type="repair", duplicate="new")
    assert resp.status_code == 429 and "提交太频繁" in resp.text
    # refused before its photo was decoded or stored
    assert not list((mweb.deps.settings.resolved_data_dir() / "photos").rglob("*.jpg"))


def _dispatched(web: Web) -> tuple[int, str]:
    _report(web, room_path(web), [_photo()], phone="13812345678", description="3床灯管不亮")
    with web.deps.store.session() as s:
        tid = s.scalars(select(Ticket.id)).one()
        s.scalars(select(Ticket)).one().reporter_name = "张护士"
    web.deps.service.dispatch("li", tid, ["W001"])
    return tid, sms_link(web.deps.store, "work_order", staff_code="W001")


def test_the_worker_page_shows_the_order_and_acts_like_the_sms_replies(mweb: Web) -> None:
    tid, link = _dispatched(mweb)
    assert link.startswith("/w/")
    page = mweb.client.get(link)
    text = page.text
    assert page.status_code == 200 and f"#{tid}" in text and "维修" in text
    assert "1号楼 3层 305" in text and "心内科" in text and "3床灯管不亮" in text
    assert "张护士" in text and 'href="tel:13812345678"' in text
    assert 'id="do-accept"' in text and "接单时限" in text and "/w/" in text and "/photo/" in text
    thumb = re.search(r'src="(/w/[^"]+/photo/\d+\?thumb=1)"', text).group(1)  # type: ignore[union-attr]
    img = mweb.client.get(thumb)
    assert img.status_code == 200 and img.headers["content-type"] == "image/jpeg" and img.content[:2] == b"\xff\xd8"
    ok = mweb.client.post(link + "/accept", follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == link + "?did=accept"
    assert "已接单" in mweb.client.get(ok.headers["location"]).text
    assert mweb.client.post(link + "/arrived").status_code == 200
    again = mweb.client.post(link + "/arrived")
    assert again.status_code == 409 and "当前状态不能执行此操作" in again.text
    done = mweb.client.post(link + "/done", data={"part1": "P0001 灯管 T8 36W", "qty1": "2", "part2": ""},
                            files=[_photo("after.jpg", jpeg(colour=(90, 90, 90)))], follow_redirects=False)
    assert done.status_code == 303
    finished = mweb.client.get(done.headers["location"])  # the worker is told, not "ended"
    assert finished.status_code == 200 and "已完成，辛苦了" in finished.text
    view = mweb.deps.service.get(tid)
    assert view.status == "done" and view.parts == (("P0001", 2),)
    # the worker's own steps (the requester's "done, reply 1–5" SMS is the system's note)
    assert [(e.action, e.actor) for e in view.timeline if e.actor == "web:W001"][-3:] == [
        ("start", "web:W001"), ("complete", "web:W001"), ("photo", "web:W001")]
    with mweb.deps.store.session() as s:
        assert s.scalars(select(SparePart)).one().stock == 8
        via = s.scalars(select(AuditLog).where(AuditLog.entity == "assignment")).all()
    assert [(a.action, a.after["via"]) for a in via] == [
        ("link_accept", "web link"), ("link_arrived", "web link"), ("link_done", "web link")]
    ended = mweb.client.get(link)
    assert ended.status_code == 410 and "此工单对您已结束" in ended.text
    assert mweb.client.get(thumb).status_code == 410  # its photos end with it too


def test_the_worker_page_in_english_and_a_refused_part(mweb: Web) -> None:
    tid, link = _dispatched(mweb)
    en = mweb.client.get(link + "?lang=en").text
    assert "Accept" in en and "Reported by" in en and "Repair" in en and "中文" in en
    bad = mweb.client.post(link + "/done?lang=en", data={"part1": "NOPE", "qty1": "1"})
    assert bad.status_code == 400 and "Not done" in bad.text and "NOPE" in bad.text
    assert mweb.deps.service.get(tid).status == "dispatched"
    odd = mweb.client.post(link + "/done", data={"part1": "P0001", "qty1": "-3"})
    assert odd.status_code == 400
    assert mweb.client.post(link + "/explode").status_code == 400
    cannot = mweb.client.post(link + "/cannot", data={"reason": "缺少配件"}, follow_redirects=False)
    assert cannot.status_code == 303
    assert mweb.deps.service.get(tid).status == "accepted"
    assert mweb.client.get(link).status_code == 410


def test_the_workers_list_links_each_open_order(mweb: Web) -> None:
    tid, link = _dispatched(mweb)
    page = mweb.client.get(link)
    list_path = re.search(r'href="(/l/[\w-]+)" id="my-list"', page.text).group(1)  # type: ignore[union-attr]
    listing = mweb.client.get(list_path)
    assert listing.status_code == 200 and f'data-ticket="{tid}"' in listing.text and "王师傅" in listing.text
    assert link in listing.text
    mweb.deps.service.revoke_link("admin", "worker", "W001")
    assert mweb.client.get(list_path).status_code == 410


def test_the_desk_sees_photos_and_never_a_workers_link(mweb: Web) -> None:
    tid, link = _dispatched(mweb)
    op = mweb.login("operator", client=mweb.new_client())
    photos = op.get(f"/api/tickets/{tid}/photos").json()
    assert [p["stage"] for p in photos] == ["report"]
    img = op.get(photos[0]["url"])
    assert img.status_code == 200 and img.content[:2] == b"\xff\xd8"
    assert op.get(photos[0]["thumb"]).status_code == 200
    detail = op.get(f"/api/tickets/{tid}").json()
    assert detail["photos"] == photos
    order = next(m for m in detail["sms"] if m["kind"] == "work_order")
    assert "/w/…" in order["text"] and link.split("/")[-1] not in order["text"]
    assert 'id="photos"' in op.get(f"/desk/tickets/{tid}").text
    viewer = mweb.login("viewer", client=mweb.new_client())
    assert viewer.get(f"/api/tickets/{tid}/photos").status_code == 403
    assert viewer.get(photos[0]["url"]).status_code == 403
    assert viewer.get(f"/api/tickets/{tid}").json()["photos"] == []
    assert 'id="photos"' not in viewer.get(f"/desk/tickets/{tid}").text
    assert op.get("/api/photos/999").status_code == 404


def test_every_route_open_without_a_session_is_declared(mweb: Web) -> None:
    """Token routes are listed in web.api.TOKEN_ROUTES, as public /api/ routes are in
    PUBLIC_ROUTES; anything else without a session check is the log-in, the home redirect,
    the static files or the API's own documents."""
    known = {"/", "/login", "/logout", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/static"}
    undeclared, served = [], set()
    for path, _methods, route in served_routes(mweb.client.app):
        served.add(path)
        if not isinstance(route, APIRoute):
            continue
        checks = [getattr(d.call, "permission", None) for d in route.dependant.dependencies]
        if any(checks) or path in known or path in PUBLIC_ROUTES:
            continue
        if path not in TOKEN_ROUTES:
            undeclared.append(path)
    assert undeclared == []
    assert set(TOKEN_ROUTES) <= served
