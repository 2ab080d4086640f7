"""The links' commands: a room's code reports through the core with its limits, duplicates and
phone codes; the worker's page takes the SMS reply's steps; every link can be revoked."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.channels import LinkRefused, QrLimits, QrReport
from ticketing.fakes import FixedClock, PlainComposer
from ticketing.lifecycle import IllegalTransition
from ticketing.model import AuditLog, Location, SmsOut, SparePart, TicketPhoto
from ticketing.photos import process
from ticketing.service import NewTicket, TicketService
from ticketing.store import Store
from ticketing.tokens import Links, LinkSigner, Purpose

from .factories import small_hospital
from .images import jpeg

LIMITS = QrLimits(per_room_hour=3, per_address_hour=5)
WIDE = QrLimits(per_room_hour=50, per_address_hour=50)


class CodeComposer(PlainComposer):
    """Keeps the code a verification SMS carries, as a phone would show it."""

    def render(self, template: str, language: str, data: dict) -> str:  # type: ignore[type-arg]
        text = super().render(template, language, data)
        return f"{text}|code={data['code']}" if template == "verify_code" else f"{text}|{data.get('link', '')}"


@pytest.fixture
def svc(store: Store, clock: FixedClock, catalog: Catalog, calendar: BusinessCalendar) -> Iterator[TicketService]:
    small_hospital(store)
    links = Links(LinkSigner("test-link-secret-0123456789"), base_url="http://hq")
    yield TicketService(store, clock, catalog, calendar, CodeComposer(), links=links)


def _room(svc: TicketService, code: str = "10305"):  # type: ignore[no-untyped-def]
    url = svc.room_links([code])[0][1]
    return svc.read_link(url.rsplit("/", 1)[1], Purpose.ROOM)


def _audit(svc: TicketService, **where: str) -> list[AuditLog]:
    with svc.store.session() as s:
        q = select(AuditLog)
        for k, v in where.items():
            q = q.where(getattr(AuditLog, k) == v)
        return list(s.scalars(q.order_by(AuditLog.id)))


def test_a_room_code_reports_a_qr_ticket_and_texts_the_reporter_its_status_link(svc: TicketService) -> None:
    claim = _room(svc)
    room = svc.room(claim)
    assert (room.code, room.building, room.floor, room.room, room.name) == ("10305", "1号楼", "3", "305", "护士站")
    photo = process(jpeg(), 1 << 23)
    out = svc.qr_report(claim, QrReport("repair", "灯不亮", phone="138-1234-5678", photos=(photo,)),
                        "10.1.1.9", LIMITS)
    t = svc.get(out.ticket_id)  # type: ignore[arg-type]
    assert (t.source, t.location_code, t.operator, t.reporter_phone, t.description) == \
        ("qr", "10305", "qr:10305", "13812345678", "灯不亮")
    assert [e.action for e in t.timeline] == ["accept", "photo"]
    with svc.store.session() as s:
        sms = s.scalars(select(SmsOut).where(SmsOut.kind == "reporter")).one()
        photos = s.scalars(select(TicketPhoto)).all()
    assert sms.number == "13812345678" and sms.ticket_id == t.id
    link = re.search(r"http://hq/s/(\S+)", sms.text).group(1)  # type: ignore[union-attr]
    assert svc.read_link(link, Purpose.STATUS).ids == (t.id,)
    assert [(p.ticket_id, p.stage, p.sha256, p.uploaded_by) for p in photos] == \
        [(t.id, "report", photo.sha256, "qr:10305")]
    # an extension is kept but gets no SMS; a cleaning report names the room as its area
    out = svc.qr_report(claim, QrReport("cleaning", "地面有水", phone="6123"), "10.1.1.9", LIMITS)
    c = svc.get(out.ticket_id)  # type: ignore[arg-type]
    assert c.reporter_phone == "6123" and c.details["cleaning"] == {"area": "护士站", "kind": "routine"}
    with svc.store.session() as s:
        assert s.query(SmsOut).filter_by(kind="reporter").count() == 1


def test_a_report_of_an_open_kind_asks_then_adds_or_reports_anew(svc: TicketService) -> None:
    claim = _room(svc)
    first = svc.qr_report(claim, QrReport("repair", "灯不亮"), "a", WIDE).ticket_id
    assert svc.room(claim).open_types == ("repair",)
    asked = svc.qr_report(claim, QrReport("repair", "还是不亮"), "a", WIDE)
    assert (asked.ticket_id, asked.duplicate_of, asked.added) == (None, first, False)
    added = svc.qr_report(claim, QrReport("repair", "还是不亮", phone="6240", duplicate="add"), "a", WIDE)
    assert (added.ticket_id, added.added) == (first, True)
    note = svc.get(first).timeline[-1]  # type: ignore[arg-type]
    assert (note.action, note.actor, note.note) == ("qr_note", "qr:10305", "还是不亮 · 6240")
    anew = svc.qr_report(claim, QrReport("repair", "另一盏灯", duplicate="new"), "b", WIDE)
    assert anew.ticket_id not in (None, first) and anew.duplicate_of == first
    # another kind is no duplicate
    assert svc.qr_report(claim, QrReport("transport", "送标本"), "b", WIDE).duplicate_of is None


def test_limits_per_room_and_per_address_hold_within_the_hour(svc: TicketService, clock: FixedClock) -> None:
    claim, other = _room(svc), _room(svc, "10306")
    kinds = ["repair", "transport", "oxygen"]
    for kind in kinds:  # 3 an hour for a room's code
        svc.qr_report(claim, QrReport(kind), f"addr{kind}", LIMITS)
    with pytest.raises(LinkRefused) as err:
        svc.qr_report(claim, QrReport("complaint"), "fresh", LIMITS)
    assert err.value.reason == "rate_limited"
    for kind in ("repair", "transport"):  # the address a1 made 0 so far: 5 an hour
        svc.qr_report(other, QrReport(kind), "a1", LIMITS)
    clock.advance(hours=1)
    svc.qr_report(claim, QrReport("complaint"), "a1", LIMITS)  # a new hour for the room
    for kind in ("oxygen", "complaint"):
        svc.qr_report(other, QrReport(kind, duplicate="new"), "a1", LIMITS)
    # a1: 2 in the first hour; 3 in this one
    svc.qr_report(_room(svc, "20101"), QrReport("repair"), "a1", LIMITS)
    svc.qr_report(_room(svc, "20101"), QrReport("transport"), "a1", LIMITS)
    with pytest.raises(LinkRefused, match="rate_limited|too many"):
        svc.qr_report(_room(svc, "20101"), QrReport("oxygen"), "a1", LIMITS)


def test_a_meal_order_or_an_unknown_kind_cannot_be_reported_by_a_room_code(svc: TicketService) -> None:
    for kind in ("meals", "operator", "nonsense"):
        with pytest.raises(LinkRefused) as err:
            svc.qr_report(_room(svc), QrReport(kind), "a", WIDE)
        assert err.value.reason == "service_type"
    with pytest.raises(LinkRefused) as err:
        svc.qr_report(_room(svc), QrReport("repair", phone="12"), "a", WIDE)
    assert err.value.reason == "phone"


def test_the_phone_is_confirmed_by_the_code_it_was_sent(svc: TicketService) -> None:
    limits = QrLimits(per_room_hour=50, per_address_hour=50, verify_phone=True)
    claim = _room(svc)
    with pytest.raises(LinkRefused) as err:
        svc.qr_report(claim, QrReport("repair", phone="13812345678"), "a", limits)
    assert err.value.reason == "code"
    with pytest.raises(LinkRefused) as err:
        svc.send_phone_code(claim, "6123", "a", limits)  # an extension receives no SMS
    assert err.value.reason == "phone"
    svc.send_phone_code(claim, "13812345678", "a", limits)
    with svc.store.session() as s:
        sms = s.scalars(select(SmsOut).where(SmsOut.kind == "verify")).one()
    code = sms.text.rsplit("code=", 1)[1]
    assert sms.number == "13812345678" and re.fullmatch(r"\d{6}", code)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):  # five tries, each kept although refused
        with pytest.raises(LinkRefused):
            svc.qr_report(claim, QrReport("repair", phone="13812345678", code=wrong), "a", limits)
    with pytest.raises(LinkRefused):  # the right code after five wrong ones: used up
        svc.qr_report(claim, QrReport("repair", phone="13812345678", code=code), "a", limits)
    svc.send_phone_code(claim, "13812345678", "a", limits)
    with svc.store.session() as s:
        code = s.scalars(select(SmsOut).where(SmsOut.kind == "verify").order_by(SmsOut.id.desc())).first().text.rsplit("code=", 1)[1]  # type: ignore[union-attr]
    out = svc.qr_report(claim, QrReport("repair", phone="13812345678", code=code), "a", limits)
    assert out.ticket_id is not None
    with pytest.raises(LinkRefused):  # a code works once
        svc.qr_report(claim, QrReport("transport", phone="13812345678", code=code), "a", limits)
    svc.send_phone_code(claim, "13812345678", "a", limits)
    with pytest.raises(LinkRefused) as err:  # three codes an hour to one number
        svc.send_phone_code(claim, "13812345678", "a", limits)
    assert err.value.reason == "rate_limited"


def test_revoking_a_room_stops_its_old_codes_and_a_removed_room_says_so(svc: TicketService) -> None:
    old = _room(svc)
    assert svc.revoke_link("admin", "room", "10305") == 2
    with pytest.raises(LinkRefused) as err:
        svc.room(old)
    assert err.value.reason == "revoked"
    assert svc.room(_room(svc)).code == "10305"  # a new label works
    assert _audit(svc, action="revoke")[0].after == {"version": 2}
    other = _room(svc, "10306")
    with svc.store.session() as s:
        s.scalars(select(Location).where(Location.code == "10306")).one().active = False
    with pytest.raises(LinkRefused) as err:
        svc.qr_report(other, QrReport("repair"), "a", LIMITS)
    assert err.value.reason == "room_removed"


def _work_claims(svc: TicketService, ticket_id: int) -> dict[str, object]:
    composer: PlainComposer = svc.composer  # type: ignore[assignment]
    out = {}
    for name, _lang, data in composer.rendered:
        if name == "work_order" and data["ticket_id"] == ticket_id:
            out[data["worker_code"]] = svc.read_link(data["link"].rsplit("/", 1)[1], Purpose.WORK)
    return out


def test_the_worker_page_takes_the_sms_steps_audited_as_the_worker_via_the_link(svc: TicketService) -> None:
    t = svc.accept("li", NewTicket(service_type="repair", location_code="10305", description="灯不亮"))
    svc.dispatch("li", t.id, ["W001", "W002"])
    links = _work_claims(svc, t.id)
    assert svc.worker_step(links["W001"], "accept", peer="10.9.9.9").status == "dispatched"
    assert svc.worker_step(links["W001"], "arrived").status == "in_progress"
    with pytest.raises(IllegalTransition):
        svc.worker_step(links["W001"], "arrived")  # already on site
    photo = process(jpeg(), 1 << 23)
    done = svc.worker_step(links["W001"], "done", parts=[("P0001", 2)], photos=[photo])
    assert done.status == "done"
    view = svc.get(t.id)
    assert view.parts == (("P0001", 2),)
    steps = [(e.action, e.actor) for e in view.timeline]
    assert steps[-4:] == [("worker_accept", "web:W001"), ("start", "web:W001"),
                          ("complete", "web:W001"), ("photo", "web:W001")]
    via = _audit(svc, entity="assignment")
    assert [(a.action, a.actor, a.after["via"]) for a in via] == [
        ("link_accept", "web:W001", "web link"), ("link_arrived", "web:W001", "web link"),
        ("link_done", "web:W001", "web link")]
    assert via[0].after["peer"] == "10.9.9.9" and via[2].after["parts"] == [["P0001", 2]]
    with svc.store.session() as s:
        assert s.scalars(select(SparePart)).one().stock == 8
        assert s.scalars(select(TicketPhoto)).one().stage == "done"
    for code in ("W001", "W002"):  # the work is done: both links have ended
        with pytest.raises(LinkRefused) as err:
            svc.worker_step(links[code], "accept")
        assert err.value.reason == "ended"


def test_cannot_releases_the_worker_and_the_ticket_waits_for_another(svc: TicketService) -> None:
    t = svc.accept("li", NewTicket(service_type="repair", location_code="10305"))
    svc.dispatch("li", t.id, ["W001"])
    claim = _work_claims(svc, t.id)["W001"]
    view = svc.worker_step(claim, "cannot", reason="缺少配件")
    assert view.status == "accepted"
    assert svc.get(t.id).timeline[-1].note == "W001: 缺少配件"
    with pytest.raises(LinkRefused):
        svc.worker_step(claim, "accept")
    with pytest.raises(LinkRefused) as err:
        svc.worker_step(claim, "explode")
    assert err.value.reason == "step"


def test_a_workers_list_link_opens_until_revoked(svc: TicketService) -> None:
    url = svc.worker_list_url("W001")
    claim = svc.read_link(url.rsplit("/", 1)[1], Purpose.LIST)
    svc.send_list_link("admin", "W001")
    with svc.store.session() as s:
        sms = s.scalars(select(SmsOut).where(SmsOut.kind == "worker_list")).one()
    assert sms.number == "13800000001" and url in sms.text
    svc.revoke_link("admin", "worker", "W001")
    from ticketing.commands.channels import staff_of

    with svc.tx() as tx, pytest.raises(LinkRefused) as err:
        staff_of(tx, claim)
    assert err.value.reason == "revoked"
    with pytest.raises(Exception, match="unknown"):
        svc.revoke_link("admin", "worker", "NOBODY")
