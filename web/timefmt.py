"""One clock: every time a person sees is in the center's time zone (settings ``timezone``),
in one of the few formats below, on every page and whatever the browser's own zone.

How to use it (shared by every page):

- Templates: ``{{ value|when }}`` or ``{{ value|when('time') }}`` — ``value`` is a datetime
  or an ISO-8601 string (stored times are UTC); ``""`` for None. Wrap it in
  ``<time datetime="{{ value|iso }}">`` when a script may re-render it.
- Scripts: ``OneStop.when(iso, style)`` (``web/static/app.js``) formats alike with ``Intl`` in
  the zone the page names (``<body data-tz>``), never the browser's.
- Server code (CSV, fragments): ``fmt(value, tz, style)``.
- ``{{ value|local('%H:%M') }}`` (a strftime pattern) is kept for templates written before the
  styles: it is the center's zone too, and a pattern that is one of the styles' is that style.

Styles (the same names in Python and JavaScript): ``short`` ``MM-DD HH:MM`` (lists, chips),
``time`` ``HH:MM`` (today's timeline, SMS), ``date`` ``YYYY-MM-DD``, ``full``
``YYYY-MM-DD HH:MM`` (one ticket's facts), ``seconds`` ``YYYY-MM-DD HH:MM:SS`` (audit
history), ``clock`` ``HH:MM:SS`` (the wallboard's clock). 24-hour clock everywhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

STYLES: dict[str, str] = {
    "short": "%m-%d %H:%M",
    "time": "%H:%M",
    "date": "%Y-%m-%d",
    "full": "%Y-%m-%d %H:%M",
    "seconds": "%Y-%m-%d %H:%M:%S",
    "clock": "%H:%M:%S",
}


def parse(value: Any) -> datetime | None:
    """A datetime from a datetime or an ISO string (a naive one is taken as UTC), or None."""
    if not value:
        return None
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(when, datetime):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=ZoneInfo("UTC"))


def fmt(value: Any, tz: ZoneInfo, style: str = "short") -> str:
    """``value`` in the center's zone in ``style`` (a name of ``STYLES``); "" when empty."""
    when = parse(value)
    if when is None:
        return ""
    try:
        pattern = STYLES[style]
    except KeyError:
        raise ValueError(f"unknown time style {style!r}; use one of {', '.join(STYLES)}") from None
    return when.astimezone(tz).strftime(pattern)


def iso(value: Any) -> str:
    """The ISO-8601 form a script can read back (``<time datetime>``, ``data-at``)."""
    when = parse(value)
    return when.isoformat() if when else ""


def local(value: Any, tz: ZoneInfo, pattern: str = STYLES["short"]) -> str:
    """``value`` in the center's zone by a strftime ``pattern`` ("" when empty); use ``fmt``
    and a style where you can, so that every page formats alike."""
    when = parse(value)
    return when.astimezone(tz).strftime(pattern) if when else ""
