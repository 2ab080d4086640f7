"""After-hours self-service: room code, service, read back, confirm, ticket number read back.

Urgent services (oxygen, a power failure) never become an unattended ticket: the caller goes
to the on-duty person with the service and room already set for the pop.

A prompt Asterisk cannot play (a new PBX without the sound files) never ends the call: the
caller keys the room code and the service all the same (``AgiSession.get_data`` collects the
digits without the prompt), and the numbers read back — room code, the key of the service,
the ticket number — are Asterisk's own ``SAY DIGITS``.
"""

from __future__ import annotations

import asyncio
import logging

from ivr.menu import OPERATOR_KEY, Menu, Prompt, SelfServiceChoice
from ivr.ports import LocationInfo, SelfService
from ivr.routing import Route, play_and_wait
from ivr.session import ALL_DIGITS, AgiSession

log = logging.getLogger(__name__)


class _ToOperator(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


class SelfServiceCall:
    """One caller's self-service dialogue."""

    def __init__(self, agi: AgiSession, menu: Menu, language: str, port: SelfService) -> None:
        self.agi, self.menu, self.language, self.port = agi, menu, language, port
        self.cfg = menu.after_hours
        self.location: LocationInfo | None = None

    def _sound(self, name: str) -> str:
        return self.menu.sound(self.cfg.prompts[name], self.language)

    def _service_sound(self, choice: SelfServiceChoice) -> str:
        prompt: Prompt = self.menu.service_sounds[choice.sound]
        return self.menu.sound(prompt, self.language)

    async def run(self) -> Route:
        try:
            await self._play(self._sound("greeting"))
            for _ in range(self.cfg.retries + 1):
                self.location = await self._location()
                choice = await self._service()
                if choice.urgent or choice.service in self.cfg.urgent:
                    log.info("%s: after hours, urgent %s at %s → on-duty person",
                             self.agi.name, choice.service, self.location.code)
                    t = self.cfg.urgent_target
                    return Route(choice.service, t.queue, t.transfer, "urgent", self.location.code)
                if await self._confirm(choice):
                    return await self._create(choice)
            raise _ToOperator("retries")
        except _ToOperator as exc:
            code = self.location.code if self.location else ""
            return Route.to(self.menu.operator if exc.reason == "operator" else self.menu.fallback,
                            exc.reason, code)

    async def _play(self, sound: str) -> str:
        return (await self.agi.stream_file(sound, ALL_DIGITS)).digit

    async def _key(self, sound: str) -> str:
        key = await play_and_wait(self.agi, (sound,), self.cfg.timeout_s)
        if key == OPERATOR_KEY:
            raise _ToOperator("operator")
        return key

    async def _location(self) -> LocationInfo:
        for _ in range(self.cfg.retries + 1):
            code = await self.agi.get_data(self._sound("location_prompt"),
                                           int(self.cfg.timeout_s * 1000), self.cfg.location_max_digits)
            code = code.rstrip("#")
            if code == OPERATOR_KEY:
                raise _ToOperator("operator")
            if not code:
                continue
            found = await asyncio.to_thread(self.port.find_location, code)
            if found is not None:
                return found
            log.info("%s: self-service room code %s unknown", self.agi.name, code)
            await self._play(self._sound("unknown_location"))
            await self.agi.say_digits(code)
        raise _ToOperator("retries")

    async def _service(self) -> SelfServiceChoice:
        for _ in range(self.cfg.retries + 1):
            key = await self._key(self._sound("service_prompt"))
            if key in self.cfg.services:
                return self.cfg.services[key]
            if key:
                await self._play(self.menu.sound(self.menu.invalid_prompt, self.language))
        raise _ToOperator("retries")

    async def _confirm(self, choice: SelfServiceChoice) -> bool:
        assert self.location is not None
        for _ in range(self.cfg.retries + 1):
            await self._play(self._sound("you_entered"))
            await self.agi.say_digits(self.location.code)
            await self._say_service(choice)
            key = await self._key(self._sound("confirm_prompt"))
            if key in ("1", "2"):
                return key == "1"
        raise _ToOperator("retries")

    async def _say_service(self, choice: SelfServiceChoice) -> None:
        """The service's name; when its sound cannot be played, the key that chose it."""
        played = await self.agi.stream_file(self._service_sound(choice), ALL_DIGITS)
        if played.missing:
            key = next((k for k, c in self.cfg.services.items() if c == choice), "")
            if key:
                await self.agi.say_digits(key)

    async def _create(self, choice: SelfServiceChoice) -> Route:
        assert self.location is not None
        try:
            ticket_id = await asyncio.to_thread(self.port.create_ticket, self.agi.caller_number,
                                                self.location.code, choice.service)
        except Exception:
            log.exception("%s: self-service ticket could not be created", self.agi.name)
            raise _ToOperator("failure") from None
        log.info("%s: self-service ticket %s: %s at %s", self.agi.name, ticket_id,
                 choice.service, self.location.code)
        await self._play(self._sound("created"))
        await self.agi.say_digits(str(ticket_id))
        await self._play(self._sound("goodbye"))
        return Route(choice.service, reason="self_service", location_code=self.location.code,
                     ticket_id=ticket_id)
