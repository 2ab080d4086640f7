"""The send and receive loops against emulated modems through the real library: exactly once
across an unplug, +CMS ERROR by its meaning, delivery reports, replies to the core."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from modem.emulator import ModemEmulator
from modem.fakes import FakeInbound, FakeOutbox
from modem.gateway import ModemGateway
from modem.sender import RateLimit, SmsSender, classify_cms
from modem.templates import SmsComposer
from tests.modem.conftest import wait_for
from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.fakes import FixedClock
from ticketing.model import SmsIn, SmsOut
from ticketing.outbox import Backoff, SmsOutbox
from ticketing.ports import SystemClock
from ticketing.service import NewTicket, TicketService
from ticketing.store import Store

Emu = Callable[..., ModemEmulator]
Gw = Callable[..., ModemGateway]


def start(senders: list[SmsSender], outbox: object, gws: list[ModemGateway], **kw: object) -> SmsSender:
    kw.setdefault("poll_s", 0.05)
    sender = SmsSender(outbox, gws, **kw).start()  # type: ignore[arg-type]
    senders.append(sender)
    return sender


@pytest.mark.parametrize(("command", "when"), [
    ("CMSS", "after_submit"),  # the modem sent it, nobody heard +CMSS
    ("CMSS", "before_submit"),  # pulled just before the network got it
    ("CMGW", "at_prompt"), ("CMGW", "after_submit"),  # stored on the SIM, no index heard
])
def test_unplug_mid_send_every_message_exactly_once(make_emulator: Emu, make_gateway: Gw,
                                                    senders: list[SmsSender], command: str, when: str) -> None:
    emu = make_emulator(latency_s=0.005)
    gw = make_gateway(emu, reconnect_min_s=0.05)
    outbox = FakeOutbox()
    texts = [f"工单{i} 请到门诊楼{i}层维修" + "空调" * (i * 20) for i in range(6)]
    for i, t in enumerate(texts):
        outbox.add(f"1380000{i:04d}", t)
    emu.unplug_during(command, when, replug_after_s=0.3)
    start(senders, outbox, [gw])
    assert wait_for(lambda: len(outbox.by_status("sent")) + len(outbox.by_status("delivered")) == 6, 15)
    assert emu.unplugs == 1
    got = emu.delivered_texts()
    for i, t in enumerate(texts):
        assert got[f"+861380000{i:04d}"] == [t]  # once, whole
    assert wait_for(lambda: not emu.storage)  # no stored copy left behind


def test_concatenated_chinese_order_reaches_the_network_whole(make_emulator: Emu, make_gateway: Gw,
                                                              senders: list[SmsSender]) -> None:
    from smspdudecoder.easy import read_outgoing_sms

    emu = make_emulator()
    gw = make_gateway(emu)
    outbox = FakeOutbox()
    text = ("【工单1042】维修 1号楼3F305 空调不制冷，漏水。报修人分机6123，30分钟内接单。" * 8)[:300]
    outbox.add("138 0000 0001", text)
    start(senders, outbox, [gw])
    assert wait_for(lambda: outbox.by_status("delivered") != [])
    parts = [s for s in emu.sent if s.number == "+8613800000001"]
    assert len(parts) == 5 and all(s.alphabet == "ucs2" for s in parts)
    assert "".join(read_outgoing_sms(s.pdu)["content"] for s in parts) == text
    row = outbox.rows[1]
    assert row.parts == 5 and row.references == tuple(s.reference for s in parts)


@pytest.mark.parametrize(("code", "retry"), [(38, True), (42, True), (500, True), (322, True),
                                             (21, False), (28, False), (1, False), (304, False)])
def test_cms_error_classes(code: int, retry: bool) -> None:
    assert classify_cms(code, attempts=1)[0] is retry


def test_cms_500_retried_a_few_times_then_failed() -> None:
    assert [classify_cms(500, n)[0] for n in (1, 2, 3, 4)] == [True, True, False, False]


@pytest.mark.parametrize(("code", "final"), [(38, "sent"), (500, "sent"), (28, "failed"), (21, "failed")])
def test_cms_error_retried_or_failed(make_emulator: Emu, make_gateway: Gw, senders: list[SmsSender],
                                     code: int, final: str) -> None:
    emu = make_emulator(auto_report=False)
    gw = make_gateway(emu)
    outbox = FakeOutbox()
    outbox.add("13800000001", "order 1")
    emu.fail_next(code)
    start(senders, outbox, [gw])
    assert wait_for(lambda: outbox.rows[1].status in ("sent", "failed"))
    assert outbox.rows[1].status == final
    assert len(emu.sent) == (1 if final == "sent" else 0)
    assert f"+CMS ERROR {code}" in outbox.rows[1].error or final == "sent"


def test_bad_number_failed_before_the_library_sees_it(make_emulator: Emu, make_gateway: Gw,
                                                      senders: list[SmsSender]) -> None:
    emu = make_emulator()
    gw = make_gateway(emu)
    outbox = FakeOutbox()
    outbox.add("call ZHANG", "order 1")
    start(senders, outbox, [gw])
    assert wait_for(lambda: outbox.rows[1].status == "failed")
    assert emu.sent == [] and "not a phone number" in outbox.rows[1].error


def test_reports_after_reference_wrap_match_the_newest(make_emulator: Emu, make_gateway: Gw,
                                                       senders: list[SmsSender]) -> None:
    emu = make_emulator(auto_report=False)
    gw = make_gateway(emu)
    outbox = FakeOutbox()
    for i in range(260):
        outbox.add("13800000001", f"n{i}")
    start(senders, outbox, [gw])
    assert wait_for(lambda: len(outbox.by_status("sent")) == 260, 20)
    emu.status_report(3, "+8613800000001")  # MR 3 was used by message 4 and again by 260
    assert wait_for(lambda: outbox.by_status("delivered") != [])
    assert [r.id for r in outbox.by_status("delivered")] == [260]


def test_multipart_is_delivered_when_every_part_is(make_emulator: Emu, make_gateway: Gw,
                                                   senders: list[SmsSender]) -> None:
    emu = make_emulator(auto_report=False)
    gw = make_gateway(emu)
    outbox = FakeOutbox()
    outbox.add("13800000001", "维修" * 100)
    start(senders, outbox, [gw])
    assert wait_for(lambda: outbox.rows[1].status == "sent")
    refs = outbox.rows[1].references
    for r in refs[:-1]:
        emu.status_report(r, "+8613800000001")
    assert not wait_for(lambda: outbox.rows[1].status == "delivered", timeout=0.3)
    emu.status_report(refs[-1], "+8613800000001")
    assert wait_for(lambda: outbox.rows[1].status == "delivered")


def test_inbound_handler_failure_leaves_the_sms_on_the_sim(make_emulator: Emu, make_gateway: Gw,
                                                          senders: list[SmsSender]) -> None:
    emu = make_emulator()
    gw = make_gateway(emu, sweep_interval_s=0.1)
    inbound = FakeInbound(fail_times=1)
    start(senders, FakeOutbox(), [gw], inbound=inbound)
    emu.receive("+8613800000001", "接单 1042")
    assert wait_for(lambda: len(inbound.calls) == 1)
    assert inbound.calls[0][3] is not None and inbound.calls[0][3].ticket_id == 1042
    assert wait_for(lambda: not emu.storage)


def test_rate_limit_spaces_submissions(make_emulator: Emu, make_gateway: Gw, senders: list[SmsSender]) -> None:
    emu = make_emulator(auto_report=False)
    gw = make_gateway(emu)
    outbox = FakeOutbox()
    for i in range(3):
        outbox.add("13800000001", f"n{i}")
    began = time.monotonic()
    start(senders, outbox, [gw], max_per_minute={gw.name: 600.0})  # one per 0.1 s
    assert wait_for(lambda: len(emu.sent) == 3)
    # The third submission cannot begin before two intervals after the first, which began
    # after `began`. (Gaps between arrivals at the modem are not the measure: a loaded machine
    # may delay the first arrival and not the second.)
    assert emu.sent[2].at - began >= 0.2


def test_rate_limit_spaces_evenly_from_the_last_submission() -> None:
    now = [100.0]
    rate = RateLimit(600.0, clock=lambda: now[0])  # one per 0.1 s
    assert rate.wait_s() == 0.0  # the first goes at once
    rate.take()
    assert rate.wait_s() == pytest.approx(0.1)
    now[0] += 0.04
    assert rate.wait_s() == pytest.approx(0.06)
    now[0] += 0.06
    rate.take()
    assert rate.wait_s() == pytest.approx(0.1)
    now[0] += 5.0  # idle for a while: no burst credit saved up
    assert rate.wait_s() == 0.0
    rate.take()
    assert rate.wait_s() == pytest.approx(0.1)
    assert RateLimit(0).wait_s() == 0.0 and RateLimit(0).interval == 0.0  # 0: no limit


# --- with the real core ---------------------------------------------------------------------------

@pytest.fixture
def hospital(store: Store) -> Store:
    from tests.ticketing.factories import small_hospital

    small_hospital(store)
    return store


def test_dispatch_reply_confirm_end_to_end(hospital: Store, catalog: Catalog, calendar: BusinessCalendar,
                                           make_emulator: Emu, make_gateway: Gw,
                                           senders: list[SmsSender]) -> None:
    clock = FixedClock()
    service = TicketService(hospital, clock, catalog, calendar, SmsComposer())
    outbox = SmsOutbox(hospital, SystemClock(), Backoff(base_s=0.01))
    emu = make_emulator()
    gw = make_gateway(emu, sweep_interval_s=0.1)
    t = service.accept("li", NewTicket(service_type="repair", description="灯不亮", location_code="10305",
                                       reporter_name="张护士", reporter_phone="6123"))
    service.dispatch("li", t.id, ["W001"], print_slip=False)
    start(senders, outbox, [gw], inbound=service)
    assert wait_for(lambda: "+8613800000001" in emu.delivered_texts())
    order = emu.delivered_texts()["+8613800000001"][0]
    assert order.startswith(f"【工单{t.id}】维修") and "1号楼3F305" in order
    emu.receive("+8613800000001", f"接单 {t.id}")
    emu.receive("+8613912345678", f"完成 {t.id}")  # a stranger: stored, nothing done
    emu.receive("+8613800000002", f"完成 {t.id}")  # another worker: explained, nothing done
    assert wait_for(lambda: len(emu.delivered_texts()["+8613800000001"]) == 2, 10)
    assert "已接单" in emu.delivered_texts()["+8613800000001"][1]
    assert service.get(t.id).worker_accepted_at is not None
    assert wait_for(lambda: "+8613800000002" in emu.delivered_texts())
    assert "未派给您" in emu.delivered_texts()["+8613800000002"][0]
    assert "+8613912345678" not in emu.delivered_texts()
    with hospital.session() as s:
        inbox = {r.number: r.outcome for r in s.scalars(select(SmsIn))}
        assert inbox == {"+8613800000001": "acted", "+8613912345678": "rejected", "+8613800000002": "rejected"}

    def statuses() -> set[str]:  # the modem has sent the last one; its row is marked a moment later
        with hospital.session() as s:
            return set(s.scalars(select(SmsOut.status)))

    assert wait_for(lambda: statuses() <= {"sent", "delivered"})
    assert wait_for(lambda: not emu.storage)


def test_real_outbox_unplug_mid_send_exactly_once(hospital: Store, make_emulator: Emu,
                                                                  make_gateway: Gw,
                                                                  senders: list[SmsSender]) -> None:
    """The real outbox: rows in flight during an unplug stay leased to this sender and are
    sent once; nothing is left 'sending'."""
    outbox = SmsOutbox(hospital, SystemClock(), Backoff(base_s=0.01), lease=timedelta(minutes=2))
    now = SystemClock().now()
    with hospital.session() as s:
        for i in range(5):
            s.add(SmsOut(number=f"1380000{i:04d}", text=f"工单{i}", kind="order", status="queued", attempts=0,
                         due_at=now, created_at=now, references=[], parts=0, modem="", error=""))
    emu = make_emulator(latency_s=0.005)
    gw = make_gateway(emu, reconnect_min_s=0.05)
    emu.unplug_during("CMSS", "after_submit", replug_after_s=0.3)
    start(senders, outbox, [gw])
    def done() -> int:
        counts = outbox.counts()
        return counts.get("delivered", 0) + counts.get("sent", 0)

    assert wait_for(lambda: done() == 5, 15)
    # the interrupted one's reference died with the port: it stays "sent", never "sending"
    assert wait_for(lambda: outbox.counts().get("delivered", 0) >= 4)
    assert sorted(len(v) for v in emu.delivered_texts().values()) == [1] * 5
