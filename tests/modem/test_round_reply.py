"""A worker's 完成 by SMS for an inspection round with items not checked, through the real
modem (emulated on a pseudo-terminal), the reply parser and the core: the ticket stays open and
the worker gets one SMS saying how many items are open and the link to the checklist."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select

from modem.emulator import ModemEmulator
from modem.gateway import ModemGateway
from modem.sender import SmsSender
from modem.templates import SmsComposer
from tests.modem.conftest import wait_for
from tests.modem.test_sender import start
from tests.ticketing.factories import small_hospital
from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.fakes import FixedClock
from ticketing.maintenance import Maintenance
from ticketing.model import SmsIn
from ticketing.model_facilities import Equipment
from ticketing.outbox import Backoff, SmsOutbox
from ticketing.ports import SystemClock
from ticketing.rounds import ItemResult
from ticketing.service import TicketService
from ticketing.store import Store
from ticketing.tokens import Links, LinkSigner

WORKER = "+8613800000001"  # W001 of the small hospital, as the network writes the number


def test_a_rounds_sms_done_with_items_open_is_answered_with_the_count_and_the_link(
        store: Store, catalog: Catalog, calendar: BusinessCalendar,
        make_emulator: Callable[..., ModemEmulator], make_gateway: Callable[..., ModemGateway],
        senders: list[SmsSender]) -> None:
    small_hospital(store)
    with store.session() as s:
        s.add(Equipment(code="AC-1", name="病房空调", type="空调", location_code="10306"))
    links = Links(LinkSigner("test-link-secret-0123456789"), base_url="http://hq")
    service = TicketService(store, FixedClock(), catalog, calendar, SmsComposer(), links=links)
    m = Maintenance(service)
    m.create_plan("lead", {"code": "IR-1", "name": "病房巡检", "kind": "inspection", "location_code": "10306",
                           "unit": "day", "checklist": ["检查滤网", "检查冷凝水管", "检查遥控器"]})
    [made] = m.sweep()
    tid = made.ticket_id
    service.dispatch("li", tid, ["W001"], print_slip=False)
    m.record_round("sms:W001", tid, [ItemResult(1, True)], complete=False)

    emu = make_emulator()
    start(senders, SmsOutbox(store, SystemClock(), Backoff(base_s=0.01)),
          [make_gateway(emu, sweep_interval_s=0.1)], inbound=service)
    assert wait_for(lambda: WORKER in emu.delivered_texts())  # the work order
    order = emu.delivered_texts()[WORKER][0]
    link = re.search(r"http://hq/w/\S+", order)
    assert link is not None, order
    emu.receive(WORKER, f"完成 {tid}")
    assert wait_for(lambda: len(emu.delivered_texts()[WORKER]) == 2, 10)
    answer = emu.delivered_texts()[WORKER][1]
    assert answer.startswith(f"工单{tid}是巡检工单，还有2项(共3项)未检查，未办结"), answer
    # the same work order's page, where the checklist is filled in (the link ends the text)
    assert answer.endswith(f"请逐项填写巡检清单后再完成:{link.group(0)}"), answer
    assert service.get(tid).status == "dispatched"
    with store.session() as s:
        assert s.scalar(select(SmsIn.outcome).where(SmsIn.ticket_id == tid)) == "rejected"
