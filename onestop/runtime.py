"""The running center: every part in one asyncio process, each switchable, each reporting health.

A part is anything with ``async start()``, ``async stop()`` and ``health() -> dict``. Parts
start in dependency order (store first, web last) and stop in reverse, so queues drain
while the desk still answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Part(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def health(self) -> dict[str, Any]: ...


class Periodic:
    """Run a blocking job every ``interval_s`` in a worker thread (the time-limit sweep)."""

    def __init__(self, name: str, job: Callable[[], object], interval_s: float) -> None:
        self.name, self.job, self.interval_s = name, job, interval_s
        self._task: asyncio.Task[None] | None = None
        self.runs = 0
        self.last_error = ""

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=self.name)

    async def _loop(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.job)
                self.runs += 1
                self.last_error = ""
            except Exception as exc:  # a failed sweep is logged and tried again next time
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("%s failed", self.name)
            await asyncio.sleep(self.interval_s)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def health(self) -> dict[str, Any]:
        return {"state": "error" if self.last_error else "up", "runs": self.runs,
                "error": self.last_error}


class Task:
    """A part made of one coroutine factory and a stop callable (a server's serve loop)."""

    def __init__(self, name: str, run: Callable[[], Awaitable[object]],
                 stop: Callable[[], Awaitable[object]] | None = None,
                 health: Callable[[], dict[str, Any]] | None = None) -> None:
        self.name = name
        self._run, self._stop, self._health = run, stop, health
        self._task: asyncio.Task[object] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)  # type: ignore[arg-type]

    async def stop(self) -> None:
        if self._stop is not None:
            await self._stop()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 5)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()
            except Exception:
                log.exception("%s ended with an error", self.name)

    def health(self) -> dict[str, Any]:
        if self._health is not None:
            return self._health()
        done = self._task is not None and self._task.done()
        return {"state": "down" if done else "up"}


class Center:
    def __init__(self, parts: list[Part]) -> None:
        self.parts = parts
        self._started: list[Part] = []

    def health(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for part in self.parts:
            try:
                out[part.name] = part.health()
            except Exception as exc:
                out[part.name] = {"state": "error", "error": str(exc)}
        return out

    async def start(self) -> None:
        """Start every part in order; if one cannot start, stop those already started (in
        reverse) and raise its error."""
        for part in self.parts:
            try:
                await part.start()
            except BaseException:
                await self.stop()
                raise
            self._started.append(part)
            log.info("started %s", part.name)

    async def stop(self) -> None:
        for part in reversed(self._started):
            try:
                await part.stop()
                log.info("stopped %s", part.name)
            except Exception:
                log.exception("stopping %s failed", part.name)
        self._started.clear()

    async def run_until_signal(self, started: Callable[[], None] | None = None) -> None:
        """Start, run until SIGINT or SIGTERM, stop; ``started`` is called once every part is up."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            # Not in the main thread (tests), there is no handler: the caller stops us.
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        await self.start()
        if started is not None:
            started()
        try:
            await stop.wait()
        finally:
            await self.stop()
