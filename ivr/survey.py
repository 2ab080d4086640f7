"""Satisfaction call-backs (回访): the ``survey`` route and the scheduler that places the calls.

The scheduler takes due call-backs from the core's survey queue, outside quiet hours and
within a rate limit, and asks the originator (AMI ``Originate``) to call the reporter into
the ``survey-out`` context, whose dialplan runs ``AGI(agi://HOST:4573/survey)``. That session
reads ``TICKET_ID``, names the ticket's service, asks for a score 1–5 and maybe a spoken
comment, and stores the result. It tells the waiting scheduler how it ended, so a call that
was answered but never scored is retried like one that was not answered.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from datetime import time as dtime
from zoneinfo import ZoneInfo

from config.settings import AgiSettings
from ivr.menu import Menu, MenuSource
from ivr.polling import CallPoller
from ivr.ports import DueSurvey, OriginateRequest, Originator, SurveyQueue, SurveyStore
from ivr.routing import play_and_wait
from ivr.session import AgiHangup, AgiSession, ChannelFailure

log = logging.getLogger(__name__)

SCORES = "12345"


class SurveyResults:
    """Where a survey session reports its end to the scheduler that placed the call."""

    def __init__(self) -> None:
        self._waiting: dict[int, asyncio.Future[int | None]] = {}

    def expect(self, ticket_id: int) -> asyncio.Future[int | None]:
        fut: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._waiting[ticket_id] = fut
        return fut

    def report(self, ticket_id: int, score: int | None) -> None:
        fut = self._waiting.pop(ticket_id, None)
        if fut is not None and not fut.done():
            fut.set_result(score)

    def forget(self, ticket_id: int) -> None:
        self._waiting.pop(ticket_id, None)


class SurveyIvr:
    """The ``survey`` route handler."""

    def __init__(self, menus: MenuSource, store: SurveyStore, results: SurveyResults | None = None,
                 variable: str = "TICKET_ID") -> None:
        """``variable``: the channel variable naming what is rated — a ticket for call-backs,
        a campaign's call (``CAMPAIGN_CALL``) on the campaign route."""
        self.menus, self.store = menus, store
        self.results = results or SurveyResults()
        self.variable = variable

    async def __call__(self, agi: AgiSession) -> None:
        menu = self.menus.current()
        lang = menu.language_for(agi.language)
        raw = (await agi.get_variable(self.variable) or "").strip()
        if not raw.isdigit():
            log.warning("%s: survey call without a valid TICKET_ID (%r)", agi.name, raw[:40])
            await agi.set_variable("SURVEY_RESULT", "no_ticket")
            return
        ticket_id = int(raw)
        service = await asyncio.to_thread(self.store.service_of, ticket_id)
        if service is None:
            log.warning("%s: survey for unknown ticket %s", agi.name, ticket_id)
            self.results.report(ticket_id, None)
            await agi.set_variable("SURVEY_RESULT", "unknown_ticket")
            return
        score, comment, outcome = None, "", "no_input"
        try:
            score = await self._ask(agi, menu, lang, service)
            if score is not None:
                outcome = "scored"
                await agi.set_variable("SURVEY_SCORE", score)
                comment = await self._comment(agi, menu, lang, ticket_id)
        except (ChannelFailure, AgiHangup):
            outcome = "hangup" if score is None else "scored"
        finally:
            await self._store(agi, ticket_id, score, comment, outcome)
        await agi.set_variable("SURVEY_RESULT", outcome)
        await agi.stream_file(menu.sound(menu.survey.prompts["thanks"], lang))

    async def _ask(self, agi: AgiSession, menu: Menu, lang: str, service: str) -> int | None:
        cfg, sound = menu.survey, menu.sound
        intro = [sound(cfg.prompts["intro"], lang)]
        if service in menu.service_sounds:
            intro.append(sound(menu.service_sounds[service], lang))
        preface = tuple(intro)
        for _ in range(cfg.retries + 1):
            key = await play_and_wait(agi, (*preface, sound(cfg.prompts["ask"], lang)), cfg.timeout_s)
            if key and key in SCORES:
                return int(key)
            preface = (sound(cfg.prompts["invalid"], lang),) if key else ()
        return None

    async def _comment(self, agi: AgiSession, menu: Menu, lang: str, ticket_id: int) -> str:
        cfg, sound = menu.survey, menu.sound
        if not cfg.comment:
            return ""
        key = await play_and_wait(agi, (sound(cfg.prompts["comment_offer"], lang),), cfg.timeout_s)
        if key != "1":
            return ""
        uid = re.sub(r"[^0-9.]", "", agi.env.get("uniqueid"))[:32] or "call"
        path = f"{cfg.comment_dir.rstrip('/')}/ticket-{ticket_id}-{uid}"
        rec = await agi.record_file(path, "wav", "#", cfg.comment_max_s * 1000)
        return f"{path}.wav" if rec.endpos > 0 else ""

    async def _store(self, agi: AgiSession, ticket_id: int, score: int | None, comment: str,
                     outcome: str) -> None:
        log.info("%s: survey for ticket %s: %s (score %s)", agi.name, ticket_id, outcome, score)
        try:
            if score is not None:
                await asyncio.to_thread(self.store.save_result, ticket_id, score, comment)
        except Exception:
            log.exception("%s: survey score for ticket %s could not be stored", agi.name, ticket_id)
            score = None
        self.results.report(ticket_id, score)


def _clock(text: str) -> dtime:
    return dtime.fromisoformat(text)


class SurveyScheduler(CallPoller[DueSurvey]):
    """Places due call-backs: not in quiet hours, at most ``survey_max_per_hour``."""

    def __init__(self, queue: SurveyQueue, originator: Originator, settings: AgiSettings,
                 results: SurveyResults, timezone: str = "Asia/Shanghai",
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 monotonic: Callable[[], float] = time.monotonic,
                 poll_s: float = 30.0, answer_wait_s: float = 300.0,
                 variable: str = "TICKET_ID", context: str = "", prefix: str = "survey") -> None:
        """``variable``, ``context``, ``prefix``: what the call carries, the dialplan context it
        enters (the settings' ``survey_context`` unless given) and its action ids' prefix — a
        campaign's scheduler sets its own."""
        super().__init__("campaign calls" if prefix == "campaign" else f"{prefix} call-backs", poll_s)
        self.queue, self.originator, self.settings, self.results = queue, originator, settings, results
        self.variable, self.context = variable, context or settings.survey_context
        self.prefix = prefix
        self.tz = ZoneInfo(timezone)
        self.now, self.monotonic = now, monotonic
        self.answer_wait_s = answer_wait_s
        self.quiet = (_clock(settings.survey_quiet_start), _clock(settings.survey_quiet_end))
        self._placed: deque[float] = deque()

    def in_quiet_hours(self, when: datetime) -> bool:
        t = when.astimezone(self.tz).time()
        start, end = self.quiet
        return (start <= t or t < end) if start > end else (start <= t < end)

    def budget(self) -> int:
        """Calls that may still be placed in the current hour."""
        horizon = self.monotonic() - 3600.0
        while self._placed and self._placed[0] <= horizon:
            self._placed.popleft()
        return max(0, self.settings.survey_max_per_hour - len(self._placed))

    async def due(self) -> Sequence[DueSurvey]:
        """What is due now — none in quiet hours, no more than the hour's budget — each call
        counted against the budget as it is claimed. Nothing while the originator cannot
        dial (the AMI link not up yet or lost, a standby process): a call that cannot go out
        must not spend one of the reporter's attempts."""
        if not getattr(self.originator, "ready", True) or self.in_quiet_hours(self.now()):
            return ()
        room = self.budget()
        if room == 0:
            return ()
        due = await asyncio.to_thread(self.queue.claim_due, room)
        for _ in due:
            self._placed.append(self.monotonic())
        return due

    async def place(self, survey: DueSurvey) -> str:
        """One call-back attempt to its end; returns the survey's new status."""
        number = re.sub(r"[\s-]", "", survey.number)
        if not re.fullmatch(r"\+?[0-9]{3,20}", number):
            log.warning("survey %s: number %r cannot be dialled; left for a manual call-back",
                        survey.id, survey.number[:40])
            return await self._mark(survey, None, "failed")
        action_id = f"{self.prefix}-{survey.ticket_id}" + (f"-{survey.attempts}" if survey.attempts > 1 else "")
        await asyncio.to_thread(self.queue.mark_calling, survey.id, action_id)
        request = OriginateRequest(action_id, f"{self.settings.survey_trunk}/{number}", self.context,
                                   variables={self.variable: str(survey.ticket_id), "SURVEY_ID": str(survey.id)})
        waiter = self.results.expect(survey.ticket_id)
        try:
            outcome = await self.originator.originate(request)
        except Exception:
            log.exception("survey %s: originate failed", survey.id)
            outcome = "failed"
        if outcome != "answered":
            self.results.forget(survey.ticket_id)
            return await self._mark(survey, None, outcome)
        try:
            score = await asyncio.wait_for(waiter, self.answer_wait_s)
        except TimeoutError:
            log.warning("survey %s: answered but no survey session ended within %.0f s",
                        survey.id, self.answer_wait_s)
            self.results.forget(survey.ticket_id)
            score = None
        return await self._mark(survey, score, "answered")

    async def _mark(self, survey: DueSurvey, score: int | None, outcome: str) -> str:
        status = await asyncio.to_thread(self.queue.mark_result, survey.id, score, outcome)
        log.info("survey %s (ticket %s, attempt %s): %s → %s", survey.id, survey.ticket_id,
                 survey.attempts, outcome, status)
        return status
