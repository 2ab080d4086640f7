"""The AMI client's actions answered by what a real Asterisk answered: Originate's fates,
queue membership (QueueAdd/QueuePause/QueueRemove, one of which fails), QueueStatus and
QueueSummary, StopMixMonitor — each over loopback from the recorded conversation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from cti.client import AmiClient
from cti.desk_actions import (
    queue_add,
    queue_pause,
    queue_remove,
    queue_state,
    queue_summary,
    stop_mixmonitor,
)
from cti.responder import ActionReplay
from tests.conftest import TRACES

T = TypeVar("T")
# the README's table of OriginateResponse Reasons
REASONS = {0: "failed", 1: "rejected", 3: "no_answer", 4: "answered", 5: "busy", 8: "congestion"}


def recorded(scenario: str, name: str) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (TRACES / scenario / name).read_text(encoding="utf-8").splitlines() if x]


def sent(scenario: str) -> list[dict[str, str]]:
    out = []
    for item in recorded(scenario, "sent.jsonl"):
        lines = [ln.split(": ", 1) for ln in item["raw"].split("\r\n") if ": " in ln]
        out.append({k: v for k, v in lines})
    return out


def over_replay(scenario: str, body: Callable[[AmiClient, ActionReplay], Awaitable[T]],
                events: list[str] | None = None) -> T:
    async def go() -> T:
        server = ActionReplay.from_folder(TRACES / scenario, gate_timeout_s=5.0)
        port = await server.start()
        client = AmiClient("127.0.0.1", port, "onestop", "x", action_timeout_s=5.0, boot_wait_s=0.1)
        if events is not None:
            client.subscribe(lambda msgs, t: events.extend(m.event for m in msgs))
        await client.start()
        try:
            await client.wait_ready(5)
            result = await body(client, server)
            await asyncio.wait_for(server.done.wait(), 10)
            assert server.stalled is None
            return result
        finally:
            await client.stop()
            await server.close()
    return asyncio.run(go())


def test_originate_outcomes_as_asterisk_reported_them() -> None:
    actions = sent("originate_outcomes")
    expected = recorded("originate_outcomes", "originates.jsonl")

    async def body(client: AmiClient, server: ActionReplay) -> list[Any]:
        # sent at once, as the recorder did; the client's own ActionIDs (matched by channel)
        return list(await asyncio.gather(*(
            client.originate(a["Channel"], a["Context"], a["Exten"], int(a["Priority"]),
                             caller_id=a["CallerID"], timeout_s=int(a["Timeout"]) / 1000)
            for a in actions)))

    results = over_replay("originate_outcomes", body)
    assert len(results) == len(expected) == 7
    for got, want in zip(results, expected, strict=True):
        if want["response"] == "Error":  # refused at once: no event, the message says why
            assert (got.outcome, got.reason, got.message) == ("failed", "", want["message"])
            assert got.detail == "Extension does not exist."
        else:
            assert got.reason == str(want["reason"])
            assert got.outcome == REASONS[want["reason"]]
            assert got.uniqueid == (want["uniqueid"] or "")
            assert got.detail == f"Reason {want['reason']}"
    assert [r.outcome for r in results] == ["answered", "busy", "no_answer", "congestion",
                                            "no_answer", "failed", "failed"]


def test_queue_membership_pauses_status_and_summary() -> None:
    lines = recorded("queue_member_ops", "actions.jsonl")

    async def body(client: AmiClient, server: ActionReplay) -> dict[str, Any]:
        got: dict[str, Any] = {}
        got["qa-add"] = await queue_add(client, "hotline", "Local/103@agents/n", "Operator Zhao")
        got["qa-pause-zhao"] = await queue_pause(client, "hotline", "Local/103@agents/n", True, "培训")
        got["qa-pause-li"] = await queue_pause(client, "hotline", "Local/101@agents/n", True, "lunch")
        got["qa-pause-wang"] = await queue_pause(client, "hotline", "Local/102@agents/n", True, "lunch")
        got["qa-status"] = await queue_state(client, "hotline")
        got["qa-summary"] = await queue_summary(client, "hotline")
        got["qa-unpause-zhao"] = await queue_pause(client, "hotline", "Local/103@agents/n", False)
        got["qa-remove"] = await queue_remove(client, "hotline", "Local/103@agents/n")
        got["qa-remove-again"] = await queue_remove(client, "hotline", "Local/103@agents/n")
        got["qa-unpause-li"] = await queue_pause(client, "hotline", "Local/101@agents/n", False)
        got["qa-unpause-wang"] = await queue_pause(client, "hotline", "Local/102@agents/n", False)
        return got

    got = over_replay("queue_member_ops", body)
    for line in lines:
        result = got[line["action_id"]]
        if line["action"] in ("QueueAdd", "QueuePause", "QueueRemove"):
            assert (result.ok, result.message) == (line["response"] == "Success", line["message"])
    assert got["qa-remove-again"].ok is False
    assert got["qa-remove-again"].message == "Unable to remove interface: Not there"
    status = got["qa-status"]
    want = next(x for x in lines if x["action"] == "QueueStatus")["events"]
    assert sorted(m.get("Name") for m in status.members) == sorted(
        e["Name"] for e in want if e["Event"] == "QueueMember")
    assert [(m.get("CallerIDNum"), m.get("Position")) for m in status.entries] == [("6520", "1")]
    assert {m.get("Name"): m.get("PausedReason") for m in status.members}["Operator Zhao"] == "培训"
    (summary,) = got["qa-summary"]
    ev = next(x for x in lines if x["action"] == "QueueSummary")["events"][0]
    assert (summary.logged_in, summary.available, summary.callers, summary.longest_hold_s) == (
        int(ev["LoggedIn"]), int(ev["Available"]), int(ev["Callers"]), int(ev["LongestHoldTime"]))


def test_stop_mixmonitor_on_the_recorded_call() -> None:
    (action,) = sent("recorded_call")
    events: list[str] = []

    async def body(client: AmiClient, server: ActionReplay) -> Any:
        return await stop_mixmonitor(client, action["Channel"])

    assert over_replay("recorded_call", body, events).ok
    assert events.count("MixMonitorStart") == 1 and events.count("MixMonitorStop") == 1


def test_a_trace_waiting_for_an_action_never_sent_says_which() -> None:
    async def go() -> None:
        server = ActionReplay.from_folder(TRACES / "recorded_call", gate_timeout_s=0.3)
        port = await server.start()
        client = AmiClient("127.0.0.1", port, "onestop", "x", boot_wait_s=0.1)
        await client.start()
        try:
            await asyncio.wait_for(server.done.wait(), 5)
        finally:
            await client.stop()
            await server.close()
        assert server.stalled is not None and server.stalled.action_id == "stop-rec"
    asyncio.run(go())
