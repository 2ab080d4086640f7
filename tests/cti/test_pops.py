"""Pop payloads: cleaned caller ID, context from cache or as a later update, never delayed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from cti.fakes import DictContextLookup, RecordingPopPublisher
from cti.pops import PopBuilder, clean_text
from cti.tracker import Pop


def pop(num: str = "6123", name: str = "Nurse Zhang", login: str = "li") -> Pop:
    return Pop(stage="ringing", uniqueid="1.5", linkedid="1.5", caller_num=num, caller_name=name,
               variables={"SERVICE_TYPE": "repair", "LOCATION_CODE": "A0305"}, queue="hotline",
               member_name="Operator Li", interface="Local/101@agents/n", login=login)


async def _until(cond: Callable[[], bool], timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        assert loop.time() < end, "timed out"
        await asyncio.sleep(0.01)


def test_clean_text() -> None:
    assert clean_text("Nurse Zhang") == "Nurse Zhang"
    assert clean_text("a\r\nb\tc\u200bd\u202e") == "abcd"
    assert clean_text("x" * 100, 10) == "x" * 9 + "…"


def test_slow_lookup_never_delays_the_pop_and_the_update_follows() -> None:
    async def go() -> None:
        pub = RecordingPopPublisher()
        builder = PopBuilder(pub, DictContextLookup({"6123": {"person": "张"}}, delay_s=0.2))
        builder.pop(pop(), received_at=1.0)
        assert len(pub.pops) == 1 and pub.pops[0][1]["context_pending"] is True
        await _until(lambda: len(pub.pops) >= 2)
        assert len(pub.pops) == 2
        login, update = pub.pops[1]
        assert login == "li" and update["update"] and update["context"]["person"] == "张"
        builder.pop(pop(), received_at=2.0)  # cached now
        assert pub.pops[2][1]["context"]["person"] == "张" and not pub.pops[2][1]["context_pending"]
        builder.close()
    asyncio.run(go())


def test_failed_lookup_still_pops_and_is_counted() -> None:
    async def go() -> None:
        pub = RecordingPopPublisher()
        builder = PopBuilder(pub, DictContextLookup(fail_on={"6123"}))
        builder.prefetch("6123")
        await _until(lambda: builder.stats["lookup_errors"] >= 1)
        builder.pop(pop())
        assert pub.pops[0][1]["caller_num"] == "6123"
        builder.close()
    asyncio.run(go())


def test_unmapped_member_is_not_delivered_and_counted() -> None:
    pub = RecordingPopPublisher()
    builder = PopBuilder(pub)
    builder.pop(pop(login=""))
    assert pub.pops == [] and builder.stats["unrouted"] == 1


def test_payload_shape() -> None:
    p = PopBuilder(RecordingPopPublisher()).payload(pop(), 5.0)
    assert p["call_id"] == "1.5" and p["ivr_choice"] == "repair" and p["location_code"] == "A0305"
    assert p["queue"] == "hotline" and p["operator"] == "Operator Li" and p["received_at"] == 5.0


def test_a_caller_id_asterisk_had_no_value_for_pops_empty() -> None:
    # Asterisk writes "<unknown>" into CallerIDName/CallerIDNum when the trunk sent none (the
    # recorded abandoned_in_queue trace): the desk shows "—" and the form's reporter stays
    # empty, rather than a person called "<unknown>".
    pub = RecordingPopPublisher()
    builder = PopBuilder(pub)
    builder.pop(pop(name="<unknown>"))
    builder.pop(pop(num="<unknown>", name=" <unknown> "))
    builder.pop(pop(name="<unknown> Zhang"))  # a name that merely holds the word stays
    (_, named), (_, anonymous), (_, other) = pub.pops
    assert (named["caller_num"], named["caller_name"]) == ("6123", "")
    assert (anonymous["caller_num"], anonymous["caller_name"]) == ("", "")
    assert other["caller_name"] == "<unknown> Zhang"
    builder.close()


def test_a_withheld_number_pops_at_once_and_is_not_looked_up() -> None:
    async def go() -> None:
        pub, lookup = RecordingPopPublisher(), DictContextLookup()
        builder = PopBuilder(pub, lookup)
        builder.prefetch("<unknown>")
        builder.pop(pop(num="<unknown>", name="<unknown>"))
        await asyncio.sleep(0.1)  # an update, had a lookup started, would have come by now
        assert len(pub.pops) == 1 and pub.pops[0][1]["context_pending"] is False
        assert lookup.asked == []
        builder.close()
    asyncio.run(go())
