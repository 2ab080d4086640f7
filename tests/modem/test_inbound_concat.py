"""Long replies from one phone, through the real library and gateway against the emulator:
each long SMS has its own 8-bit reference and arrives whole; a reference used again (a phone
wraps after 255 long messages) waits for its own parts however long ago it was last seen; a
full SIM leaves a message with the network until a slot is free."""

from __future__ import annotations

import queue
from collections.abc import Callable

import pytest

from modem.emulator import ModemEmulator
from modem.gateway import InboundSms, ModemGateway

from .conftest import wait_for

WORKER = "+8613800000001"
LONG_A = "完成 1042 更换了三号病房的日光灯管两支、启辉器一个，并检查了走廊的应急照明，全部正常，请安排回访。" * 3
LONG_B = "无法 1043 配件缺货：需要型号为 XYZ-200 的水龙头阀芯，仓库没有库存，请采购后重新派单，谢谢。" * 3


def _take(gw: ModemGateway, timeout: float = 5.0) -> InboundSms:
    sms = gw.inbound.get(timeout=timeout)
    gw.acknowledge(sms)
    return sms


def _none(gw: ModemGateway, wait_s: float = 0.8) -> None:
    with pytest.raises(queue.Empty):
        gw.inbound.get(timeout=wait_s)


def _swept(commands: list[str]) -> bool:
    """A whole sweep among ``commands``: its +CMGL and the +CSQ the gateway sends after it."""
    return "AT+CMGL=4" in commands and "AT+CSQ" in commands[commands.index("AT+CMGL=4"):]


def test_two_long_sms_from_one_phone_in_one_burst_arrive_as_two(
        make_emulator: Callable[..., ModemEmulator], make_gateway: Callable[..., ModemGateway]) -> None:
    emu = make_emulator(latency_s=0.002)
    gw = make_gateway(emu)
    assert len(emu.receive_burst([(WORKER, LONG_A), (WORKER, LONG_B)])) == 6  # three parts each
    got = {_take(gw).text, _take(gw).text}
    assert got == {LONG_A, LONG_B}
    assert wait_for(lambda: not emu.storage)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def monotonic(self) -> float:
        return self.t


def test_a_reference_used_again_much_later_waits_for_its_own_parts(
        make_emulator: Callable[..., ModemEmulator], make_gateway: Callable[..., ModemGateway]) -> None:
    clock = Clock()
    emu = make_emulator(latency_s=0.002)
    gw = make_gateway(emu, sweep_interval_s=0.2, clock=clock.monotonic)
    emu.receive_parts(WORKER, LONG_A, reference=7, parts=[1])
    _none(gw)  # the first part waits for the rest
    emu.receive_parts(WORKER, LONG_A, reference=7, parts=[2, 3])
    assert _take(gw).text == LONG_A
    clock.t += 3600  # an hour later the phone has wrapped round to reference 7 again
    emu.receive_parts(WORKER, LONG_B, reference=7, parts=[1, 2])
    _none(gw)  # not handed out as a stale fragment: it waits for its third part
    emu.receive_parts(WORKER, LONG_B, reference=7, parts=[3])
    assert _take(gw).text == LONG_B


def test_parts_that_never_come_are_handed_out_after_ten_minutes(
        make_emulator: Callable[..., ModemEmulator], make_gateway: Callable[..., ModemGateway]) -> None:
    clock = Clock()
    emu = make_emulator(latency_s=0.002)
    gw = make_gateway(emu, sweep_interval_s=0.2, clock=clock.monotonic)
    emu.receive_parts(WORKER, LONG_B, reference=9, parts=[1, 3])
    # The ten minutes count from the sweep that first saw the parts: wait for a listing sent
    # after they were stored and read to its end (the signal query follows it), however
    # slowly a loaded machine runs the gateway's thread.
    start = len(emu.commands)
    assert wait_for(lambda: _swept(emu.commands[start:]))
    _none(gw, 0.2)
    clock.t += 601
    sms = _take(gw)
    assert sms.text.startswith("无法 1043") and len(sms.indexes) == 2


def test_a_full_sim_leaves_the_message_with_the_network_until_a_slot_is_free(
        make_emulator: Callable[..., ModemEmulator], make_gateway: Callable[..., ModemGateway]) -> None:
    emu = make_emulator(latency_s=0.002, storage_size=2)
    emu.receive_burst([(WORKER, "接单 1"), (WORKER, "接单 2"), (WORKER, "接单 3")], notify=False)
    assert len(emu.storage) == 2 and len(emu.in_network) == 1
    gw = make_gateway(emu, sweep_interval_s=0.2)
    texts = {_take(gw).text for _ in range(3)}  # deleting the first two lets the third in
    assert texts == {"接单 1", "接单 2", "接单 3"}
    assert wait_for(lambda: not emu.storage and not emu.in_network)
