"""A PBX without OneStop's sound files: every prompt is unplayable, and self-service still
takes the caller's request — the digits are keyed all the same, numbers are read back with
Asterisk's own SAY DIGITS — and only a real hang-up ends the call."""

from __future__ import annotations

import asyncio
import logging

import pytest

from ivr.menu import load_menu
from ivr.prompts import menu_sounds
from tests.ivr.asterisk import ScriptedChannel
from tests.ivr.rig import Rig

EVERY_SOUND = set(menu_sounds(load_menu()))


def after_hours(channel: ScriptedChannel) -> tuple[ScriptedChannel, Rig]:
    async def scenario() -> tuple[ScriptedChannel, Rig]:
        async with Rig() as rig:
            rig.hours.open = False
            await rig.call(channel)
            await rig.settle()
            return channel, rig
    return asyncio.run(scenario())


def test_no_sound_files_at_all_self_service_still_creates_the_ticket(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    # room code 10305 keyed digit by digit then #, service 3 (cleaning), 1 confirms
    ch, rig = after_hours(ScriptedChannel(keys=["1", "0", "3", "0", "5", "#", "3", "1"],
                                          missing=EVERY_SOUND))
    assert rig.self_service.created == [("6123", "10305", "cleaning", 2001)]
    assert ch.set_vars["TICKET_ID"] == "2001" and ch.set_vars["IVR_REASON"] == "self_service"
    said = [c[2] for c in ch.commands if c[:2] == ["SAY", "DIGITS"]]
    # the room code, the key of the service its name could not be played for, the ticket
    assert said == ["10305", "3", "2001"]
    gets = [c for c in ch.commands if c[:2] == ["GET", "DATA"]]
    assert len(gets) == 1  # tried once, then the digits were collected without the prompt
    assert "collecting the digits without it" in caplog.text
    assert rig.server.stats.completed == 1 and rig.server.stats.errors == 0


def test_unplayable_room_prompt_the_caller_keys_up_to_the_most_digits() -> None:
    # eight digits (after_hours.location_max_digits) end a code without a #: 12345678 is no
    # room, read back; then 10305# is, and the request goes through
    keys = [*"12345678", *"10305", "#", "1", "1"]
    ch, rig = after_hours(ScriptedChannel(keys=keys, missing={"onestop/zh/key-room-code"}))
    assert rig.self_service.created == [("6123", "10305", "repair", 2001)]
    said = [c[2] for c in ch.commands if c[:2] == ["SAY", "DIGITS"]]
    assert said[:2] == ["12345678", "10305"]
    assert len([c for c in ch.commands if c[:2] == ["GET", "DATA"]]) == 2


def test_silence_after_an_unplayable_prompt_is_not_a_hangup() -> None:
    ch, rig = after_hours(ScriptedChannel(keys=["", "", ""], missing={"onestop/zh/key-room-code"}))
    # no digits three times: the retries end at a person, not at a dropped call
    assert (ch.set_vars["SERVICE_TYPE"], ch.set_vars["IVR_REASON"]) == ("operator", "retries")
    assert rig.server.stats.completed == 1 and rig.server.stats.hung_up == 0


def test_a_real_hangup_after_the_unplayable_prompt_ends_the_session() -> None:
    # the caller hangs up while the digits are collected: WAIT FOR DIGIT fails, then 511
    ch, rig = after_hours(ScriptedChannel(keys=["1", "-1"], missing={"onestop/zh/key-room-code"}))
    assert rig.self_service.created == []
    assert rig.server.stats.hung_up + rig.server.stats.completed == 1
    assert rig.server.stats.errors == 0
    assert "TICKET_ID" not in ch.set_vars


def test_hangup_notice_before_the_get_data_reply_is_a_hangup() -> None:
    class HangsUp(ScriptedChannel):
        def answer(self, line: str) -> bytes | None:
            if line.startswith("GET DATA"):
                self.commands.append(line.split())
                self.dead = True
                return b"HANGUP\n200 result=-1\n"
            return super().answer(line)

    ch, rig = after_hours(HangsUp(keys=[]))
    assert rig.server.stats.hung_up == 1 and rig.server.stats.errors == 0
    assert not [c for c in ch.commands if c[:2] == ["WAIT", "FOR"]]
