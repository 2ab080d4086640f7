"""The whole path with the AMI connection, the modem and the printer each failing once.

Calls → desk robots (HTTP + SSE) → tickets → SMS work orders → the workers' SMS replies →
done, with a work slip per dispatch. Mid-run the PBX drops its AMI clients (one call ends
while the listener is away and must come back through the reconcile), the modem is unplugged
just after it handed a work order to the network (nobody heard ``+CMSS``), and the printer is
switched off while slips are queued for it. Afterwards every call is in the call log once,
every answered call has exactly one ticket, and every ticket has exactly one work order SMS,
one confirmation per reply and one slip.

What is *not* asked of the center: a call that starts and ends entirely while the AMI link
is down leaves no trace Asterisk will report (AMI has no replay), so no call is placed in
that gap. The printer is switched off between jobs: a printer that dies in the middle of a
job prints it again after a torn copy, by design (``receipts/queue_worker.py``).
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select

from config.settings import load_settings
from onestop.demo import Demo, running_demo
from onestop.pbx import CallResult, CallScript
from ticketing.model import CallRecord, PrintJob, SmsOut, Ticket, TicketCall
from ticketing.store import Store

SCALE = 0.05  # every emulated second lasts 50 ms
ORDER = re.compile(r"(?:接单/到达/完成(?:/无法)?|ACCEPT/ARRIVED/DONE(?:/CANNOT)?)\s*(\d+)"
                   r"(?:\s+https?://\S+/w/\S+)?\s*$")  # the link to the order's page, when there is one
CONFIRM = re.compile(r"^工单(\d+)(已接单|已到达|已完成)")
SLIP = re.compile(rb"/desk/tickets/(\d+)")
CALLERS = (("6123", "Nurse Zhang"), ("6240", "Ward 3B"), ("13812345678", "张医生"), ("6301", "ICU"))


def _settings(db_url: str) -> Any:
    return load_settings(environ={
        "ONESTOP_DATABASE_URL": db_url, "ONESTOP_WEB_PORT": "0",
        # A reconnect gap long enough for a call to end inside it (1-2 s with jitter).
        "ONESTOP_AMI_RECONNECT_MIN_S": "2.0",
        # Retries come back within the test's time, not after the production backoff.
        "ONESTOP_MODEM_RETRY_BASE_S": "0.5", "ONESTOP_PRINTER_RETRY_BASE_S": "0.3"})


async def _until(cond: Any, timeout: float, what: str, poll: float = 0.05,
                 left: Any = None) -> None:
    """Wait for ``cond``; on a timeout, say what ``left()`` says is still missing."""
    try:
        async with asyncio.timeout(timeout):
            while not cond():
                await asyncio.sleep(poll)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}" + (f": {left()}" if left else "")) from None


class Run:
    """Places scripted calls on the demo's PBX and remembers what happened to each."""

    def __init__(self, demo: Demo) -> None:
        self.demo = demo
        self.tasks: list[asyncio.Task[CallResult]] = []
        self.n = 0

    def call(self, digit: str, talk_s: float = 4.0) -> asyncio.Task[CallResult]:
        num, name = CALLERS[self.n % len(CALLERS)]
        self.n += 1
        script = CallScript(num, name, [digit], patience_s=600, talk_s=talk_s)
        task = asyncio.create_task(self.demo.pbx.place_call(script))
        self.tasks.append(task)
        return task

    async def results(self) -> list[CallResult]:
        return list(await asyncio.gather(*self.tasks))

    @property
    def listener(self) -> Any:
        return self.demo.wiring.part("ami").listener

    def answered_live(self) -> int:
        return sum(1 for c in self.listener.tracker.calls.values() if c.answered_at is not None)

    def counts(self) -> tuple[int, int, int, int]:
        """(tickets, tickets not done, print jobs not printed, SMS not sent) in the store now."""
        with self.demo.core.store.session() as s:
            tickets = s.scalars(select(Ticket)).all()
            open_ = sum(1 for t in tickets if t.status != "done")
            unprinted = sum(1 for j in s.scalars(select(PrintJob)) if j.status != "printed")
            unsent = sum(1 for m in s.scalars(select(SmsOut)) if m.status not in ("sent", "delivered"))
        return len(tickets), open_, unprinted, unsent

    def pending(self) -> dict[str, list[tuple[Any, ...]]]:
        """What is not there yet: tickets not done, slips not printed, SMS not sent."""
        with self.demo.core.store.session() as s:
            return {
                "tickets": [(t.id, t.status, t.service_type, t.details) for t in s.scalars(select(Ticket))
                            if t.status != "done"],
                "slips": [(j.id, j.ticket_id, j.status, j.attempts, str(j.due_at), j.error[:60])
                          for j in s.scalars(select(PrintJob)) if j.status != "printed"],
                "sms": [(m.id, m.kind, m.status, m.attempts, m.error[:60])
                        for m in s.scalars(select(SmsOut)) if m.status not in ("sent", "delivered")]}

    async def settle(self, answered: int, timeout: float = 60) -> None:
        """Every answered call has its ticket, done by SMS, every slip printed, every SMS sent."""
        await _until(lambda: self.counts()[0] >= answered, timeout, f"{answered} tickets")
        await _until(lambda: self.counts()[1:] == (0, 0, 0), timeout,
                     "tickets done, slips printed and SMS sent", poll=0.2, left=self.pending)
        printed = self.counts()[0]
        await asyncio.to_thread(self.demo.extras["printer"].wait_for_jobs, printed, 10)


async def _scenario(demo: Demo) -> dict[str, Any]:
    run = Run(demo)
    emulator, printer = demo.extras["modem"], demo.extras["printer"]
    await _until(lambda: len(demo.wiring.hub.clients()) >= 2, 20, "both desk robots")

    # Phase A: the path works with nothing failing.
    for digit in "1345":
        run.call(digit)
        await asyncio.sleep(0.3)
    await asyncio.gather(*run.tasks)
    await run.settle(answered=4)

    # Phase B, the printer is off: the next slips are queued and refused until it is back.
    printer.stop()
    # The next SMS the modem hands to the network loses the cable before "+CMSS: <mr>".
    emulator.unplug_during("CMSS", "after_submit", replug_after_s=0.5)

    # Two calls in talk when the AMI link drops; the short one ends while we are away.
    long_call = run.call("1", talk_s=60)  # 3 s of talk
    await _until(lambda: run.answered_live() >= 1, 10, "the first call answered")
    short_call = run.call("3", talk_s=6)  # 0.3 s of talk
    await _until(lambda: run.answered_live() >= 2, 10, "the second call answered")
    logins = run.listener.client.stats["logins"]
    await demo.pbx.drop_clients()
    await asyncio.wait_for(asyncio.shield(short_call), 5)  # ended during the gap
    reconciles = run.listener.stats["reconciles"]
    await _until(lambda: run.listener.stats["reconciles"] > reconciles, 10, "the reconcile")
    assert run.listener.client.stats["logins"] == logins + 1

    for digit in "452":
        run.call(digit)
        await asyncio.sleep(0.3)
    await _until(lambda: _failed_prints(demo) >= 1, 30, "a slip refused by the offline printer")
    await asyncio.sleep(1.0)
    printer.start()  # the same port again
    results = await run.results()
    answered = [r for r in results if r.outcome == "answered"]
    await run.settle(answered=len(answered))
    await asyncio.sleep(1.0)  # anything sent twice would arrive by now
    return {"results": results, "long": long_call.result(), "short": short_call.result(),
            "unplugs": emulator.unplugs, "texts": emulator.delivered_texts(),
            "slips": [job.data for job in printer.jobs],
            "reconciles": run.listener.stats["reconciles"]}


def _failed_prints(demo: Demo) -> int:
    with demo.core.store.session() as s:
        return sum(1 for j in s.scalars(select(PrintJob)) if j.status == "retry")


def test_every_ticket_sms_and_slip_arrives_once_through_three_failures(tmp_path: Path,
                                                                       db_url: str) -> None:
    async def run() -> dict[str, Any]:
        async with running_demo(_settings(db_url), tmp_path, ("ami", "agi", "web", "modem", "printer"),
                                time_scale=SCALE, robots=("li", "wang"), robot_delay_s=1.0,
                                worker_pages=0) as demo:  # every reply by SMS: that path is under test
            return await _scenario(demo)

    got = asyncio.run(asyncio.wait_for(run(), 110))
    results: list[CallResult] = got["results"]
    assert all(r.outcome == "answered" for r in results), [r.outcome for r in results]
    assert got["unplugs"] == 1 and got["reconciles"] >= 2

    store = Store(db_url)
    try:
        with store.session() as s:
            calls = s.scalars(select(CallRecord)).all()
            tickets = s.scalars(select(Ticket)).all()
            links = s.execute(select(TicketCall.ticket_id, TicketCall.uniqueid)).all()
            orders = s.scalars(select(SmsOut).where(SmsOut.kind == "work_order")).all()
            jobs = s.scalars(select(PrintJob)).all()
        # The call log: every placed call once, nothing else.
        placed = Counter(r.uniqueid for r in results)
        assert Counter(c.uniqueid for c in calls) == placed
        by_uid = {c.uniqueid: c for c in calls}
        assert by_uid[got["short"].uniqueid].extra.get("reconciled") is True  # closed by the reconcile
        assert by_uid[got["short"].uniqueid].outcome == "answered"
        assert by_uid[got["long"].uniqueid].outcome == "answered"
        # Tickets: exactly one per answered call, each dispatched and done.
        assert Counter(uid for _, uid in links) == placed
        assert Counter(tid for tid, _ in links) == Counter(t.id for t in tickets)
        assert all(t.status == "done" and t.dispatched_at is not None for t in tickets)
        ids = {t.id for t in tickets}
        # One work order per ticket in the outbox, each one on a worker's phone once.
        assert Counter(o.ticket_id for o in orders) == Counter(ids)
        assert all(o.status in ("sent", "delivered") for o in orders)
        texts = [t for per_phone in got["texts"].values() for t in per_phone]
        delivered_orders = Counter(int(m.group(1)) for t in texts if (m := ORDER.search(t)))
        assert delivered_orders == Counter(ids), delivered_orders
        confirms = Counter((int(m.group(1)), m.group(2)) for t in texts if (m := CONFIRM.match(t)))
        assert confirms == Counter((i, a) for i in ids for a in ("已接单", "已到达", "已完成"))
        # One slip per ticket on paper, printed after at least one refusal for some.
        slips = Counter(int(b.group(1)) for data in got["slips"] if (b := SLIP.search(data)))
        assert slips == Counter(ids) and len(got["slips"]) == len(ids)
        assert any(j.attempts > 1 for j in jobs), "no slip waited for the printer"
    finally:
        store.dispose()
