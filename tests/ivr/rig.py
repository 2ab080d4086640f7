"""A FastAGI server with in-memory ports on a loopback port chosen by the OS."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import TracebackType

from ivr.ackcall import AckIvr, AckResults
from ivr.fakes import FakeAckStore, FakeDirectory, FakeSelfService, FakeSurveyStore, FixedHours
from ivr.hotline import HotlineIvr
from ivr.menu import MenuSource
from ivr.server import FastAgiServer
from ivr.survey import SurveyIvr, SurveyResults
from tests.ivr.asterisk import ScriptedChannel, env_block, run_call


class Rig:
    def __init__(self, menu_file: Path | None = None, env_timeout_s: float = 5.0) -> None:
        self.menus = MenuSource(menu_file)
        self.hours = FixedHours(open=True)
        self.directory = FakeDirectory()
        self.self_service = FakeSelfService(locations={"10305": "Ward 3B room 305"}, next_id=2001)
        self.surveys = FakeSurveyStore(services={1042: "repair"})
        self.results = SurveyResults()
        self.acks = FakeAckStore(calls={1043: "10305"})
        self.ack_results = AckResults()
        self.server = FastAgiServer(
            {"ivr": HotlineIvr(self.menus, self.hours, self.directory, self.self_service),
             "survey": SurveyIvr(self.menus, self.surveys, self.results),
             "ack": AckIvr(self.menus, self.acks, self.ack_results)},
            "127.0.0.1", 0, env_timeout_s=env_timeout_s)
        self.port = 0

    async def __aenter__(self) -> Rig:
        self.port = await self.server.start()
        return self

    async def __aexit__(self, et: type[BaseException] | None, e: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.server.stop()

    async def call(self, channel: ScriptedChannel, script: str = "ivr", **env: str) -> ScriptedChannel:
        return await run_call(self.port, channel, env_block(script, **env))

    async def settle(self, timeout: float = 5.0) -> None:
        """Wait until the server has ended every session (stop() would cancel one still going)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while self.server.stats.active:
            assert loop.time() < end, f"{self.server.stats.active} FastAGI sessions still open"
            await asyncio.sleep(0.01)
