"""Today's queue figures from the finished calls: the service level within the threshold, the
abandon rate, a call counted once, the day starting afresh at the center's midnight."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from cti.queuefigures import QueueFigures
from cti.tracker import CallFinished, CallRecord, CallTracker
from tests.cti.helpers import OPERATORS, messages, trace_dir

NOON = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def rec(uid: str, outcome: str, wait: int | None = None, at: datetime = NOON) -> CallRecord:
    return CallRecord(uniqueid=uid, started_at=at, outcome=outcome, wait_s=wait)  # type: ignore[arg-type]


def test_service_level_and_abandon_rate() -> None:
    f = QueueFigures("Asia/Shanghai", 20)
    assert f.payload(NOON)["service_level"] is None
    for r in (rec("1", "answered", 5), rec("2", "answered", 20), rec("3", "answered", 21),
              rec("4", "abandoned"), rec("5", "ended_in_ivr"), rec("1", "answered", 5)):
        f.call(r)
    p = f.payload(NOON, {"calls_waiting": 2, "longest_wait_s": 31.0})
    assert (p["answered_today"], p["answered_in_sl_today"], p["abandoned_today"], p["offered_today"]) == (3, 2, 1, 4)
    assert (p["service_level"], p["abandon_rate"]) == (0.5, 0.25)
    assert (p["calls_waiting"], p["longest_wait_s"]) == (2, 31.0)


def test_midnight_in_the_centers_zone_starts_a_new_day() -> None:
    f = QueueFigures("Asia/Shanghai", 20)
    f.seed(NOON.astimezone(f.tz).date(), 10, 9, 1, {"a"})
    late = datetime(2026, 6, 1, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai: still the same day
    f.call(rec("x", "answered", 3, late))
    assert f.payload(late)["answered_today"] == 11
    after = late + timedelta(minutes=2)  # 00:01 the next day
    assert f.payload(after)["answered_today"] == 0 and f.payload(after)["service_level"] is None
    assert f.call(rec("y", "abandoned", at=after)) and f.payload(after)["abandon_rate"] == 1.0


def test_the_recorded_concurrent_calls() -> None:
    """concurrent_six: the figures equal a count made straight from its calls.jsonl."""
    tracker, f = CallTracker("from-pstn", ["6001"], OPERATORS), QueueFigures("Asia/Shanghai", 20)
    for m in messages("concurrent_six"):
        for ev in tracker.handle(m, NOON.timestamp()):
            if isinstance(ev, CallFinished):
                f.call(ev.record)
    calls = [json.loads(x) for x in (trace_dir("concurrent_six") / "calls.jsonl").read_text().splitlines() if x]
    answered = [c for c in calls if c["outcome"] == "answered"]
    abandoned = [c for c in calls if c["outcome"] == "abandoned"]
    p = f.payload(NOON)
    assert (p["answered_today"], p["abandoned_today"]) == (len(answered), len(abandoned)) == (5, 1)
    assert p["answered_in_sl_today"] == sum(1 for c in answered if c["wait_s"] <= 20)
    assert p["service_level"] == round(p["answered_in_sl_today"] / 6, 3)


def test_members_from_queue_summary() -> None:
    f = QueueFigures()
    assert f.summary(3, 0) and not f.summary(3, 0)
    assert (f.payload(NOON)["logged_in"], f.payload(NOON)["available"]) == (3, 0)
