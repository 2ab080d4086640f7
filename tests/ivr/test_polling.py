"""The poll loop the outbound callers share (``ivr.polling.CallPoller``): a tick that fails is
logged and the loop claims again at the next poll; ``stop`` stops claiming and lets the calls in
progress end, cancelling only one that outlasts its bound."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

import pytest

from ivr.polling import CallPoller


class Calls(CallPoller[int]):
    """Claims the given batches in turn (an exception: that tick fails); each call waits for
    ``release``."""

    def __init__(self, batches: list[list[int] | Exception], poll_s: float = 0.01) -> None:
        super().__init__("test calls", poll_s)
        self.batches = batches
        self.claims = 0
        self.release = asyncio.Event()
        self.started: list[int] = []
        self.finished: list[int] = []
        self.cancelled: list[int] = []

    async def due(self) -> Sequence[int]:
        self.claims += 1
        batch = self.batches.pop(0) if self.batches else []
        if isinstance(batch, Exception):
            raise batch
        return batch

    async def place(self, row: int) -> str:
        self.started.append(row)
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled.append(row)
            raise
        self.finished.append(row)
        return "answered"


async def until(condition: Callable[[], bool], deadline_s: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline_s
    while not condition():
        assert loop.time() < end, "the condition was not met in time"
        await asyncio.sleep(0.002)


def test_a_failing_tick_is_logged_and_the_loop_claims_again(caplog: pytest.LogCaptureFixture) -> None:
    async def go() -> Calls:
        calls = Calls([RuntimeError("store unreachable"), [1, 2]])
        calls.release.set()
        calls.start()
        await until(lambda: calls.finished == [1, 2])
        await calls.stop()
        return calls

    with caplog.at_level(logging.ERROR, logger="ivr.polling"):
        calls = asyncio.run(go())
    failed = [r for r in caplog.records if r.name == "ivr.polling"]
    assert len(failed) == 1
    assert failed[0].getMessage() == "test calls: tick failed; trying again in 0 s"
    assert failed[0].exc_info is not None and isinstance(failed[0].exc_info[1], RuntimeError)
    assert calls.claims >= 2 and calls.started == [1, 2]


def test_tick_starts_one_call_per_row_without_waiting_for_them() -> None:
    async def go() -> tuple[int, int, Calls]:
        calls = Calls([[4, 5, 6]])
        started = await calls.tick()
        in_flight = calls.in_flight
        calls.release.set()
        await calls.drain()
        return started, in_flight, calls

    started, in_flight, calls = asyncio.run(go())
    assert (started, in_flight) == (3, 3)
    assert sorted(calls.finished) == [4, 5, 6] and calls.in_flight == 0


def test_stop_stops_claiming_and_waits_for_the_calls_in_progress() -> None:
    async def go() -> tuple[bool, int, int, Calls]:
        calls = Calls([[7]])
        calls.start()
        await until(lambda: calls.started == [7])
        stopping = asyncio.create_task(calls.stop())
        await until(lambda: not calls.running)
        waited = not stopping.done()  # the loop is over; the call still holds stop back
        claims = calls.claims
        calls.release.set()
        await stopping
        return waited, claims, calls.claims, calls

    waited, claims_at_stop, claims_after, calls = asyncio.run(go())
    assert waited
    assert calls.finished == [7] and calls.cancelled == [] and calls.in_flight == 0
    assert claims_after == claims_at_stop


def test_stop_cancels_a_call_that_outlasts_its_bound(caplog: pytest.LogCaptureFixture) -> None:
    async def go() -> Calls:
        calls = Calls([[9]])
        calls.start()
        await until(lambda: calls.started == [9])
        await calls.stop(timeout_s=0.05)  # ``release`` is never set: the call would wait forever
        return calls

    with caplog.at_level(logging.WARNING, logger="ivr.polling"):
        calls = asyncio.run(go())
    assert calls.cancelled == [9] and calls.finished == [] and calls.in_flight == 0
    assert not calls.running
    assert any("1 call(s) still in progress" in r.getMessage() for r in caplog.records)
