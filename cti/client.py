"""The asyncio AMI client: one connection, kept alive, drained fast, with correlated actions.

The reader task does nothing but read up to 256 KiB at a time (what asyncio hands over per
receive), feed the parser, settle action responses and append the other messages to an
in-memory queue. Asterisk disconnects a
client that stops reading (ASTERISK.md), so the reader never waits on a subscriber: a
separate dispatcher task hands each batch to the subscribers, catching what they raise.

On any disconnect it reconnects with exponential backoff and jitter. After each login it
waits briefly for ``FullyBooted`` and then calls the ``on_ready`` hooks (the listener's
reconcile); a drop in the reported uptime is logged as an Asterisk restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cti.protocol import DEFAULT_MAX_MESSAGE, AmiParser, Message, format_action

log = logging.getLogger(__name__)

Subscriber = Callable[[list[Message], float], None]
ReadyHook = Callable[[bool], Awaitable[None]]


# Events the client itself needs whatever the subscribers want (list items carry ActionIDs).
CLIENT_EVENTS = frozenset({"FullyBooted", "OriginateResponse"})


class AmiError(Exception):
    """An action could not be carried out."""


class NotConnected(AmiError):
    pass


class ActionTimeout(AmiError):
    pass


@dataclass
class ActionResult:
    response: Message
    events: list[Message] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.response.response in ("Success", "Follows", "Goodbye")

    @property
    def message(self) -> str:
        return self.response.get("Message")


@dataclass
class _Pending:
    future: asyncio.Future[ActionResult]
    response: Message | None = None
    events: list[Message] = field(default_factory=list)


# ``OriginateResponse`` Reason: the last AST_CONTROL_* state the channel reached
# (include/asterisk/frame.h), as the recorded traffic shows it (tests/fixtures/traces).
ORIGINATE_REASONS = {"0": "failed", "1": "rejected", "3": "no_answer", "4": "answered",
                     "5": "busy", "8": "congestion"}


@dataclass(frozen=True)
class OriginateResult:
    """The fate of an Async Originate. ``reason`` is the event's Reason ("" when there was no
    event: the action was refused — ``message`` says why — or no answer came in time)."""

    reason: str
    response: str
    uniqueid: str = ""
    message: str = ""
    channel: str = ""

    @property
    def outcome(self) -> str:
        """answered | no_answer (3: rang out; also an unreachable IAX2 peer) | busy (5) |
        congestion (8) | rejected (1: hung up before answering) | failed (0, refused, timeout)."""
        return ORIGINATE_REASONS.get(self.reason, "failed")

    @property
    def detail(self) -> str:
        """What happened, for the ticket's timeline: "Reason 5" or the refusal's message."""
        if self.reason:
            return f"Reason {self.reason}"
        return self.message or self.response


class AmiClient:
    """Connects, logs in, keeps the session alive and delivers messages to subscribers."""

    def __init__(self, host: str, port: int, username: str, secret: str, *,
                 heartbeat_s: float = 15.0, action_timeout_s: float = 5.0,
                 reconnect_min_s: float = 0.5, reconnect_max_s: float = 30.0,
                 max_message: int = DEFAULT_MAX_MESSAGE, queue_limit: int = 2_000_000,
                 read_size: int = 262144, boot_wait_s: float = 2.0,
                 rng: random.Random | None = None, events: frozenset[str] | None = None,
                 variables: frozenset[str] | None = None) -> None:
        self.host, self.port, self.username, self._secret = host, port, username, secret
        self.heartbeat_s, self.action_timeout_s = heartbeat_s, action_timeout_s
        self.reconnect_min_s, self.reconnect_max_s = reconnect_min_s, reconnect_max_s
        self.max_message, self.queue_limit, self.read_size = max_message, queue_limit, read_size
        self.boot_wait_s = boot_wait_s
        # Only these events reach subscribers (None: all); the client's own always do.
        self.events = events | CLIENT_EVENTS if events is not None else None
        # VarSet events reach subscribers only for these variables (None: all).
        self.variables = variables
        self._rng = rng or random.Random()
        self._subscribers: list[Subscriber] = []
        self._ready_hooks: list[ReadyHook] = []
        self._queue: asyncio.Queue[tuple[float, list[Message]] | Callable[[], None]] = asyncio.Queue()
        self._queued = 0
        self._pending: dict[str, _Pending] = {}
        self._originates: dict[str, asyncio.Future[Message]] = {}
        self._ids = itertools.count(1)
        self._prefix = f"onestop-{os.getpid()}-"
        self._writer: asyncio.StreamWriter | None = None
        self._logged_in = asyncio.Event()
        self._booted = asyncio.Event()
        self._stopping = False
        self._run_task: asyncio.Task[None] | None = None
        self._dispatch_task: asyncio.Task[None] | None = None
        self.connected_at: float | None = None
        self.uptime: int | None = None
        self.stats: dict[str, int] = {"connects": 0, "messages": 0, "bytes": 0, "dropped": 0,
                                      "skipped": 0, "subscriber_errors": 0, "login_failures": 0,
                                      "logins": 0}
        self.last_error = ""

    @classmethod
    def from_settings(cls, ami: Any, **kw: Any) -> AmiClient:
        """From ``settings.ami`` (host, port, username, secret, heartbeat_s, action_timeout_s,
        reconnect_min_s, reconnect_max_s); the secret comes from the settings file or
        ``ONESTOP_AMI_SECRET``, never from the repository."""
        return cls(ami.host, ami.port, ami.username, ami.secret, heartbeat_s=ami.heartbeat_s,
                   action_timeout_s=ami.action_timeout_s, reconnect_min_s=ami.reconnect_min_s,
                   reconnect_max_s=ami.reconnect_max_s, **kw)

    # --- wiring --------------------------------------------------------------------

    def subscribe(self, fn: Subscriber) -> None:
        """``fn(messages, received_at)`` for every batch of unsolicited messages, in order."""
        self._subscribers.append(fn)

    def on_ready(self, hook: ReadyHook) -> None:
        """``await hook(restarted)`` after each login (and FullyBooted): reconcile here."""
        self._ready_hooks.append(hook)

    def enqueue_call(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the dispatcher after every message already received."""
        self._queue.put_nowait(fn)

    @property
    def ready(self) -> bool:
        return self._logged_in.is_set()

    async def wait_ready(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._logged_in.wait(), timeout)

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        self._stopping = False
        self._dispatch_task = asyncio.create_task(self._dispatch(), name="ami-dispatch")
        self._run_task = asyncio.create_task(self._run(), name="ami-client")

    async def stop(self) -> None:
        self._stopping = True
        if self._writer is not None and self.ready:
            with contextlib.suppress(Exception):  # going away anyway
                await asyncio.wait_for(self.action("Logoff"), 1.0)
        for task in (self._run_task, self._dispatch_task):
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in (self._run_task, self._dispatch_task) if t),
                             return_exceptions=True)
        self._close()

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until every message received so far has been dispatched."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def mark() -> None:
            if not done.done():
                done.set_result(None)

        self.enqueue_call(mark)
        await asyncio.wait_for(done, timeout)

    def health(self) -> dict[str, Any]:
        return {"state": "up" if self.ready else "down", "host": f"{self.host}:{self.port}",
                "queued": self._queued, "error": self.last_error, **self.stats}

    async def _run(self) -> None:
        attempt = 0
        while not self._stopping:
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("AMI %s:%s: %s", self.host, self.port, self.last_error)
            finally:
                self._close()
            if self._stopping:
                return
            if self.connected_at is not None and time.monotonic() - self.connected_at > 5:
                attempt = 0  # the last session was a good one: start the backoff afresh
            self.connected_at = None
            delay = self._backoff(attempt)
            attempt += 1
            log.info("AMI: reconnecting in %.2f s (attempt %d)", delay, attempt)
            await asyncio.sleep(delay)

    def _backoff(self, attempt: int) -> float:
        """Exponential, capped, with "equal jitter" so many clients do not reconnect in step."""
        base = min(self.reconnect_max_s, self.reconnect_min_s * (2 ** min(attempt, 30)))
        return base / 2 + self._rng.uniform(0, base / 2)

    async def _session(self) -> None:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port), self.action_timeout_s)
        self._writer = writer
        self.stats["connects"] += 1
        parser = AmiParser(self.max_message, events=self.events, variables=self.variables)
        read_task = asyncio.create_task(self._read(reader, parser), name="ami-reader")
        beat: asyncio.Task[None] | None = None
        try:
            await self._login(read_task)
            beat = asyncio.create_task(self._heartbeat(), name="ami-heartbeat")
            await read_task
        finally:
            for task in (beat, read_task):
                if task is not None and not task.done():
                    task.cancel()
            await asyncio.gather(*(t for t in (beat, read_task) if t), return_exceptions=True)

    async def _login(self, read_task: asyncio.Task[None]) -> None:
        fields = {"Username": self.username, "Secret": self._secret, "Events": "on"}
        login = asyncio.ensure_future(self.action("Login", fields, _unchecked=True))
        await asyncio.wait({login, read_task}, return_when=asyncio.FIRST_COMPLETED)
        if not login.done():
            login.cancel()
            raise ConnectionError("connection closed before the login answer")
        result = login.result()
        if not result.ok:
            self.stats["login_failures"] += 1
            raise AmiError(f"login refused for user {self.username!r}: {result.message}")
        self.connected_at = time.monotonic()
        self.stats["logins"] += 1
        self._logged_in.set()
        log.info("AMI: logged in to %s:%s as %s", self.host, self.port, self.username)
        asyncio.create_task(self._after_login(), name="ami-ready")

    async def _after_login(self) -> None:
        previous = self.uptime
        try:
            await asyncio.wait_for(self._booted.wait(), self.boot_wait_s)
        except TimeoutError:
            log.info("AMI: no FullyBooted within %.1f s; reconciling anyway", self.boot_wait_s)
        restarted = previous is not None and self.uptime is not None and self.uptime < previous
        if restarted:
            log.warning("AMI: Asterisk restarted (uptime %s s, was %s s)", self.uptime, previous)
        await self._fire_ready(restarted)

    async def _fire_ready(self, restarted: bool) -> None:
        for hook in self._ready_hooks:
            try:
                await hook(restarted)
            except Exception:
                log.exception("AMI: ready hook failed")

    def _close(self) -> None:
        self._logged_in.clear()
        self._booted.clear()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(NotConnected("AMI connection lost"))
        self._pending.clear()

    # --- reading ---------------------------------------------------------------------

    async def _read(self, reader: asyncio.StreamReader, parser: AmiParser) -> None:
        while True:
            data = await reader.read(self.read_size)
            if not data:
                raise ConnectionError("AMI closed the connection")
            received = time.time()
            self.stats["bytes"] += len(data)
            skipped = parser.skipped
            msgs = parser.feed(data)
            self.stats["skipped"] += parser.skipped - skipped
            if not msgs:
                continue
            self.stats["messages"] += len(msgs)
            if self._pending or self._originates:
                msgs = self._settle(msgs)
            for m in msgs:
                if m.event == "FullyBooted":
                    self._on_booted(m)
            if msgs:
                self._enqueue(received, msgs)

    def _enqueue(self, received: float, msgs: list[Message]) -> None:
        if self._queued + len(msgs) > self.queue_limit:
            # Memory is the last line of defence; the listener reconciles on the next login.
            self.stats["dropped"] += len(msgs)
            log.error("AMI: %d messages dropped, subscribers are %d behind", len(msgs), self._queued)
            return
        self._queued += len(msgs)
        self._queue.put_nowait((received, msgs))

    def _on_booted(self, msg: Message) -> None:
        with contextlib.suppress(ValueError):
            self.uptime = int(msg.get("Uptime"))
        if self._booted.is_set():  # a second FullyBooted in one session: reconcile again
            asyncio.create_task(self._fire_ready(False), name="ami-ready")
        self._booted.set()

    def _settle(self, msgs: list[Message]) -> list[Message]:
        """Take action responses (and EventList items) out of ``msgs``."""
        rest: list[Message] = []
        for m in msgs:
            aid = m.get("ActionID")
            pending = self._pending.get(aid) if aid else None
            if pending is None:
                if aid in self._originates and m.event == "OriginateResponse":
                    fut = self._originates.pop(aid)
                    if not fut.done():
                        fut.set_result(m)
                rest.append(m)
                continue
            if m.response:
                pending.response = m
                if m.get("EventList").lower() != "start":
                    self._resolve(aid, pending)
            elif pending.response is not None and pending.response.get("EventList").lower() == "start":
                if m.get("EventList").lower() == "complete":
                    self._resolve(aid, pending)
                else:
                    pending.events.append(m)
            else:
                rest.append(m)  # an event that merely carries our ActionID
        return rest

    def _resolve(self, aid: str, pending: _Pending) -> None:
        self._pending.pop(aid, None)
        if not pending.future.done() and pending.response is not None:
            pending.future.set_result(ActionResult(pending.response, pending.events))

    async def _dispatch(self) -> None:
        while True:
            item = await self._queue.get()
            if callable(item):
                try:
                    item()
                except Exception:
                    log.exception("AMI: queued call failed")
                continue
            received, msgs = item
            self._queued -= len(msgs)
            for fn in self._subscribers:
                try:
                    fn(msgs, received)
                except Exception:
                    self.stats["subscriber_errors"] += 1
                    log.exception("AMI: subscriber %r failed on a batch of %d", fn, len(msgs))
            await asyncio.sleep(0)  # let the reader drain the socket between batches

    # --- actions ---------------------------------------------------------------------

    async def action(self, name: str, fields: Mapping[str, str | int | float | Sequence[str]] | None = None,
                     timeout: float | None = None, action_id: str | None = None,
                     _unchecked: bool = False) -> ActionResult:
        """Send an action and wait for its response (and its EventList, if it has one)."""
        if self._writer is None or (not _unchecked and not self.ready):
            raise NotConnected(f"AMI not connected: cannot send {name}")
        aid = action_id or f"{self._prefix}{next(self._ids)}"
        data = format_action(name, aid, fields)
        fut: asyncio.Future[ActionResult] = asyncio.get_running_loop().create_future()
        self._pending[aid] = _Pending(fut)
        self._writer.write(data)
        try:
            return await asyncio.wait_for(fut, timeout or self.action_timeout_s)
        except TimeoutError as exc:
            raise ActionTimeout(f"AMI {name} ({aid}): no answer in "
                                f"{timeout or self.action_timeout_s:.1f} s") from exc
        finally:
            self._pending.pop(aid, None)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            try:
                await self.action("Ping")
            except AmiError as exc:
                log.warning("AMI: heartbeat failed (%s); reconnecting", exc)
                if self._writer is not None:
                    self._writer.transport.abort()
                return

    async def core_show_channels(self) -> list[Message]:
        """Every live channel (``CoreShowChannel`` events); needs ``write=reporting``."""
        result = await self.action("CoreShowChannels")
        if not result.ok:
            raise AmiError(f"CoreShowChannels refused: {result.message}")
        return result.events

    async def queue_status(self, queue: str | None = None) -> list[Message]:
        """``QueueParams``/``QueueMember``/``QueueEntry`` events of one or every queue."""
        result = await self.action("QueueStatus", {"Queue": queue} if queue else None)
        if not result.ok:
            raise AmiError(f"QueueStatus refused: {result.message}")
        return result.events

    async def queue_pause(self, interface: str, paused: bool, queue: str | None = None,
                          reason: str = "") -> ActionResult:
        fields: dict[str, str] = {"Interface": interface, "Paused": "true" if paused else "false"}
        if queue:
            fields["Queue"] = queue
        if reason:
            fields["Reason"] = reason
        return await self.action("QueuePause", fields)

    async def redirect(self, channel: str, context: str, exten: str, priority: int = 1) -> ActionResult:
        return await self.action("Redirect", {"Channel": channel, "Context": context,
                                              "Exten": exten, "Priority": priority})

    async def hangup(self, channel: str, cause: int | None = None) -> ActionResult:
        fields: dict[str, str | int] = {"Channel": channel}
        if cause is not None:
            fields["Cause"] = cause
        return await self.action("Hangup", fields)

    async def originate(self, channel: str, context: str, exten: str = "s", priority: int = 1,
                        variables: Mapping[str, str] | None = None, caller_id: str = "",
                        timeout_s: float = 30.0, action_id: str | None = None) -> OriginateResult:
        """An Async Originate; returns when ``OriginateResponse`` tells the call's fate.
        Needs ``write=originate`` (see config/asterisk/manager.conf)."""
        aid = action_id or f"{self._prefix}{next(self._ids)}"
        fields: dict[str, str | int | list[str]] = {
            "Channel": channel, "Context": context, "Exten": exten, "Priority": priority,
            "Timeout": int(timeout_s * 1000), "Async": "true"}
        if caller_id:
            fields["CallerID"] = caller_id
        if variables:
            fields["Variable"] = [f"{k}={v}" for k, v in variables.items()]
        waiter: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._originates[aid] = waiter
        try:
            result = await self.action("Originate", fields, action_id=aid)
            if not result.ok:
                return OriginateResult(reason="", response=result.response.response or "Error",
                                       message=result.message or "refused", channel=channel)
            event = await asyncio.wait_for(waiter, timeout_s + self.action_timeout_s)
        except TimeoutError:
            return OriginateResult(reason="", response="Timeout", channel=channel,
                                   message=f"no OriginateResponse within {timeout_s + self.action_timeout_s:.0f} s")
        finally:
            self._originates.pop(aid, None)
        uid = event.get("Uniqueid")
        return OriginateResult(reason=event.get("Reason"), response=event.get("Response"),
                               uniqueid="" if uid.startswith("<") else uid,
                               channel=event.get("Channel") or channel)
