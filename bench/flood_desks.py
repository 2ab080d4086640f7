"""The flood's desks: each holds its event stream and reloads its list as the desk's page does.

``Desks`` spreads the desks over child processes — each its own event loop, as each desk is its
own browser on its own computer — each of which runs ``run_desks`` (``bench/flood.py
--desks-child``: the option is the bench's). Each child answers ``READY`` when its desks hold
their streams, and on ``stop`` its figures as one JSON line: the pops each desk read with the
time it read them, and the latency of every request the desks made.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from flood_world import PASSWORD, cpu_of

FLOOD = Path(__file__).with_name("flood.py")  # the script whose --desks-child runs run_desks


async def log_in(http: httpx.AsyncClient, login: str) -> None:
    page = await http.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if token is None:
        raise RuntimeError("the log-in page has no CSRF field")
    r = await http.post("/login", data={"username": login, "password": PASSWORD,
                                        "csrf_token": token.group(1)})
    if r.status_code >= 400:
        raise RuntimeError(f"log-in as {login} refused: {r.status_code}")


async def run_desks(bases: list[str], logins: list[str]) -> dict[str, Any]:
    """Hold a desk per login (round-robin over ``bases``) until ``stop`` on stdin."""
    out: dict[str, Any] = {"pops": [], "api_ms": [], "api_errors": 0, "dropped": 0, "not_modified": 0}
    readies = [asyncio.Event() for _ in logins]
    jobs: set[asyncio.Task[None]] = set()
    # one log-in at a time: the desks share one address here, and the center counts each
    # attempt in flight against the address until it succeeds ([web] address_attempts)
    one_at_a_time = asyncio.Semaphore(1)

    def spawn(coro: Any) -> asyncio.Task[None]:
        task = asyncio.create_task(coro)
        jobs.add(task)
        task.add_done_callback(jobs.discard)
        return task

    class Lister:
        """What the desk's page does with its list (``coalesce`` and ``refresh`` in
        ``web/static/app.js``, ``reloadSoon`` in ``desk.js``): a ticket event asks for
        ``GET /desk/list`` 250–1,000 ms later (at random: the desks spread out), at most one load
        at a time and one a second, once more after the last event; the list's ETag goes back
        in ``If-None-Match`` (304: unchanged)."""

        PAUSE, GAP, SPREAD = 0.25, 1.0, 0.75

        def __init__(self, http: httpx.AsyncClient) -> None:
            self.http, self.etag = http, ""
            self.timer: asyncio.Task[None] | None = None
            self.running = self.again = False
            self.last = -1e9

        def ask(self) -> None:
            if self.running:
                self.again = True
            elif self.timer is None:
                wait = max(self.PAUSE + random.random() * self.SPREAD, self.last + self.GAP - time.monotonic())
                self.timer = spawn(self.run(wait))

        async def run(self, wait: float) -> None:
            await asyncio.sleep(wait)
            self.timer, self.running, self.last = None, True, time.monotonic()
            try:
                await self.load()
            finally:
                self.running = False
            if self.again:
                self.again = False
                self.ask()

        async def load(self) -> None:
            t0 = time.perf_counter()
            try:
                r = await self.http.get("/desk/list", headers={"If-None-Match": self.etag} if self.etag else {})
                ok = r.status_code < 400
                if r.status_code == 200:
                    self.etag = r.headers.get("etag", "")
                out["not_modified"] += r.status_code == 304
            except httpx.HTTPError:
                ok = False
            out["api_ms"].append((time.perf_counter() - t0) * 1000)
            out["api_errors"] += not ok

    async def desk(base: str, login: str, ready: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            async with one_at_a_time:
                await log_in(http, login)
            lister = Lister(http)
            async with http.stream("GET", "/api/events?kinds=pop,ticket", timeout=None) as stream:
                event = ""
                async for line in stream.aiter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif not line.startswith("data:"):
                        continue
                    elif event == "pop":
                        now = time.time()
                        pop = json.loads(line[5:])
                        if pop.get("update"):
                            continue  # the caller's context arriving later: not a new pop
                        out["pops"].append((pop["uniqueid"], pop["stage"], login, now))
                    elif event == "ticket":
                        lister.ask()
                    elif event == "dropped":
                        out["dropped"] += json.loads(line[5:]).get("missed", 0)
                    elif event == "hello":
                        ready.set()

    tasks = [asyncio.create_task(desk(bases[i % len(bases)], login, readies[i]))
             for i, login in enumerate(logins)]
    waiting: asyncio.Future[Any] = asyncio.ensure_future(asyncio.gather(*(r.wait() for r in readies)))
    done, _ = await asyncio.wait([waiting, *tasks], timeout=120, return_when=asyncio.FIRST_COMPLETED)
    for t in tasks:
        if t in done and t.exception() is not None:
            raise RuntimeError(f"a desk could not start: {t.exception()}")
    print("READY", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for t in [*tasks, *jobs]:
        t.cancel()
    await asyncio.gather(*tasks, *jobs, return_exceptions=True)
    out["cpu_s"] = time.process_time()
    return out


class Desks:
    """The desks, spread over ``processes`` child processes (each its own event loop, as each
    desk is its own browser on its own computer: one loop reading fifty desks' answers delayed
    its own clocks by the others' turns)."""

    def __init__(self, bases: list[str], logins: list[str], processes: int) -> None:
        groups = [logins[i::processes] for i in range(min(processes, len(logins)))]
        self.children = [subprocess.Popen([sys.executable, str(FLOOD), "--desks-child", json.dumps([bases, g])],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                         for g in groups]
        self.cpu0 = 0.0

    def ready(self) -> None:
        for child in self.children:
            line = child.stdout.readline()  # type: ignore[union-attr]
            if line.strip() != "READY":
                raise RuntimeError(f"the desks did not start: {line!r}")

    def mark_cpu(self) -> None:
        self.cpu0 = sum(cpu_of(c.pid) for c in self.children)

    def stop(self) -> dict[str, Any]:
        """Every desk's figures together; ``cpu_s``: the children's CPU since ``mark_cpu``."""
        merged: dict[str, Any] = {"pops": [], "api_ms": [], "api_errors": 0, "dropped": 0,
                                  "not_modified": 0, "cpu_s": -self.cpu0}
        for child in self.children:
            out, _ = child.communicate("stop\n", timeout=60)
            for key, value in json.loads(out.strip().splitlines()[-1]).items():
                merged[key] += value
        return merged

    def kill(self) -> None:
        for child in self.children:
            child.kill()
            child.wait(10)
