"""A work order's SMS carries the link to its page — one per assignment — and a ticket's source
is one the center knows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.fakes import FixedClock, PlainComposer
from ticketing.model import Assignment
from ticketing.service import NewTicket, TicketError, TicketService
from ticketing.store import Store
from ticketing.tokens import Links, LinkSigner, Purpose

from .factories import small_hospital


@pytest.fixture
def linked(store: Store, clock: FixedClock, catalog: Catalog, calendar: BusinessCalendar) -> TicketService:
    small_hospital(store)
    links = Links(LinkSigner("test-link-secret-0123456789"), base_url="http://hq:8080")
    return TicketService(store, clock, catalog, calendar, PlainComposer(), links=links)


def test_each_offered_worker_gets_the_link_of_their_own_assignment(linked: TicketService) -> None:
    t = linked.accept("li", NewTicket(service_type="repair", location_code="10305", description="灯不亮"))
    linked.dispatch("li", t.id, ["W001", "W002"])
    composer: PlainComposer = linked.composer  # type: ignore[assignment]
    orders = [d for name, _lang, d in composer.rendered if name == "work_order"]
    with linked.store.session() as s:
        assignments = {a.staff_code: a.id for a in s.scalars(select(Assignment))}
    assert [o["worker_code"] for o in orders] == ["W001", "W002"]
    for order in orders:
        prefix, token = order["link"].rsplit("/", 1)
        assert prefix == "http://hq:8080/w"
        claim = linked.links.read(token, Purpose.WORK, linked.clock.now().date())  # type: ignore[union-attr]
        assert claim.ids == (assignments[order["worker_code"]],)
    linked.resend_order("li", t.id)
    resent = [d for name, _lang, d in composer.rendered if name == "work_order"][2:]
    assert [o["link"] for o in resent] == [o["link"] for o in orders]  # same day, same link


def test_without_links_a_work_order_has_none(service: TicketService, store: Store) -> None:
    small_hospital(store)
    t = service.accept("li", NewTicket(service_type="repair", location_code="10305"))
    service.dispatch("li", t.id, ["W001"])
    composer: PlainComposer = service.composer  # type: ignore[assignment]
    assert all("link" not in d for name, _l, d in composer.rendered if name == "work_order")


def test_a_ticket_from_an_unknown_source_is_refused_and_qr_is_known(service: TicketService,
                                                                    store: Store) -> None:
    small_hospital(store)
    with pytest.raises(TicketError, match="source must be one of"):
        service.accept("li", NewTicket(service_type="repair", source="fax"))
    assert service.accept("qr:10305", NewTicket(service_type="repair", location_code="10305",
                                                source="qr")).source == "qr"
