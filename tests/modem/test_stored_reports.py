"""Status reports stored on the SIM (+CNMI <ds>=2): the modem announces ``+CDSI: "SR",<index>``;
the gateway reads the report (+CMGR), the sender applies it to the outbox, and only then is it
deleted (+CMGD), so the report memory never fills and a report is never lost to a store hiccup."""

from __future__ import annotations

from collections.abc import Callable

from modem.emulator import ModemEmulator
from modem.fakes import FakeOutbox
from modem.gateway import ModemGateway
from modem.sender import SmsSender
from tests.modem.conftest import wait_for

Emu = Callable[..., ModemEmulator]
Gw = Callable[..., ModemGateway]


def _start(senders: list[SmsSender], outbox: FakeOutbox, gw: ModemGateway) -> SmsSender:
    sender = SmsSender(outbox, [gw], poll_s=0.05).start()  # type: ignore[arg-type]
    senders.append(sender)
    return sender


def test_cdsi_reports_are_read_applied_and_deleted(make_emulator: Emu, make_gateway: Gw,
                                                    senders: list[SmsSender]) -> None:
    # room for 4 reports, 12 messages: only deleting each applied report keeps it from filling
    emu = make_emulator(report_mode="cdsi", report_storage_size=4, latency_s=0.02)
    gw = make_gateway(emu, sweep_interval_s=60)  # no sweep lists a report before its +CDSI is read
    assert "AT+CNMI=2,1,0,2,0" in emu.commands and gw.stored_reports  # ds=1 refused: stored
    outbox = FakeOutbox()
    for i in range(12):
        outbox.add(f"1380000{i:04d}", f"工单{i} 请到门诊楼维修")
    _start(senders, outbox, gw)
    assert wait_for(lambda: len(outbox.by_status("delivered")) == 12)  # the generous default: a wait expected to pass
    assert emu.reports_lost == 0
    assert wait_for(lambda: not emu.stored_reports())
    assert sum(c.startswith("AT+CMGR=") for c in emu.commands) >= 12
    assert not emu.storage  # the journal copies went from SM, not from SR by mistake
    # back home: the last +CMGD in SR is answered before the switch back to SM is sent
    assert wait_for(lambda: emu._session.mem1 == "SM")


def test_cdsi_failure_report_fails_the_row(make_emulator: Emu, make_gateway: Gw,
                                           senders: list[SmsSender]) -> None:
    emu = make_emulator(report_mode="cdsi", report_status=0x41)  # permanent error: not delivered
    gw = make_gateway(emu)
    outbox = FakeOutbox()
    outbox.add("13800000001", "order 1")
    _start(senders, outbox, gw)
    assert wait_for(lambda: outbox.rows[1].status == "failed")
    assert wait_for(lambda: not emu.stored_reports())


def test_cdsi_in_the_message_memory(make_emulator: Emu, make_gateway: Gw, senders: list[SmsSender]) -> None:
    emu = make_emulator(report_mode="cdsi", report_memory="SM")  # +CDSI: "SM",<index>
    gw = make_gateway(emu)
    outbox = FakeOutbox()
    for i in range(3):
        outbox.add("13800000001", f"order {i}")
    _start(senders, outbox, gw)
    assert wait_for(lambda: len(outbox.by_status("delivered")) == 3)
    assert wait_for(lambda: not emu.storage)
    mem = "SM"
    for c in emu.commands:  # every report was read where +CDSI said: in SM
        mem = c.split('"')[1] if c.startswith('AT+CPMS="') else mem
        assert not c.startswith("AT+CMGR=") or mem == "SM"


class _FlakyOutbox(FakeOutbox):
    def __init__(self, fail_times: int) -> None:
        super().__init__()
        self.fail_times = fail_times

    def mark_delivered_many(self, modem: str, reports: list[tuple[int, str, bool]]) -> list[int | None]:
        if self.fail_times > 0:
            self.fail_times -= 1
            raise RuntimeError("store unavailable")
        return super().mark_delivered_many(modem, reports)


def test_report_stays_on_the_sim_until_applied(make_emulator: Emu, make_gateway: Gw,
                                               senders: list[SmsSender]) -> None:
    emu = make_emulator(report_mode="cdsi")
    gw = make_gateway(emu, sweep_interval_s=0.2)
    outbox = _FlakyOutbox(fail_times=1)
    outbox.add("13800000001", "order 1")
    _start(senders, outbox, gw)
    assert wait_for(lambda: outbox.fail_times == 0 and outbox.rows[1].status == "sent")
    assert len(emu.stored_reports()) == 1  # not applied: kept
    assert wait_for(lambda: outbox.rows[1].status == "delivered")  # the sweep offered it again
    assert wait_for(lambda: not emu.stored_reports())


def test_a_stored_report_whose_cdsi_was_never_heard_is_swept(make_emulator: Emu, make_gateway: Gw,
                                                             senders: list[SmsSender]) -> None:
    emu = make_emulator(report_mode="cdsi", auto_report=False)
    gw = make_gateway(emu, sweep_interval_s=0.2)
    outbox = FakeOutbox()
    outbox.add("13800000001", "order 1")
    _start(senders, outbox, gw)
    assert wait_for(lambda: outbox.rows[1].status == "sent")
    emu.status_report(outbox.rows[1].references[0], "+8613800000001", notify=False)
    assert wait_for(lambda: outbox.rows[1].status == "delivered")
    assert wait_for(lambda: not emu.stored_reports())
