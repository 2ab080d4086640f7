"""The acknowledgement call: the ``ack`` route with a worker on the line, and the scheduler
placing calls — with in-memory ports, and against the AMI answers a real Asterisk gave."""

from __future__ import annotations

import asyncio
import json

from cti.client import AmiClient
from cti.listener import AmiOriginator
from cti.responder import ActionReplay
from ivr.ackcall import AckResults, AckScheduler
from ivr.fakes import DueAckCall, FakeAckQueue, FakeDialler
from ivr.ports import CallAttempt
from tests.conftest import TRACES
from tests.ivr.asterisk import ScriptedChannel
from tests.ivr.rig import Rig


def ack(channel: ScriptedChannel, **variables: str) -> tuple[ScriptedChannel, Rig]:
    channel.variables.update(variables)

    async def scenario() -> tuple[ScriptedChannel, Rig]:
        async with Rig() as rig:
            await rig.call(channel, script="ack", callerid="8000", name="OneStop Hotline")
            await rig.settle()
            return channel, rig
    return asyncio.run(scenario())


def test_key_1_accepts_and_the_worker_hears_the_ticket_and_the_room() -> None:
    ch, rig = ack(ScriptedChannel(keys=["1"]), TICKET_ID="1043", ACK_ID="7")
    assert ch.set_vars["ACK_RESULT"] == "accepted"
    assert rig.acks.answers == [(1043, "accepted", 7)]
    said = [c[2] for c in ch.commands if c[:2] == ["SAY", "DIGITS"]]
    assert said == ["1043", "10305"]
    played = [c[2] for c in ch.commands if c[:2] == ["STREAM", "FILE"]]
    assert played == ["onestop/zh/ack-intro", "onestop/zh/ack-place", "onestop/zh/ack-ask",
                      "onestop/zh/ack-accepted"]


def test_a_wrong_key_is_asked_again_then_2_declines() -> None:
    ch, rig = ack(ScriptedChannel(keys=["5", "2"]), TICKET_ID="1043")
    assert ch.set_vars["ACK_RESULT"] == "declined" and rig.acks.answers == [(1043, "declined", None)]
    played = [c[2] for c in ch.commands if c[:2] == ["STREAM", "FILE"]]
    assert "onestop/zh/invalid-key" in played


def test_no_key_is_none_and_the_core_hears_no_key() -> None:
    ch, rig = ack(ScriptedChannel(keys=["", ""]), TICKET_ID="1043")
    assert ch.set_vars["ACK_RESULT"] == "none" and rig.acks.answers == [(1043, "no_key", None)]


def test_the_worker_hangs_up_midway() -> None:
    ch, rig = ack(ScriptedChannel(keys=["-1"]), TICKET_ID="1043")
    assert rig.acks.answers == [(1043, "no_key", None)]
    assert rig.server.stats.errors == 0


def test_prompts_missing_the_numbers_are_still_read_and_the_key_taken() -> None:
    missing = {f"onestop/zh/ack-{p}" for p in ("intro", "place", "ask", "accepted")}
    ch, rig = ack(ScriptedChannel(keys=["1"], missing=missing), TICKET_ID="1043")
    assert rig.acks.answers == [(1043, "accepted", None)]
    assert [c[2] for c in ch.commands if c[:2] == ["SAY", "DIGITS"]] == ["1043", "10305"]


def test_no_such_call_or_no_ticket_number() -> None:
    ch, rig = ack(ScriptedChannel(keys=["1"]), TICKET_ID="99")
    assert ch.set_vars["ACK_RESULT"] == "no_ticket" and rig.acks.answers == []
    ch, rig = ack(ScriptedChannel(keys=["1"]), TICKET_ID="12; Hangup")
    assert ch.set_vars["ACK_RESULT"] == "no_ticket"


def test_scheduler_reports_each_fate_with_its_reason() -> None:
    async def go() -> tuple[FakeAckQueue, FakeDialler, AckScheduler]:
        queue = FakeAckQueue(due=[DueAckCall(1, 1043, "13800000001"), DueAckCall(2, 1044, "13800000002"),
                                  DueAckCall(3, 1045, "bad/number")])
        results = AckResults()
        dialler = FakeDialler(by_number={"13800000002": CallAttempt("busy", "Reason 5")})
        # the worker answers call 1 and the route reports the key, as AckIvr does
        dialler.on_answer = lambda req: asyncio.get_running_loop().call_soon(
            results.report, int(req.variables["ACK_ID"]), "accepted")
        sched = AckScheduler(queue, dialler, results, trunk="PJSIP/trunk/", caller_id='"OneStop" <8000>',
                             ring_s=20, answer_wait_s=2)
        assert await sched.tick() == 3
        await sched.drain()
        return queue, dialler, sched

    queue, dialler, sched = asyncio.run(go())
    assert [(r.channel, r.context, r.action_id, dict(r.variables), r.timeout_s) for r in dialler.requests] == [
        ("PJSIP/trunk/13800000001", "worker-out", "ack-1043-1", {"TICKET_ID": "1043", "ACK_ID": "1"}, 20),
        ("PJSIP/trunk/13800000002", "worker-out", "ack-1044-2", {"TICKET_ID": "1044", "ACK_ID": "2"}, 20)]
    assert sorted(queue.results) == [(1, "answered", "", "1.1"), (2, "busy", "Reason 5", ""),
                                     (3, "failed", "number cannot be dialled", "")]
    assert queue.dialing == {1: "ack-1043-1", 2: "ack-1044-2"} and queue.no_keys == []


def test_answered_but_no_session_reports_is_no_key() -> None:
    async def go() -> FakeAckQueue:
        queue = FakeAckQueue(due=[DueAckCall(5, 1043, "13800000001")])
        sched = AckScheduler(queue, FakeDialler(), AckResults(), trunk="IAX2/pstn", answer_wait_s=0.05)
        await sched.tick()
        await sched.drain()
        return queue
    assert asyncio.run(go()).no_keys == [(1043, 5)]


def test_the_recorded_worker_calls_answered_answered_and_rang_out() -> None:
    """worker_ack_call: three Originates to the worker's phone; the dialler gets the fates a
    real Asterisk reported (originates.jsonl), the third with Reason 3."""
    recorded = [json.loads(x) for x in (TRACES / "worker_ack_call" / "originates.jsonl").read_text().splitlines()]

    async def go() -> FakeAckQueue:
        server = ActionReplay.from_folder(TRACES / "worker_ack_call", gate_timeout_s=5.0)
        port = await server.start()
        client = AmiClient("127.0.0.1", port, "onestop", "x", boot_wait_s=0.1)
        await client.start()
        await client.wait_ready(5)
        queue = FakeAckQueue(due=[DueAckCall(i + 1, 1043, r["channel_requested"].rsplit("/", 1)[1])
                                  for i, r in enumerate(recorded)])
        results = AckResults()
        sched = AckScheduler(queue, AmiOriginator(client), results, trunk="IAX2/127.0.0.1",
                             ring_s=10, answer_wait_s=0.2)
        try:
            # the recorder placed them one after another; the scheduler claims one at a time
            for _ in recorded:
                sched.batch = 1
                await sched.tick()
                await sched.drain()
            await asyncio.wait_for(server.done.wait(), 10)
            assert server.stalled is None
        finally:
            await client.stop()
            await server.close()
        return queue

    queue = asyncio.run(go())
    reasons = {4: "answered", 3: "no_answer"}
    assert [(r[1], r[3]) for r in queue.results] == [
        (reasons[x["reason"]], x["uniqueid"] or "") for x in recorded]
    assert queue.results[2][2] == "Reason 3"
    # answered twice, no session reported a key here (the FastAGI part is test_traces'): no_key
    assert queue.no_keys == [(1043, 1), (1043, 2)]
