"""The hotline route (``agi://HOST:4573/ivr``): who is calling, is the desk open, the menu.

It ends by setting the channel variables the dialplan acts on and the CTI pop shows:
``SERVICE_TYPE``, ``QUEUE`` or ``TRANSFER_TO``, ``IVR_ACTION`` (queue | transfer | hangup),
``IVR_REASON``, and where known ``LOCATION_CODE`` and ``TICKET_ID``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from ivr.menu import Ask, Done, Menu, MenuSource, MenuWalk, Step
from ivr.ports import Caller, Directory, Hours, SelfService
from ivr.routing import Route, play_and_wait, set_route
from ivr.selfservice import SelfServiceCall
from ivr.session import AgiHangup, AgiSession, ChannelFailure

log = logging.getLogger(__name__)


async def walk_menu(agi: AgiSession, menu: Menu, language: str, start: str = "",
                    preface: tuple[str, ...] = ()) -> Route:
    """Run the menu tree with the caller until it reaches a destination."""
    walk = MenuWalk(menu, language, start)
    step: Step = walk.first(preface)
    while isinstance(step, Ask):
        try:
            key = await play_and_wait(agi, step.sounds, step.node.timeout_s)
        except ChannelFailure:
            step = walk.failure()
            break
        step = walk.press(key) if key else walk.silence()
    assert isinstance(step, Done)
    log.info("%s: menu keys %s → %s (%s)", agi.name, "".join(walk.path) or "-",
             step.target.describe(), step.reason)
    return Route.to(step.target, step.reason)


class HotlineIvr:
    """The ``ivr`` route handler. Ports are optional: without a directory every caller is
    unknown, without hours the desk is always open, without self-service nights go to the
    on-duty person like days."""

    def __init__(self, menus: MenuSource, hours: Hours | None = None, directory: Directory | None = None,
                 self_service: SelfService | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.menus, self.hours, self.directory = menus, hours, directory
        self.self_service, self.now = self_service, now

    async def __call__(self, agi: AgiSession) -> None:
        menu = self.menus.current()  # this call keeps this menu even if the file changes
        language = menu.language_for(agi.language)
        await agi.verbose(f"onestop ivr start {agi.name}")
        caller = await self._lookup(agi.caller_number)
        try:
            route = await self._choose(agi, menu, language, caller)
        except ChannelFailure:
            route = Route.to(menu.fallback, "failure")
        if caller and caller.location_code and not route.location_code:
            route = Route(route.service, route.queue, route.transfer, route.reason,
                          caller.location_code, route.ticket_id)
        await set_route(agi, route)

    async def _choose(self, agi: AgiSession, menu: Menu, language: str, caller: Caller | None) -> Route:
        if caller and (caller.vip or caller.department in menu.vip_departments
                       or (caller.org_code and caller.org_code in menu.vip_departments)):
            log.info("%s: VIP/urgent caller (%s), menu skipped", agi.name, caller.department or "vip")
            return Route.to(menu.vip_target, "vip")
        if not self._open() and menu.after_hours.enabled and self.self_service is not None:
            call = SelfServiceCall(agi, menu, language, self.self_service)
            return await call.run()
        dept = menu.departments.get(caller.department or caller.org_code) if caller else None
        preface = (menu.sound(dept.greeting, language),) if dept and dept.greeting else ()
        return await walk_menu(agi, menu, language, dept.start if dept else "", preface)

    def _open(self) -> bool:
        if self.hours is None:
            return True
        try:
            return self.hours.is_open(self.now())
        except Exception:  # a broken calendar must not leave callers without the desk
            log.exception("business hours could not be read; treating the desk as open")
            return True

    async def _lookup(self, number: str) -> Caller | None:
        if self.directory is None or not number:
            return None
        try:
            return await asyncio.to_thread(self.directory.lookup, number)
        except AgiHangup:
            raise
        except Exception:
            log.exception("phone directory lookup failed for %s; caller treated as unknown", number)
            return None
