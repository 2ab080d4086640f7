"""A month of history through the real commands, for the demo's 考核 pages and report.

Tickets between ``start`` and ``end``: accepted by the demo's operators (some handed over),
dispatched to a crew of workers per trade who each work at their own pace (so rankings
differ), accepted and
done — some late, a few reopened; requesters with mobiles hear of dispatch and completion
and rate by SMS (a couple opt out), others are called back by the desk; leads grade most
called-back tickets with reasons; a few complaints go through their steps, some found
justified; a satisfaction campaign asks the month's repair requesters. Every step is a
command at its own time (a settable clock), so timelines, audit, rollup and figures are
what the center would have written. The outbox rows of the past are then marked as sent
and the call-backs never made as lapsed, so a demo that starts on this history does not
send a month of SMS.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ticketing.commands.campaigns import CampaignSpec
from ticketing.model import SmsOut, SurveyCall
from ticketing.model_feedback import CampaignTarget
from ticketing.seed.history import TYPES, TicketContext
from ticketing.seed.hospital import SEED
from ticketing.seed.lifecycles import SettableClock
from ticketing.service import NewTicket, TicketError, TicketService
from ticketing.views import TicketView

OWNERS = ("li", "wang")
CREW = 5  # workers per trade in the history
GOOD_REASONS = ("按时到达", "现场整洁", "态度好", "一次修好")
BAD_REASONS = ("超时未到", "未清理现场", "沟通不足", "返工", "备件准备不足")


def month_of_history(service: TicketService, clock: SettableClock, start: datetime, end: datetime,
                     per_day: float = 12.0, seed: int = SEED) -> Counter[str]:
    """Tickets created between ``start`` and ``end`` through the commands (about ``per_day`` a
    day), each taken as far as ``end`` allows. Returns counts of what was done."""
    rng = random.Random(seed)
    done: Counter[str] = Counter()
    with service.store.session() as s:
        ctx = TicketContext.load(s)
    # the crew that works the history: a few workers per trade, each at their own pace
    crew = {skill: sorted(rng.sample(codes, min(CREW, len(codes)))) for skill, codes in sorted(ctx.workers.items())}
    ctx = TicketContext(ctx.locations, crew, ctx.operators, ctx.phones, ctx.utc_offset)
    pace = {code: rng.lognormvariate(0, 0.35) for codes in crew.values() for code in codes}
    types = [t for t in TYPES if service.catalog.get(t).form not in ("meal", "complaint")]
    days = max(1, (end - start).days)
    n = int(per_day * days)
    starts = sorted(start + timedelta(seconds=rng.randint(0, int((end - start).total_seconds()) - 1))
                    for _ in range(n))
    mobiles = iter(f"137{i:08d}" for i in rng.sample(range(10_000_000, 99_999_999), n + days))
    for created in starts:
        clock.set(created)
        _ticket(service, clock, rng, ctx, pace, rng.choice(types), next(mobiles), end, done)
    for _ in range(max(1, days // 3)):
        clock.set(start + timedelta(seconds=rng.randint(0, int((end - start).total_seconds() * 0.8))))
        _complaint(service, clock, rng, ctx, pace, next(mobiles), end, done)
    _campaign(service, clock, rng, end, done)
    _settle(service, end)
    return done


def _later(clock: SettableClock, minutes: float, end: datetime) -> bool:
    """Move the clock on; False if that is past the end of the history."""
    when = clock.now() + timedelta(minutes=max(0.5, minutes))
    if when >= end:
        return False
    clock.set(when)
    return True


def _ticket(service: TicketService, clock: SettableClock, rng: random.Random, ctx: TicketContext,
            pace: dict[str, float], st: str, mobile: str, end: datetime, done: Counter[str]) -> None:
    loc, _org = rng.choice(ctx.locations)
    phone = mobile if rng.random() < 0.35 else rng.choice(ctx.phones)
    owner = rng.choice(OWNERS)
    t = service.accept(owner, NewTicket(st, "示例工单", loc, reporter_phone=phone))
    done["tickets"] += 1
    spec = service.catalog.get(st)
    if rng.random() < 0.04 and _later(clock, 3, end):
        service.handover(owner, t.id, OWNERS[1 - OWNERS.index(owner)], "交接班")
        done["handovers"] += 1
    if not spec.skill:
        if _later(clock, rng.uniform(2, 20), end):
            service.complete(t.operator, t.id, note="电话解答")
        return
    worker = rng.choice(ctx.workers.get(spec.skill) or ctx.workers["repair"])
    lim = spec.limits_for(t.priority)
    if not _later(clock, rng.uniform(0.5, 3), end):
        return
    service.dispatch(owner, t.id, [worker], print_slip=False)
    if not _later(clock, lim.response_min * pace[worker] * rng.lognormvariate(-0.5, 0.45), end):
        return
    service.worker_accept(f"sms:{worker}", t.id, worker)
    work = (lim.completion_min - lim.response_min) * pace[worker] * rng.lognormvariate(-0.5, 0.4)
    if not _later(clock, work, end):
        return
    view = service.complete(f"sms:{worker}", t.id)
    if rng.random() < 0.03 and _later(clock, rng.uniform(60, 600), end):
        service.reopen(owner, t.id, "问题复现")
        done["reopened"] += 1
        service.dispatch(owner, t.id, [worker], print_slip=False)
        if not _later(clock, 20, end):
            return
        service.worker_accept(f"sms:{worker}", t.id, worker)
        if not _later(clock, 60, end):
            return
        view = service.complete(f"sms:{worker}", t.id)
    _rate_and_grade(service, clock, rng, view, phone == mobile, end, done)


def _rate_and_grade(service: TicketService, clock: SettableClock, rng: random.Random, view: TicketView,
                    by_sms: bool, end: datetime, done: Counter[str]) -> None:
    on_time = bool(view.completion_due and view.done_at and view.done_at <= view.completion_due)
    weights = (60, 28, 8, 3, 1) if on_time else (15, 30, 30, 15, 10)
    score = rng.choices((5, 4, 3, 2, 1), weights)[0]
    ticket_id, phone = view.id, view.reporter_phone
    if by_sms:
        if not _later(clock, rng.uniform(5, 300), end):
            return
        reply = "TD" if rng.random() < 0.02 else str(score) if rng.random() < 0.8 else ""
        if not reply:
            return
        service.handle_inbound_sms("modem1", phone, reply, None, clock.now())
        if reply == "TD":
            done["opted_out"] += 1
            return
        done["sms_ratings"] += 1
    elif rng.random() < 0.55 and _later(clock, rng.uniform(600, 1800), end):
        service.record_callback(rng.choice(OWNERS), ticket_id, score, "")
        done["callbacks"] += 1
    else:
        return
    if rng.random() < 0.65 and _later(clock, rng.uniform(120, 1440), end):
        grade = ("excellent" if score == 5 and on_time else "good" if score >= 4
                 else "fair" if score == 3 else "poor")
        pool = GOOD_REASONS if grade in ("excellent", "good") else BAD_REASONS
        reasons = rng.sample(pool, rng.randint(1, 2)) if grade != "good" or rng.random() < 0.5 else []
        service.assess("lead", ticket_id, grade=grade, reasons=reasons)
        done["graded"] += 1


def _complaint(service: TicketService, clock: SettableClock, rng: random.Random, ctx: TicketContext,
               pace: dict[str, float], mobile: str, end: datetime, done: Counter[str]) -> None:
    """A complaint against one of the slower workers, through its steps."""
    slow = sorted(pace, key=pace.__getitem__, reverse=True)[:12]
    worker = rng.choice(slow)
    loc, _org = rng.choice(ctx.locations)
    t = service.accept(rng.choice(OWNERS), NewTicket(
        "complaint", "维修人员迟到且态度不好", loc, reporter_phone=mobile,
        details={"complaint": {"target_kind": "worker", "target_code": worker,
                               "severity": rng.choice(("minor", "normal", "normal", "serious"))}}))
    done["complaints"] += 1
    if not _later(clock, rng.uniform(20, 90), end):
        return
    service.investigate("lead", t.id, "已联系投诉人及当事人了解情况")
    if not _later(clock, rng.uniform(120, 600), end):
        return
    justified = rng.random() < 0.6
    service.conclude("lead", t.id, "justified" if justified else "unjustified",
                     "经核实情况属实，已对当事人批评教育" if justified else "经核实与事实不符")
    done["justified"] += justified
    if not _later(clock, rng.uniform(30, 120), end):
        return
    service.reply_complainant(t.operator, t.id, "sms", "您的投诉已调查处理，感谢您的监督")
    if _later(clock, 10, end):
        service.complete(t.operator, t.id)


def _campaign(service: TicketService, clock: SettableClock, rng: random.Random, end: datetime,
              done: Counter[str]) -> None:
    """Last week: the repair requesters of the month asked by SMS; most answer."""
    clock.set(end - timedelta(days=6, hours=rng.randint(0, 3)))
    cid = service.create_campaign("manager", CampaignSpec("维修服务满意度调查", "sms", "requesters",
                                                          service_types=("repair",), since_days=30,
                                                          per_hour=40))
    try:
        service.start_campaign("manager", cid)
    except TicketError:  # nobody to ask in so short a history
        return
    done["campaigns"] += 1
    heard: set[str] = set()
    for _hour in range(48):
        if not _later(clock, 60, end):
            break
        service.run_campaigns()
        with service.store.session() as s:
            asked = s.scalars(select(CampaignTarget.number).where(
                CampaignTarget.campaign_id == cid, CampaignTarget.status == "sent")).all()
        for number in asked:
            if number not in heard and rng.random() < 0.3:
                heard.add(number)
                score = rng.choices((5, 4, 3, 2), (50, 30, 15, 5))[0]
                service.handle_inbound_sms("modem1", number, str(score), None, clock.now())
                done["campaign_answers"] += 1


def _settle(service: TicketService, end: datetime) -> None:
    """The history's messages went out at the time; its call-backs not made have lapsed."""
    with service.store.session() as s:
        s.execute(update(SmsOut).where(SmsOut.created_at <= end, SmsOut.status.in_(("queued", "retry")))
                  .values(status="delivered", sent_at=SmsOut.created_at, delivered_at=SmsOut.created_at))
        s.execute(update(SurveyCall).where(SurveyCall.status.in_(("scheduled", "retry")))
                  .values(status="cancelled", outcome="history"))
