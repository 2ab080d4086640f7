"""A leaked link withdrawn: a ticket's work-order and progress links stop opening, the workers
still on it and the reporter get new ones that open; the reporter's progress link by SMS for
a caller too (from the desk, or on acceptance when the settings say so)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.channels import LinkRefused
from ticketing.commands.base import ServiceOptions, TicketNotFound
from ticketing.fakes import FixedClock
from ticketing.model import AuditLog, SmsOut
from ticketing.service import NewTicket, TicketService
from ticketing.store import Store
from ticketing.tokens import Links, LinkSigner, Purpose

from .factories import small_hospital
from .test_channels import CodeComposer

WORK_DAYS, STATUS_DAYS = 7, 30  # the Links below


def _service(store: Store, clock: FixedClock, catalog: Catalog, calendar: BusinessCalendar,
             **options: bool) -> TicketService:
    links = Links(LinkSigner("test-link-secret-0123456789"), base_url="http://hq",
                  work_days=WORK_DAYS, status_days=STATUS_DAYS)
    return TicketService(store, clock, catalog, calendar, CodeComposer(),
                         ServiceOptions(**options), links=links)  # type: ignore[arg-type]


@pytest.fixture
def svc(store: Store, clock: FixedClock, catalog: Catalog, calendar: BusinessCalendar) -> Iterator[TicketService]:
    small_hospital(store)
    yield _service(store, clock, catalog, calendar)


def _texts(svc: TicketService, kind: str) -> list[SmsOut]:
    with svc.store.session() as s:
        return list(s.scalars(select(SmsOut).where(SmsOut.kind == kind).order_by(SmsOut.id)))


def _token(text: str, path: str) -> str:
    found = re.search(rf"http://hq/{path}/([A-Za-z0-9_-]+)", text)
    assert found, text
    return found.group(1)


def _refused(svc: TicketService, token: str, purpose: Purpose) -> str:
    with pytest.raises(LinkRefused) as err:
        svc.read_link(token, purpose)
    return err.value.reason


def test_withdrawn_links_stop_opening_and_the_new_ones_sent_open(svc: TicketService, clock: FixedClock) -> None:
    t = svc.accept("li", NewTicket(service_type="repair", location_code="10305",
                                   reporter_phone="13912345678"))
    svc.dispatch("li", t.id, ["W001", "W002"])
    svc.send_status_link("li", t.id)
    old_work = {m.staff_code: _token(m.text, "w") for m in _texts(svc, "work_order")}
    old_status = _token(_texts(svc, "reporter")[0].text, "s")
    claim = svc.read_link(old_work["W001"], Purpose.WORK)  # a page opened before the withdrawal
    svc.worker_step(svc.read_link(old_work["W002"], Purpose.WORK), "cannot", reason="休假")

    done = svc.withdraw_ticket_links("lead", t.id, resend=True)

    assert done.work_orders == 2 and len(done.sms) == 2  # W001's order again, the reporter's link
    for token in old_work.values():
        assert _refused(svc, token, Purpose.WORK) == "revoked"
    assert _refused(svc, old_status, Purpose.STATUS) == "revoked"
    with pytest.raises(LinkRefused) as err:  # the page's buttons too
        svc.worker_step(claim, "accept")
    assert err.value.reason == "revoked"
    orders = _texts(svc, "work_order")
    assert [m.staff_code for m in orders] == ["W001", "W002", "W001"]  # W002 released: not again
    new_work = svc.read_link(_token(orders[-1].text, "w"), Purpose.WORK)
    new_status = svc.read_link(_token(_texts(svc, "reporter")[-1].text, "s"), Purpose.STATUS)
    today = date(2026, 11, 23)  # the clock's day
    # the links sent today ended at the latest today + their days: the new ones end a day later
    assert new_work.expires == today + timedelta(days=WORK_DAYS + 1)
    assert new_status.expires == today + timedelta(days=STATUS_DAYS + 1)
    assert svc.worker_step(new_work, "accept").status == "dispatched"
    with svc.store.session() as s:
        rows = [(a.entity, a.entity_key, a.action, a.actor) for a in s.scalars(
            select(AuditLog).where(AuditLog.action.in_(("revoke", "links_withdrawn"))).order_by(AuditLog.id))]
    first, second = (str(i) for i in _assignment_ids(svc, t.id))
    assert rows == [("link_grant", f"work:{first}", "revoke", "lead"),
                    ("link_grant", f"work:{second}", "revoke", "lead"),
                    ("link_grant", f"status:{t.id}", "revoke", "lead"),
                    ("ticket", str(t.id), "links_withdrawn", "lead")]

    # withdrawn again the same day: the links of the first withdrawal stop too
    clock.advance(hours=2)
    svc.withdraw_ticket_links("lead", t.id, resend=True)
    assert _refused(svc, _token(orders[-1].text, "w"), Purpose.WORK) == "revoked"
    newest = svc.read_link(_token(_texts(svc, "work_order")[-1].text, "w"), Purpose.WORK)
    assert newest.expires == today + timedelta(days=WORK_DAYS + 2)
    # the desk's resend (重发短信) sends a link that opens
    svc.resend_order("li", t.id)
    assert svc.read_link(_token(_texts(svc, "work_order")[-1].text, "w"), Purpose.WORK).ids == newest.ids


def _assignment_ids(svc: TicketService, ticket_id: int) -> list[int]:
    with svc.tx() as tx:
        return [i for (i,) in tx.all("SELECT id FROM assignment WHERE ticket_id = ? ORDER BY id", (ticket_id,))]


def test_withdrawing_only_sends_nothing(svc: TicketService) -> None:
    t = svc.accept("li", NewTicket(service_type="repair", location_code="10305",
                                   reporter_phone="13912345678"))
    svc.dispatch("li", t.id, ["W001"])
    before = len(_texts(svc, "work_order")) + len(_texts(svc, "reporter"))
    done = svc.withdraw_ticket_links("lead", t.id, resend=False)
    assert (done.work_orders, done.sms) == (1, ())
    assert len(_texts(svc, "work_order")) + len(_texts(svc, "reporter")) == before
    assert _refused(svc, _token(_texts(svc, "work_order")[0].text, "w"), Purpose.WORK) == "revoked"


def test_the_reporters_progress_link_by_sms_from_the_desk(svc: TicketService) -> None:
    caller = svc.accept("li", NewTicket(service_type="repair", location_code="10305",
                                        reporter_phone="139 1234 5678"))
    assert _texts(svc, "reporter") == []  # not on acceptance unless the settings say so
    svc.send_status_link("li", caller.id)
    sms = _texts(svc, "reporter")
    assert [(m.number, m.ticket_id) for m in sms] == [("13912345678", caller.id)]
    assert svc.read_link(_token(sms[0].text, "s"), Purpose.STATUS).ids == (caller.id,)
    ward = svc.accept("li", NewTicket(service_type="repair", location_code="10305", reporter_phone="6123"))
    with pytest.raises(LinkRefused) as err:
        svc.send_status_link("li", ward.id)
    assert err.value.reason == "no_mobile"
    with pytest.raises(TicketNotFound):
        svc.send_status_link("li", 99999)


def test_status_sms_on_acceptance_when_the_settings_ask(store: Store, clock: FixedClock, catalog: Catalog,
                                                        calendar: BusinessCalendar) -> None:
    small_hospital(store)
    svc = _service(store, clock, catalog, calendar, status_sms=True)
    mobile = svc.accept("li", NewTicket(service_type="repair", location_code="10305",
                                        reporter_phone="13912345678"))
    svc.accept("li", NewTicket(service_type="repair", location_code="10305", reporter_phone="6123"))
    svc.accept("li", NewTicket(service_type="repair", location_code="10305"))
    sms = _texts(svc, "reporter")
    assert [(m.number, m.ticket_id) for m in sms] == [("13912345678", mobile.id)]
