"""The IVR wired from settings and ports: the FastAGI server, its routes and the survey
scheduler. The composition root builds one :class:`IvrApp` and runs it on its event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from config.settings import Settings
from ivr.ackcall import AckIvr, AckResults, AckScheduler
from ivr.hotline import HotlineIvr
from ivr.menu import DEFAULT_SERVICE_TYPES, MenuSource
from ivr.ports import (
    AckQueue,
    AckStore,
    Dialler,
    Directory,
    Hours,
    Originator,
    SelfService,
    SurveyQueue,
    SurveyStore,
)
from ivr.server import FastAgiServer, Handler
from ivr.survey import SurveyIvr, SurveyResults, SurveyScheduler


class IvrApp:
    """``agi://host:port/ivr``, ``/survey`` and ``/ack``, plus outbound survey calls when a queue
    and an originator are given; ``/campaign`` and its calls likewise for satisfaction campaigns
    (``campaign_store`` and ``campaign_queue``: the same ports, keyed by the campaign call); and
    the workers' acknowledgement calls when their queue and a dialler are given."""

    def __init__(self, settings: Settings, *, hours: Hours | None = None,
                 directory: Directory | None = None, self_service: SelfService | None = None,
                 survey_store: SurveyStore | None = None, survey_queue: SurveyQueue | None = None,
                 campaign_store: SurveyStore | None = None, campaign_queue: SurveyQueue | None = None,
                 originator: Originator | None = None,
                 ack_store: AckStore | None = None, ack_queue: AckQueue | None = None,
                 dialler: Dialler | None = None,
                 service_types: Iterable[str] = DEFAULT_SERVICE_TYPES,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 host: str | None = None, port: int | None = None) -> None:
        agi = settings.agi
        self.menus = MenuSource(agi.menu_file or None, service_types)
        self.results = SurveyResults()
        routes: dict[str, Handler] = {"ivr": HotlineIvr(self.menus, hours, directory, self_service, now)}
        if survey_store is not None:
            routes["survey"] = SurveyIvr(self.menus, survey_store, self.results)
        self.ack_results = AckResults()
        if ack_store is not None:
            routes["ack"] = AckIvr(self.menus, ack_store, self.ack_results)
        self.campaign_results = SurveyResults()
        if campaign_store is not None:
            routes["campaign"] = SurveyIvr(self.menus, campaign_store, self.campaign_results,
                                           variable="CAMPAIGN_CALL")
        self.server = FastAgiServer(routes, agi.host if host is None else host,
                                    agi.port if port is None else port)
        self.scheduler = (SurveyScheduler(survey_queue, originator, agi, self.results,
                                          settings.timezone, now, poll_s=agi.survey_poll_s)
                          if survey_queue is not None and originator is not None else None)
        tel = settings.telephony
        self.ack_scheduler = (AckScheduler(ack_queue, dialler, self.ack_results,
                                           trunk=tel.ack_trunk or agi.survey_trunk,
                                           context=tel.ack_context, caller_id=tel.ack_caller_id,
                                           ring_s=tel.ack_ring_s, answer_wait_s=tel.ack_answer_wait_s,
                                           poll_s=tel.ack_poll_s)
                              if ack_queue is not None and dialler is not None and tel.ack_calls else None)
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
        if self.ack_scheduler is not None:
            self._scheduler_tasks.append(asyncio.create_task(self.ack_scheduler.run(), name="ack-calls"))
        return port

    async def stop(self) -> None:
        for task in self._scheduler_tasks:
            task.cancel()
        await asyncio.gather(*self._scheduler_tasks, return_exceptions=True)
        await self.server.stop()
