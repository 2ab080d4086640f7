"""What the web keeps only for a while, swept from the store: sessions a week after they ended
or expired, log-in throttles a day after the last failure, remembered answers to retried
requests after ``[web] idempotency_hours``. Each ``serve`` process sweeps now and then; the
sweeps are plain deletes, so processes sweeping at once do no harm."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from starlette.concurrency import run_in_threadpool

from config.settings import WebSettings
from ticketing.model import IdempotencyKey, LoginThrottle
from ticketing.store import Store
from web import sessions
from web.sessions import deleted

log = logging.getLogger(__name__)

THROTTLE_RETENTION = timedelta(days=1)


def sweep(store: Store, now: datetime, settings: WebSettings) -> dict[str, int]:
    """Delete what is past its retention; returns how many rows of each kind went."""
    with store.session() as s:
        gone = {"sessions": sessions.sweep(s, now)}
        gone["throttles"] = deleted(s, delete(LoginThrottle).where(
            LoginThrottle.last_at < now - THROTTLE_RETENTION))
        gone["idempotency_keys"] = deleted(s, delete(IdempotencyKey).where(
            IdempotencyKey.created_at < now - timedelta(hours=settings.idempotency_hours)))
    return gone


async def run(deps: Any) -> None:
    """Sweep every ``deps.housekeeping_interval_s`` (cancelled at shutdown); a failed sweep is
    logged and tried again next time."""
    while True:
        try:
            gone = await run_in_threadpool(sweep, deps.store, deps.clock.now(), deps.settings.web)
            if any(gone.values()):
                log.info("housekeeping: swept %s", gone)
        except Exception:
            log.exception("housekeeping: sweep failed")
        await asyncio.sleep(deps.housekeeping_interval_s)
