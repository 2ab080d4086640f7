"""The operator's queue controls through the production wiring and the emulated PBX: the
member's state follows on the live figures, a failing QueueRemove comes back as Asterisk's
answer, and talk, wrap-up and pause time land in the store."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from onestop.app import build_center
from onestop.core import build_core
from onestop.pbx import CallScript, EmulatedPbx
from tests.onestop.test_center import _settings
from ticketing.fakes import PlainComposer
from ticketing.model_calls import OperatorActivity
from ticketing.store import Store


async def until(cond: Callable[[], Any], timeout: float = 10.0) -> Any:
    async with asyncio.timeout(timeout):
        while not (got := cond()):
            await asyncio.sleep(0.02)
    return got


def test_queue_controls_state_and_time(store: Store, tmp_path: Any) -> None:
    def activity() -> list[tuple[str, str, str]]:
        with store.session() as s:
            return [(a.member, a.kind, a.reason) for a in s.scalars(select(OperatorActivity).order_by(OperatorActivity.id))]

    async def go() -> list[Any]:
        pbx = EmulatedPbx(time_scale=0.02)
        port = await pbx.start()
        settings = _settings(str(store.engine.url.render_as_string(hide_password=False)), port, str(tmp_path))
        settings.telephony.wrapup_s = 0.3
        core = build_core(settings, composer=PlainComposer(), store=store, upgrade=False)
        wiring = build_center(core, ("ami", "agi"))
        await wiring.center.start()
        pbx.agi_port = wiring.parts["agi"].port
        tel, hub = wiring.parts["ami"].telephony, wiring.hub
        li, wang = settings.ami.operators
        seen: list[Any] = []
        try:
            await wiring.parts["ami"].listener.client.wait_ready(5)
            ops = lambda: hub.last_cti.get("operators", {})  # noqa: E731
            seen.append(await tel.queue_action("pause", li, "lunch"))
            await until(lambda: ops().get("Operator Li", {}).get("reason") == "lunch")
            seen.append(ops()["Operator Li"]["state"])
            seen.append(await tel.queue_action("unpause", li))
            await until(lambda: ("Operator Li", "pause", "lunch") in activity())
            seen.append(await tel.queue_action("logout", li))
            await until(lambda: ops().get("Operator Li", {}).get("state") == "logged_out")
            seen.append(await tel.queue_action("logout", li))
            result = await pbx.place_call(CallScript("6123", "Nurse Zhang", ["1"], talk_s=2))
            seen.append(result.agent)
            await until(lambda: ("Operator Wang", "wrapup", "") in activity())
            # the live figures: one call answered today, within the service level's 20 s
            await until(lambda: hub.last_cti.get("answered_today") == 1)
            seen.append((hub.last_cti["answered_in_sl_today"], hub.last_cti["service_level"],
                         hub.last_cti["abandon_rate"]))
            # Asterisk's count of members (Li is logged out); on PostgreSQL the figures come
            # back to this process's hub through NOTIFY, a moment after the poll
            await tel.poll_summary()
            members = lambda: (hub.last_cti.get("logged_in"), hub.last_cti.get("available"))  # noqa: E731
            with contextlib.suppress(TimeoutError):  # the assertion below shows what came
                await until(lambda: members() == (1, 1), 5)
            seen.append(members())
            seen.append(await tel.queue_action("login", li))
            await until(lambda: ops().get("Operator Li", {}).get("state") == "idle")
        finally:
            await wiring.center.stop()
            await pbx.stop()
        return seen

    seen = asyncio.run(go())
    assert seen == [(True, "Interface paused successfully"), "paused", (True, "Interface unpaused successfully"),
                    (True, "Removed interface from queue"), (False, "Unable to remove interface: Not there"),
                    "Operator Wang", (1, 1.0, 0.0), (1, 1), (True, "Added interface to queue")]
    kinds = activity()
    assert kinds[:3] == [("Operator Li", "pause", "lunch"), ("Operator Wang", "talk", ""),
                         ("Operator Wang", "wrapup", "")]
