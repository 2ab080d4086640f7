"""When a ticket is due: the catalog's time limits, or for scheduled work its own time.

Most requests are due a fixed time after the call (``Catalog.deadlines``: minutes of wall or
business time). Scheduled work is not: a meal order for 17:30 taken at 11:14 is not late at
13:14 — it is due at its delivery time plus the catalog entry's ``on_time`` target (e.g.
17:50), and an escort to a 14:00 appointment is due at 14:00 (the porter on the ward
``arrive_before`` minutes earlier, ``pickup_at``). The response (a worker accepting) of
scheduled work is due ``response`` minutes into the last ``completion`` minutes before that
time — never before the call plus ``response``, never after the work is due — so an order
taken in the evening for breakfast does not escalate at night.

A scheduled time already past (a reopened order) falls back to the catalog's limits from now.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog, ServiceType


def scheduled_at(st: ServiceType, details: dict[str, Any] | None) -> datetime | None:
    """The time the work is due by its own fields (UTC), or None for unscheduled work."""
    details = details or {}
    value = None
    if st.form == "meal" and isinstance(details.get("meal"), dict):
        value = details["meal"].get("delivery_time")
        extra = st.on_time
    elif st.form == "escort" and isinstance(details.get("escort"), dict):
        value = details["escort"].get("appointment")
        extra = 0
    if not value:
        return None
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is None:
        return None
    return when + timedelta(minutes=extra)


def pickup_at(st: ServiceType, details: dict[str, Any] | None) -> datetime | None:
    """An escort's time on the ward: the appointment less ``arrive_before``."""
    due = scheduled_at(st, details) if st.form == "escort" else None
    return due - timedelta(minutes=st.arrive_before) if due is not None else None


def due_times(catalog: Catalog, calendar: BusinessCalendar, service_type: str, priority: str,
              start: datetime, details: dict[str, Any] | None) -> tuple[datetime, datetime]:
    """(response due, completion due) of a ticket taken at ``start`` with ``details``."""
    st = catalog.get(service_type)
    due = scheduled_at(st, details)
    if due is None or due <= start:
        return catalog.deadlines(service_type, priority, start, calendar)
    lim = st.limits_for(priority)
    window = max(start, due - timedelta(minutes=lim.completion_min))
    return min(window + timedelta(minutes=lim.response_min), due), due
