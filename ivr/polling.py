"""The poll loop the outbound callers share: the satisfaction call-backs, the campaigns' calls
and the workers' acknowledgement calls.

Every ``poll_s`` a ``CallPoller`` claims what is due (``due``: rows leased in the core's queue)
and places one call per row (``place``), each as a task of its own, so a call that rings for
half a minute holds up neither the loop nor the other calls. A tick that fails — the store
unreachable, say — is logged and the loop goes on at the next poll; a failing call is the
call's own business (``place`` reports its fate to the core). ``stop`` stops claiming and lets
the calls in progress finish, up to a bound; one still running then is cancelled, and its row's
lease gives it back to the queue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Row = TypeVar("Row")


class CallPoller(Generic[Row]):
    """Claims due rows and places a call for each; ``name`` is what the log calls them."""

    def __init__(self, name: str, poll_s: float) -> None:
        self.name, self.poll_s = name, poll_s
        self._tasks: set[asyncio.Task[str]] = set()
        self._loop: asyncio.Task[None] | None = None

    async def due(self) -> Sequence[Row]:
        """Claim what may be called now (none: an empty list)."""
        raise NotImplementedError

    async def place(self, row: Row) -> str:
        """One call to its end, its fate reported to the core; returns its outcome."""
        raise NotImplementedError

    async def tick(self) -> int:
        """Claim what is due and start a call for each; returns how many were started."""
        rows = await self.due()
        for row in rows:
            task = asyncio.create_task(self.place(row))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(rows)

    async def run(self) -> None:
        """Tick every ``poll_s`` until cancelled."""
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("%s: tick failed; trying again in %.0f s", self.name, self.poll_s)
            await asyncio.sleep(self.poll_s)

    def start(self) -> None:
        """Run the loop as a task (``stop`` ends it)."""
        if self._loop is None or self._loop.done():
            self._loop = asyncio.create_task(self.run(), name=self.name)

    @property
    def running(self) -> bool:
        """The loop is claiming (started and not stopped)."""
        return self._loop is not None and not self._loop.done()

    @property
    def in_flight(self) -> int:
        """Calls in progress."""
        return len(self._tasks)

    async def drain(self) -> None:
        """Wait for the calls in progress (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self, timeout_s: float = 5.0) -> None:
        """Stop claiming, then wait up to ``timeout_s`` for the calls in progress; cancel what
        is left (a cancelled call's row is claimed again once its lease runs out)."""
        if self._loop is not None:
            self._loop.cancel()
            await asyncio.gather(self._loop, return_exceptions=True)
            self._loop = None
        if not self._tasks:
            return
        _, late = await asyncio.wait(set(self._tasks), timeout=timeout_s)
        if late:
            log.warning("%s: %d call(s) still in progress after %.0f s; cancelled", self.name,
                        len(late), timeout_s)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
