"""Scripted hotline calls through the real server over TCP: every branch of the menu."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from ivr.ports import Caller
from tests.ivr.asterisk import ScriptedChannel
from tests.ivr.rig import Rig


def call(channel: ScriptedChannel, setup: Callable[[Rig], None] = lambda r: None,
         **env: str) -> tuple[ScriptedChannel, Rig]:
    async def scenario() -> tuple[ScriptedChannel, Rig]:
        async with Rig() as rig:
            setup(rig)
            await rig.call(channel, **env)
            await rig.settle()
            return channel, rig
    return asyncio.run(scenario())


@pytest.mark.parametrize("key,service,queue", [
    ("1", "repair", "hotline"), ("2", "meals", "hotline"), ("3", "cleaning", "hotline"),
    ("4", "oxygen", "urgent"), ("5", "transport", "hotline"), ("9", "complaint", "complaints"),
    ("0", "operator", "hotline"),
])
def test_each_key(key: str, service: str, queue: str) -> None:
    ch, rig = call(ScriptedChannel(keys=[key]))
    assert ch.set_vars["SERVICE_TYPE"] == service
    assert ch.set_vars["QUEUE"] == queue
    assert ch.set_vars["IVR_ACTION"] == "queue"
    assert rig.server.stats.completed == 1


def test_no_key_goes_to_the_operator() -> None:
    ch, _ = call(ScriptedChannel(keys=[""]))
    assert (ch.set_vars["SERVICE_TYPE"], ch.set_vars["IVR_REASON"]) == ("operator", "no_input")
    waits = [c for c in ch.commands if c[:2] == ["WAIT", "FOR"]]
    assert waits == [["WAIT", "FOR", "DIGIT", "6000"]]


def test_invalid_key_replays_with_the_error_prompt_then_routes() -> None:
    ch, _ = call(ScriptedChannel(keys=["7", "2"]))
    played = [c[2] for c in ch.commands if c[:2] == ["STREAM", "FILE"]]
    assert played == ["onestop/zh/main-menu", "onestop/zh/invalid-key", "onestop/zh/main-menu"]
    assert ch.set_vars["SERVICE_TYPE"] == "meals"


def test_retries_exhausted_fall_back_to_the_operator() -> None:
    ch, _ = call(ScriptedChannel(keys=["7", "8", "#"]))
    assert (ch.set_vars["SERVICE_TYPE"], ch.set_vars["IVR_REASON"]) == ("operator", "retries")


def test_star_at_the_top_replays_the_menu() -> None:
    ch, _ = call(ScriptedChannel(keys=["*", "3"]))
    assert ch.set_vars["SERVICE_TYPE"] == "cleaning"


def test_missing_prompt_is_logged_and_the_menu_still_waits(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    ch, _ = call(ScriptedChannel(keys=["1"], missing={"onestop/zh/main-menu"}))
    assert ch.set_vars["SERVICE_TYPE"] == "repair"
    assert "could not be played" in caplog.text


def test_failure_result_routes_to_operator_and_hangup_ends_cleanly(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    ch, rig = call(ScriptedChannel(keys=["-1"]))
    assert ch.set_vars == {}  # the next command got HANGUP + 511
    assert ch.commands[-1][:3] == ["SET", "VARIABLE", "SERVICE_TYPE"]
    assert rig.server.stats.hung_up == 1 and rig.server.stats.errors == 0


def test_caller_closes_the_line_mid_menu() -> None:
    ch, rig = call(ScriptedChannel(keys=["1"], hang_up_after=2))
    assert rig.server.stats.hung_up == 1 and rig.server.stats.errors == 0


def test_vip_department_skips_the_menu() -> None:
    def setup(rig: Rig) -> None:
        rig.directory.entries["6300"] = Caller(person="Dr Li", department="ICU", location_code="20101")
    ch, rig = call(ScriptedChannel(keys=["1"]), setup, callerid="6300")
    assert not any(c[:2] == ["WAIT", "FOR"] for c in ch.commands)
    assert ch.set_vars["QUEUE"] == "urgent" and ch.set_vars["IVR_REASON"] == "vip"
    assert ch.set_vars["LOCATION_CODE"] == "20101"
    assert rig.directory.looked_up == ["6300"]


def test_known_caller_gets_the_location_set() -> None:
    def setup(rig: Rig) -> None:
        rig.directory.entries["6123"] = Caller(person="Nurse Zhang", department="Ward 3B",
                                               location_code="10305")
    ch, _ = call(ScriptedChannel(keys=["3"]), setup)
    assert ch.set_vars["SERVICE_TYPE"] == "cleaning" and ch.set_vars["LOCATION_CODE"] == "10305"


def _closed(rig: Rig) -> None:
    rig.hours.open = False


def test_after_hours_self_service_creates_a_ticket() -> None:
    ch, rig = call(ScriptedChannel(keys=["10305", "3", "1"]), _closed)
    assert rig.self_service.created == [("6123", "10305", "cleaning", 2001)]
    assert ch.set_vars["TICKET_ID"] == "2001" and ch.set_vars["IVR_ACTION"] == "hangup"
    assert ch.set_vars["LOCATION_CODE"] == "10305" and ch.set_vars["SERVICE_TYPE"] == "cleaning"
    said = [c[2] for c in ch.commands if c[:2] == ["SAY", "DIGITS"]]
    assert said == ["10305", "2001"]  # the room read back, then the ticket number


def test_after_hours_unknown_room_then_a_valid_one() -> None:
    ch, rig = call(ScriptedChannel(keys=["99999", "10305", "1", "1"]), _closed)
    played = [c[2] for c in ch.commands if c[:2] == ["STREAM", "FILE"]]
    assert "onestop/zh/unknown-room" in played
    assert rig.self_service.created[0][1:3] == ("10305", "repair")


def test_after_hours_unknown_room_every_time_goes_to_a_person() -> None:
    ch, rig = call(ScriptedChannel(keys=["1", "2", "3"]), _closed)
    assert rig.self_service.created == []
    assert ch.set_vars["SERVICE_TYPE"] == "operator" and ch.set_vars["IVR_REASON"] == "retries"


def test_after_hours_urgent_service_goes_to_a_person() -> None:
    ch, rig = call(ScriptedChannel(keys=["10305", "4"]), _closed)
    assert rig.self_service.created == []
    assert (ch.set_vars["SERVICE_TYPE"], ch.set_vars["QUEUE"]) == ("oxygen", "urgent")
    assert ch.set_vars["LOCATION_CODE"] == "10305"


def test_after_hours_power_failure_is_urgent_repair() -> None:
    ch, _ = call(ScriptedChannel(keys=["10305", "6"]), _closed)
    assert (ch.set_vars["SERVICE_TYPE"], ch.set_vars["IVR_REASON"]) == ("repair", "urgent")


def test_after_hours_start_again_then_confirm() -> None:
    ch, rig = call(ScriptedChannel(keys=["10305", "1", "2", "10305", "5", "1"]), _closed)
    assert rig.self_service.created == [("6123", "10305", "transport", 2001)]


def test_after_hours_zero_reaches_the_operator() -> None:
    ch, rig = call(ScriptedChannel(keys=["0"]), _closed)
    assert ch.set_vars["SERVICE_TYPE"] == "operator" and ch.set_vars["IVR_REASON"] == "operator"
