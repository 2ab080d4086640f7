"""The live queue figures of today: callers waiting and the longest wait (the tracker's
counters), answered, answered within the service level's threshold, abandoned — counted
from the finished calls as they come, seeded from the call log when the listener starts and
set back to zero at the center's midnight — and the members logged in and free (Asterisk's
``QueueSummary``, polled). Pure: the listener feeds it and publishes ``payload()``.

The keys are the wallboard's queue panel contract (``calls_waiting``, ``longest_wait_s``,
``offered_today``, ``answered_today``, ``answered_in_sl_today``, ``abandoned_today``,
``sl_threshold_s``, ``service_level``) plus ``abandon_rate``, ``logged_in`` and ``available``.
Service level = answered within the threshold / (answered + abandoned); abandon rate =
abandoned / (answered + abandoned); both ``None`` before the day's first call.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from cti.tracker import CallRecord


class QueueFigures:
    def __init__(self, timezone: str = "Asia/Shanghai", threshold_s: int = 20) -> None:
        self.tz, self.threshold_s = ZoneInfo(timezone), threshold_s
        self.day: date | None = None
        self.answered = self.in_sl = self.abandoned = 0
        self.logged_in: int | None = None
        self.available: int | None = None
        self._seen: set[str] = set()  # calls counted today (a call stored twice counts once)

    def today(self, when: datetime) -> date:
        return when.astimezone(self.tz).date()

    def seed(self, day: date, answered: int, in_sl: int, abandoned: int, uniqueids: set[str]) -> None:
        """Today's counts so far (from the call log), before the live ones."""
        self.day, self.answered, self.in_sl, self.abandoned = day, answered, in_sl, abandoned
        self._seen = set(uniqueids)

    def call(self, record: CallRecord) -> bool:
        """A finished hotline call; True if it changed today's figures."""
        when = record.started_at
        self._roll(self.today(when))
        if self.today(when) != self.day or record.uniqueid in self._seen:
            return False
        if record.outcome == "answered":
            self.answered += 1
            if record.wait_s is not None and record.wait_s <= self.threshold_s:
                self.in_sl += 1
        elif record.outcome == "abandoned":
            self.abandoned += 1
        else:
            return False
        self._seen.add(record.uniqueid)
        return True

    def summary(self, logged_in: int, available: int) -> bool:
        """Asterisk's own count of the queue's members; True if it changed."""
        changed = (logged_in, available) != (self.logged_in, self.available)
        self.logged_in, self.available = logged_in, available
        return changed

    def payload(self, now: datetime, counters: dict[str, Any] | None = None) -> dict[str, Any]:
        self._roll(self.today(now))
        done = self.answered + self.abandoned
        out: dict[str, Any] = {
            "offered_today": done, "answered_today": self.answered,
            "answered_in_sl_today": self.in_sl, "abandoned_today": self.abandoned,
            "sl_threshold_s": self.threshold_s,
            "service_level": round(self.in_sl / done, 3) if done else None,
            "abandon_rate": round(self.abandoned / done, 3) if done else None,
            "logged_in": self.logged_in, "available": self.available}
        if counters is not None:
            out["calls_waiting"] = counters.get("calls_waiting", 0)
            out["longest_wait_s"] = counters.get("longest_wait_s", 0.0)
        return out

    def _roll(self, day: date) -> None:
        if self.day is None or day > self.day:
            self.day, self.answered, self.in_sl, self.abandoned = day, 0, 0, 0
            self._seen = set()
