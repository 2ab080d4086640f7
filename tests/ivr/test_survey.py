"""The survey route over TCP, and the scheduler that places the calls."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from config.settings import AgiSettings
from ivr.fakes import DueCall, FakeOriginator, FakeSurveyQueue, FakeSurveyStore
from ivr.ports import OriginateRequest
from ivr.server import FastAgiServer
from ivr.survey import SurveyIvr, SurveyResults, SurveyScheduler
from tests.ivr.asterisk import ScriptedChannel, env_block, run_call
from tests.ivr.rig import Rig


def survey(channel: ScriptedChannel) -> tuple[ScriptedChannel, Rig]:
    async def scenario() -> tuple[ScriptedChannel, Rig]:
        async with Rig() as rig:
            await rig.call(channel, "survey", callerid="8000", name="OneStop Hotline")
            await rig.settle()
            return channel, rig
    return asyncio.run(scenario())


def test_score_stored_and_service_read() -> None:
    ch, rig = survey(ScriptedChannel(keys=["4", ""], variables={"TICKET_ID": "1042"}))
    assert rig.surveys.results == {1042: (4, "")}
    played = [c[2] for c in ch.commands if c[:2] == ["STREAM", "FILE"]]
    assert "onestop/zh/service-repair" in played
    assert ch.set_vars["SURVEY_SCORE"] == "4" and ch.set_vars["SURVEY_RESULT"] == "scored"


def test_score_with_a_recorded_comment() -> None:
    ch, rig = survey(ScriptedChannel(keys=["2", "1"], variables={"TICKET_ID": "1042"}))
    (rec,) = [c for c in ch.commands if c[:2] == ["RECORD", "FILE"]]
    assert rec[2].endswith("ticket-1042-1795487664.5") and rec[3:6] == ["wav", "#", "30000"]
    assert rig.surveys.results[1042] == (2, rec[2] + ".wav")


def test_no_key_twice_stores_nothing() -> None:
    ch, rig = survey(ScriptedChannel(keys=["", ""], variables={"TICKET_ID": "1042"}))
    assert rig.surveys.results == {} and ch.set_vars["SURVEY_RESULT"] == "no_input"


def test_invalid_key_then_score() -> None:
    ch, rig = survey(ScriptedChannel(keys=["8", "5", ""], variables={"TICKET_ID": "1042"}))
    assert rig.surveys.results == {1042: (5, "")}


def test_hangup_midway_result_minus_one_then_hangup_then_511() -> None:
    ch, rig = survey(ScriptedChannel(keys=["-1"], variables={"TICKET_ID": "1042"}))
    assert rig.surveys.results == {}
    assert ch.commands[-1][:3] == ["SET", "VARIABLE", "SURVEY_RESULT"]  # answered HANGUP + 511
    assert rig.server.stats.hung_up == 1 and rig.server.stats.errors == 0


def test_hangup_after_the_score_keeps_the_score() -> None:
    ch, rig = survey(ScriptedChannel(keys=["5", "-1"], variables={"TICKET_ID": "1042"}))
    assert rig.surveys.results == {1042: (5, "")}


def test_missing_or_unknown_ticket() -> None:
    ch, rig = survey(ScriptedChannel(keys=["5"]))
    assert ch.set_vars == {"SURVEY_RESULT": "no_ticket"} and rig.surveys.results == {}
    ch, rig = survey(ScriptedChannel(keys=["5"], variables={"TICKET_ID": "77"}))
    assert ch.set_vars == {"SURVEY_RESULT": "unknown_ticket"}
    ch, rig = survey(ScriptedChannel(keys=["5"], variables={"TICKET_ID": "1; EXEC x"}))
    assert ch.set_vars == {"SURVEY_RESULT": "no_ticket"}


# --- the scheduler --------------------------------------------------------------------------


class Clock:
    def __init__(self, when: datetime) -> None:
        self.when, self.mono = when, 0.0

    def now(self) -> datetime:
        return self.when

    def monotonic(self) -> float:
        return self.mono


DAY = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
NIGHT = datetime(2026, 9, 1, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai


def scheduler(queue: FakeSurveyQueue, originator: FakeOriginator, clock: Clock,
              results: SurveyResults | None = None, **settings: object) -> SurveyScheduler:
    return SurveyScheduler(queue, originator, AgiSettings(**settings), results or SurveyResults(),  # type: ignore[arg-type]
                           "Asia/Shanghai", clock.now, clock.monotonic, answer_wait_s=1.0)


def test_answered_call_carries_the_recorded_originate_shape() -> None:
    async def scenario() -> tuple[FakeSurveyQueue, FakeOriginator]:
        queue = FakeSurveyQueue([DueCall(7, 1042, "6123")])
        results = SurveyResults()
        orig = FakeOriginator(on_answer=lambda req: asyncio.get_running_loop().call_soon(
            results.report, int(req.variables["TICKET_ID"]), 5))
        s = scheduler(queue, orig, Clock(DAY), results)
        assert await s.tick() == 1
        await s.drain()
        return queue, orig

    queue, orig = asyncio.run(scenario())
    assert orig.requests == [OriginateRequest("survey-1042", "IAX2/pstn/6123", "survey-out",
                                              variables={"TICKET_ID": "1042", "SURVEY_ID": "7"})]
    assert queue.calling == {7: "survey-1042"}
    assert queue.results == [(7, 5, "answered")] and queue.status[7] == "done"


def test_nothing_is_claimed_while_the_originator_cannot_dial() -> None:
    # the AMI link not up yet (or lost): a call-back would fail without ringing anyone and
    # spend one of the reporter's attempts; it waits in the queue until the link is back
    async def scenario() -> tuple[FakeSurveyQueue, FakeOriginator, int, int]:
        queue = FakeSurveyQueue([DueCall(7, 1042, "6123")])
        orig = FakeOriginator(outcome="no_answer", ready=False)
        s = scheduler(queue, orig, Clock(DAY))
        down = await s.tick()
        orig.ready = True
        up = await s.tick()
        await s.drain()
        return queue, orig, down, up

    queue, orig, down, up = asyncio.run(scenario())
    assert (down, up) == (0, 1)
    assert [r.channel for r in orig.requests] == ["IAX2/pstn/6123"]
    assert queue.claimed[7].attempts == 1 and queue.results == [(7, None, "no_answer")]


def test_no_answer_and_busy_retry_then_manual() -> None:
    async def scenario() -> FakeSurveyQueue:
        queue = FakeSurveyQueue([DueCall(1, 11, "6001"), DueCall(2, 12, "6002")], max_attempts=2)
        orig = FakeOriginator(by_number={"6001": "no_answer", "6002": "busy"})
        s = scheduler(queue, orig, Clock(DAY))
        for _ in range(3):
            await s.tick()
            await s.drain()
        return queue

    queue = asyncio.run(scenario())
    assert [r[2] for r in queue.results] == ["no_answer", "busy", "no_answer", "busy"]
    assert queue.status == {1: "manual", 2: "manual"}
    assert queue.calling[1] == "survey-11-2"


def test_answered_without_a_score_is_retried() -> None:
    async def scenario() -> FakeSurveyQueue:
        queue = FakeSurveyQueue([DueCall(1, 11, "6001")])
        s = scheduler(queue, FakeOriginator(), Clock(DAY))
        s.answer_wait_s = 0.01
        await s.tick()
        await s.drain()
        return queue

    queue = asyncio.run(scenario())
    assert queue.results == [(1, None, "answered")] and queue.status[1] == "retry"


def test_quiet_hours_and_rate_limit() -> None:
    async def scenario() -> tuple[int, int, int, int]:
        queue = FakeSurveyQueue([DueCall(i, 100 + i, f"60{i:02d}") for i in range(10)])
        clock = Clock(NIGHT)
        s = scheduler(queue, FakeOriginator(outcome="busy"), clock, survey_max_per_hour=4,
                      survey_max_attempts=1)
        night = await s.tick()
        clock.when = DAY
        first = await s.tick()
        await s.drain()
        capped = await s.tick()
        clock.mono += 3601
        later = await s.tick()
        await s.drain()
        return night, first, capped, later

    assert asyncio.run(scenario()) == (0, 4, 0, 4)


def test_undialable_number_is_not_originated() -> None:
    async def scenario() -> tuple[FakeSurveyQueue, FakeOriginator]:
        queue = FakeSurveyQueue([DueCall(1, 11, "6001&IAX2/evil")], max_attempts=1)
        orig = FakeOriginator()
        s = scheduler(queue, orig, Clock(DAY))
        await s.tick()
        await s.drain()
        return queue, orig

    queue, orig = asyncio.run(scenario())
    assert orig.requests == [] and queue.results == [(1, None, "failed")]


# --- satisfaction campaigns: the same route and scheduler, keyed by the campaign's call -------

def test_the_campaign_route_scores_the_call_it_is_given() -> None:
    async def scenario() -> tuple[ScriptedChannel, FakeSurveyStore]:
        async with Rig() as rig:
            store = FakeSurveyStore(services={31: ""})
            campaign = FastAgiServer({"campaign": SurveyIvr(rig.menus, store, variable="CAMPAIGN_CALL")},
                                     "127.0.0.1", 0)
            port = await campaign.start()
            ch = await run_call(port, ScriptedChannel(keys=["3", ""], variables={"CAMPAIGN_CALL": "31",
                                                                              "TICKET_ID": "1042"}),
                                env_block("campaign"))
            await campaign.stop()
            return ch, store

    ch, store = asyncio.run(scenario())
    assert store.results == {31: (3, "")} and ch.set_vars["SURVEY_RESULT"] == "scored"


def test_the_campaign_scheduler_dials_into_its_own_context() -> None:
    async def scenario() -> tuple[FakeSurveyQueue, FakeOriginator]:
        queue = FakeSurveyQueue([DueCall(31, 31, "6123")])
        results = SurveyResults()
        orig = FakeOriginator(on_answer=lambda req: asyncio.get_running_loop().call_soon(
            results.report, int(req.variables["CAMPAIGN_CALL"]), 4))
        s = SurveyScheduler(queue, orig, AgiSettings(), results, "Asia/Shanghai", Clock(DAY).now,
                            answer_wait_s=1.0, variable="CAMPAIGN_CALL", context="campaign-out",
                            prefix="campaign")
        assert await s.tick() == 1
        await s.drain()
        return queue, orig

    queue, orig = asyncio.run(scenario())
    assert orig.requests == [OriginateRequest("campaign-31", "IAX2/pstn/6123", "campaign-out",
                                              variables={"CAMPAIGN_CALL": "31", "SURVEY_ID": "31"})]
    assert queue.results == [(31, 4, "answered")]
