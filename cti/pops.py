"""Screen pops: the tracker's ``Pop`` plus the caller's context → a payload for one operator.

The context lookup (phone directory, open tickets) hits the database, so it never runs on
the reader's path: it starts in a worker thread when the call starts (the IVR gives it
seconds), its result is cached for ``ttl_s``, and a pop whose context is not ready yet is
published at once with ``context_pending`` and published again when the lookup returns.

Caller ID is untrusted text: control and format characters (bidi overrides included) are
removed and it is cut to ``max_len`` characters. It is never interpreted or escaped here:
escaping is the display's job (the desk sets ``textContent``). A field Asterisk had nothing
for arrives as ``<unknown>``; the pop carries it as empty, so no desk shows it as a name or
puts it into a ticket's reporter.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import unicodedata
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from cti.ports import ContextLookup, PopPublisher
from cti.tracker import Pop

log = logging.getLogger(__name__)

_STRIP = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}
# What Asterisk's events carry in a caller-ID or connected-line field that has no value
# (main/manager_channels.c: ``S_OR(snapshot->caller->name, "<unknown>")``), as
# the recorded traces show for calls from a trunk that sends no name.
ABSENT = "<unknown>"


def caller_id(value: str, max_len: int = 64) -> str:
    """A caller-ID field for the desk: "" where Asterisk had none, else ``clean_text``."""
    return "" if value.strip() == ABSENT else clean_text(value, max_len)


def clean_text(value: str, max_len: int = 64) -> str:
    """Untrusted caller-ID text made safe to carry: no control/format characters, bounded."""
    if value.isprintable() and len(value) <= max_len:
        return value
    kept = "".join(ch for ch in value if unicodedata.category(ch) not in _STRIP)
    return kept if len(kept) <= max_len else kept[: max_len - 1] + "…"


class PopBuilder:
    """Builds and publishes pops; looks context up off the event loop, cached."""

    def __init__(self, publisher: PopPublisher, lookup: ContextLookup | None = None, *,
                 ttl_s: float = 30.0, max_len: int = 64, workers: int = 2,
                 executor: Executor | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.publisher, self.lookup = publisher, lookup
        self.ttl_s, self.max_len, self.clock = ttl_s, max_len, clock
        self._executor = executor or ThreadPoolExecutor(workers, thread_name_prefix="cti-context")
        self._own_executor = executor is None
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._inflight: dict[str, asyncio.Future[dict[str, Any] | None]] = {}
        self._waiting: dict[str, list[tuple[str, dict[str, Any]]]] = {}  # number → pops awaiting context
        self.stats = {"pops": 0, "unrouted": 0, "lookups": 0, "lookup_errors": 0, "updates": 0}
        self._warned: set[str] = set()

    def close(self) -> None:
        if self._own_executor:
            self._executor.shutdown(wait=False, cancel_futures=True)

    # --- context -------------------------------------------------------------------

    def prefetch(self, number: str) -> None:
        """Start looking ``number`` up now, so the pop finds it cached."""
        number = caller_id(number, 40)
        if self.lookup is None or not number:
            return
        if self._cached(number) is None and number not in self._inflight:
            self._start_lookup(number)

    def _cached(self, number: str) -> dict[str, Any] | None:
        hit = self._cache.get(number)
        if hit is None:
            return None
        if hit[0] < self.clock():
            del self._cache[number]
            return None
        return hit[1]

    def _start_lookup(self, number: str) -> None:
        assert self.lookup is not None
        self.stats["lookups"] += 1
        fut = asyncio.get_running_loop().run_in_executor(self._executor, self._safe_lookup, number)
        self._inflight[number] = fut
        fut.add_done_callback(functools.partial(self._looked_up, number))

    def _safe_lookup(self, number: str) -> dict[str, Any] | None:
        assert self.lookup is not None
        try:
            return self.lookup.lookup(number)
        except Exception as exc:
            self.stats["lookup_errors"] += 1
            log.warning("CTI: context lookup for %r failed: %s", number, exc)
            return None

    def _looked_up(self, number: str, fut: asyncio.Future[dict[str, Any] | None]) -> None:
        self._inflight.pop(number, None)
        context = None if fut.cancelled() or fut.exception() else fut.result()
        if context is not None:
            if len(self._cache) > 10000:
                self._cache.clear()
            self._cache[number] = (self.clock() + self.ttl_s, context)
        for login, payload in self._waiting.pop(number, []):
            update = {**payload, "context": context, "context_pending": False, "update": True}
            self.stats["updates"] += 1
            self._publish(login, update)

    # --- pops ----------------------------------------------------------------------

    def payload(self, pop: Pop, received_at: float | None = None) -> dict[str, Any]:
        """The pop as the desk receives it (without context)."""
        vars_ = {k: clean_text(v, self.max_len) for k, v in pop.variables.items()}
        return {
            "call_id": pop.uniqueid, "uniqueid": pop.uniqueid, "linkedid": pop.linkedid,
            "stage": pop.stage, "caller_num": caller_id(pop.caller_num, 40),
            "caller_name": caller_id(pop.caller_name, self.max_len),
            "service_type": vars_.get("SERVICE_TYPE", ""),
            "ivr_choice": vars_.get("SERVICE_TYPE", ""),
            "location_code": vars_.get("LOCATION_CODE", ""), "variables": vars_,
            "queue": clean_text(pop.queue, self.max_len), "operator": pop.member_name,
            "interface": pop.interface, "wait_s": pop.wait_s, "received_at": received_at,
        }

    def pop(self, pop: Pop, received_at: float | None = None) -> None:
        """Publish ``pop`` to its operator now; context from the cache or, later, an update."""
        if not pop.login:
            self.stats["unrouted"] += 1
            if pop.member_name not in self._warned:
                self._warned.add(pop.member_name)
                log.warning("CTI: queue member %r (%s) has no desk login in settings.ami.operators;"
                            " its pops are not delivered", pop.member_name, pop.interface)
            return
        payload = self.payload(pop, received_at)
        number = payload["caller_num"]
        asks = self.lookup is not None and bool(number)  # a withheld number has no one to look up
        context = self._cached(number) if asks else None
        pending = asks and context is None
        payload["context"], payload["context_pending"] = context, pending
        self._publish(pop.login, payload)
        if pending:
            self._waiting.setdefault(number, []).append((pop.login, payload))
            if number not in self._inflight:
                self._start_lookup(number)

    def _publish(self, login: str, payload: dict[str, Any]) -> None:
        self.stats["pops"] += 1
        try:
            self.publisher.publish_pop(login, payload)
        except Exception:
            log.exception("CTI: publishing a pop to %s failed", login)
