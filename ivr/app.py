"""The IVR wired from settings and ports: the FastAGI server, its routes and the survey
scheduler. The composition root builds one :class:`IvrApp` and runs it on its event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from config.settings import Settings
from ivr.hotline import HotlineIvr
from ivr.menu import DEFAULT_SERVICE_TYPES, MenuSource
from ivr.ports import Directory, Hours, Originator, SelfService, SurveyQueue, SurveyStore
from ivr.server import FastAgiServer, Handler
from ivr.survey import SurveyIvr, SurveyResults, SurveyScheduler


class IvrApp:
    """``agi://host:port/ivr`` and ``/survey``, plus outbound survey calls when a queue and an
    originator are given; ``/campaign`` and its calls likewise for satisfaction campaigns
    (``campaign_store`` and ``campaign_queue``: the same ports, keyed by the campaign call)."""

    def __init__(self, settings: Settings, *, hours: Hours | None = None,
                 directory: Directory | None = None, self_service: SelfService | None = None,
                 survey_store: SurveyStore | None = None, survey_queue: SurveyQueue | None = None,
                 campaign_store: SurveyStore | None = None, campaign_queue: SurveyQueue | None = None,
                 originator: Originator | None = None,
                 service_types: Iterable[str] = DEFAULT_SERVICE_TYPES,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 host: str | None = None, port: int | None = None) -> None:
        agi = settings.agi
        self.menus = MenuSource(agi.menu_file or None, service_types)
        self.results = SurveyResults()
        routes: dict[str, Handler] = {"ivr": HotlineIvr(self.menus, hours, directory, self_service, now)}
        if survey_store is not None:
            routes["survey"] = SurveyIvr(self.menus, survey_store, self.results)
        self.campaign_results = SurveyResults()
        if campaign_store is not None:
            routes["campaign"] = SurveyIvr(self.menus, campaign_store, self.campaign_results,
                                           variable="CAMPAIGN_CALL")
        self.server = FastAgiServer(routes, agi.host if host is None else host,
                                    agi.port if port is None else port)
        self.scheduler = (SurveyScheduler(survey_queue, originator, agi, self.results,
                                          settings.timezone, now, poll_s=agi.survey_poll_s)
                          if survey_queue is not None and originator is not None else None)
        self.campaign_scheduler = (
            SurveyScheduler(campaign_queue, originator, agi, self.campaign_results, settings.timezone,
                            now, poll_s=agi.survey_poll_s, variable="CAMPAIGN_CALL",
                            context=agi.campaign_context, prefix="campaign")
            if campaign_queue is not None and originator is not None else None)
        self._scheduler_tasks: list[asyncio.Task[None]] = []

    async def start(self) -> int:
        """Listen (and start placing call-backs and campaign calls); returns the port bound."""
        port = await self.server.start()
        for scheduler in (self.scheduler, self.campaign_scheduler):
            if scheduler is not None:
                self._scheduler_tasks.append(asyncio.create_task(scheduler.run()))
        return port

    async def stop(self) -> None:
        for task in self._scheduler_tasks:
            task.cancel()
        await asyncio.gather(*self._scheduler_tasks, return_exceptions=True)
        await self.server.stop()
