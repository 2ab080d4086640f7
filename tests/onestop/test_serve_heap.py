"""``onestop serve`` leaves what start-up built out of the collector's full passes, once every
part is up (``onestop.cmd_serve.settle_heap``)."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
from typing import Any

from onestop.cmd_serve import settle_heap
from onestop.runtime import Center


class Part:
    def __init__(self, name: str, seen: list[str]) -> None:
        self.name, self.seen = name, seen

    async def start(self) -> None:
        self.seen.append(f"{self.name} up")

    async def stop(self) -> None:
        self.seen.append(f"{self.name} down")

    def health(self) -> dict[str, Any]:
        return {"state": "up"}


def test_the_started_hook_runs_once_every_part_is_up() -> None:
    seen: list[str] = []

    def started() -> None:
        seen.append("started")
        os.kill(os.getpid(), signal.SIGTERM)  # as at a shutdown: run_until_signal returns

    asyncio.run(Center([Part("a", seen), Part("b", seen)]).run_until_signal(started=started))
    assert seen == ["a up", "b up", "started", "b down", "a down"]


def _cycle(n: int) -> None:
    items: list[list[Any]] = [[] for _ in range(n)]
    for i, item in enumerate(items):
        item.append(items[(i + 1) % n])


def test_settling_freezes_what_exists_and_leaves_later_objects_to_the_collector() -> None:
    before = gc.get_freeze_count()
    try:
        kept = [{"n": [i]} for i in range(1000)]  # made at "start-up", tracked by the collector
        settle_heap()
        assert gc.get_freeze_count() >= before + 2 * len(kept)
        _cycle(10)  # garbage made afterwards, in a cycle: only the collector frees it
        assert gc.collect() >= 10
    finally:
        gc.unfreeze()
