"""The service catalog: service types, names, time limits, escalation."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from ticketing.calendar import BusinessCalendar

PRIORITIES = ("normal", "urgent", "critical")
FORMS = ("", "meal", "cleaning", "escort", "complaint")


class CatalogError(ValueError):
    pass


@dataclass(frozen=True)
class Limits:
    response_min: float
    completion_min: float


@dataclass(frozen=True)
class ServiceType:
    key: str
    names: dict[str, str]
    skill: str
    calendar: str  # "24x7" | "business"
    limits: dict[str, Limits]
    escalate_to: tuple[str, ...]
    urgent_always: bool = False
    approval: str = ""  # who approves before dispatch: "ward_head" or "" (nobody)
    form: str = ""  # extra fields it carries: "meal" | "cleaning" | "escort" (ticketing/orders.py) | "complaint" (ticketing/complaints.py) | ""
    # scheduled work (ticketing/deadlines.py): a meal order is due at its delivery time plus
    # ``on_time`` minutes; an escort at its appointment, the porter on the ward
    # ``arrive_before`` minutes earlier
    on_time: float = 0
    arrive_before: float = 0
    # minutes after a work order is offered without an answer before the worker is called
    # (the acknowledgement call); None: no call
    ack_call_after: float | None = None

    def name(self, language: str = "zh-CN") -> str:
        return self.names.get(language) or self.names.get("en") or self.key

    def limits_for(self, priority: str) -> Limits:
        # An unlisted priority uses the strictest listed below it, else normal.
        for p in reversed(PRIORITIES[: PRIORITIES.index(priority) + 1]):
            if p in self.limits:
                return self.limits[p]
        return self.limits["normal"]


@dataclass(frozen=True)
class Catalog:
    types: dict[str, ServiceType]

    @classmethod
    def load(cls, path: Path) -> Catalog:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        types: dict[str, ServiceType] = {}
        for key, spec in data.get("types", {}).items():
            types[key] = _service_type(path, key, spec)
        if not types:
            raise CatalogError(f"{path}: no [types.*] defined")
        return cls(types)

    def get(self, key: str) -> ServiceType:
        try:
            return self.types[key]
        except KeyError:
            raise CatalogError(f"unknown service type {key!r}; known: {', '.join(self.types)}") from None

    def deadlines(self, key: str, priority: str, start: datetime,
                  calendar: BusinessCalendar) -> tuple[datetime, datetime]:
        """(response due, completion due) for a ticket created at ``start``."""
        st = self.get(key)
        lim = st.limits_for(priority)
        if st.calendar == "business":
            return (calendar.add_working_minutes(start, lim.response_min),
                    calendar.add_working_minutes(start, lim.completion_min))
        return (start + timedelta(minutes=lim.response_min),
                start + timedelta(minutes=lim.completion_min))


def _service_type(path: Path, key: str, spec: dict) -> ServiceType:  # type: ignore[type-arg]
    where = f"{path}: [types.{key}]"
    if spec.get("calendar", "24x7") not in ("24x7", "business"):
        raise CatalogError(f"{where} calendar must be '24x7' or 'business'")
    limits = {}
    for prio, lim in spec.get("limits", {}).items():
        if prio not in PRIORITIES:
            raise CatalogError(f"{where} unknown priority {prio!r}; use {PRIORITIES}")
        if lim["response"] <= 0 or lim["completion"] < lim["response"]:
            raise CatalogError(f"{where} limits.{prio}: need 0 < response <= completion")
        limits[prio] = Limits(float(lim["response"]), float(lim["completion"]))
    if "normal" not in limits:
        raise CatalogError(f"{where} needs limits.normal")
    if spec.get("approval", "") not in ("", "ward_head"):
        raise CatalogError(f"{where} approval must be 'ward_head' or absent")
    if spec.get("form", "") not in FORMS:
        raise CatalogError(f"{where} form must be 'meal', 'cleaning', 'escort', 'complaint' or absent")
    for key_ in ("on_time", "arrive_before"):
        value = spec.get(key_, 0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 24 * 60:
            raise CatalogError(f"{where} {key_} must be minutes, 0..1440")
    ack = spec.get("ack_call_after")
    if ack is not None and (isinstance(ack, bool) or not isinstance(ack, int | float) or not 0 < ack <= 1440):
        raise CatalogError(f"{where} ack_call_after must be minutes from 0 to 1440 (or absent: no call)")
    return ServiceType(key=key, names=dict(spec.get("name", {})), skill=spec.get("skill", key),
                       calendar=spec.get("calendar", "24x7"), limits=limits,
                       escalate_to=tuple(spec.get("escalate_to", ())),
                       urgent_always=bool(spec.get("urgent_always", False)),
                       approval=spec.get("approval", ""), form=spec.get("form", ""),
                       on_time=float(spec.get("on_time", 0)),
                       arrive_before=float(spec.get("arrive_before", 0)),
                       ack_call_after=float(ack) if ack is not None else None)
