"""Labour rates (``config/labour_rates.toml``) and what a worker's time on a ticket costs.

A rate is yuan per hour. A worker whose grade (``staff.grade``: general, junior, intermediate,
senior, technician — 普工, 初级工, 中级工, 高级工, 技师) has a rate is paid that; otherwise the
rate of the ticket's skill (repair, cleaning…); otherwise the file's ``default``. The labour
time of an assignment is the worker's working time: from the moment the work started (承办,
on site) — or, if no arrival was recorded, from the worker's acceptance (接单) — to done
(办结). It is booked, with its cost, when the work is done, so a later change of the rates
does not rewrite last month's costs.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

CENT = Decimal("0.01")
GRADES = ("general", "junior", "intermediate", "senior", "technician")


class RatesError(ValueError):
    """The rates file cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class LabourRates:
    default: Decimal = Decimal("0")
    by_skill: dict[str, Decimal] = field(default_factory=dict)
    by_grade: dict[str, Decimal] = field(default_factory=dict)
    currency: str = "CNY"

    @classmethod
    def load(cls, path: Path) -> LabourRates:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RatesError(f"{path}: labour rates file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise RatesError(f"{path}: not valid TOML: {exc}") from None
        unknown = set(data) - {"default", "skill", "grade", "currency"}
        if unknown:
            raise RatesError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; "
                             "use default, currency, [skill] and [grade]")
        grades = _table(path, data, "grade")
        bad = sorted(set(grades) - set(GRADES))
        if bad:
            raise RatesError(f"{path}: [grade] {', '.join(bad)}: grades are {', '.join(GRADES)}")
        return cls(default=_rate(path, "default", data.get("default", 0)),
                   by_skill=_table(path, data, "skill"), by_grade=grades,
                   currency=str(data.get("currency", "CNY")))

    def hourly(self, grade: str, skill: str) -> Decimal:
        """The rate for a worker of ``grade`` on a ticket of ``skill``."""
        if grade and grade in self.by_grade:
            return self.by_grade[grade]
        if skill and skill in self.by_skill:
            return self.by_skill[skill]
        return self.default

    def cost(self, seconds: int, grade: str, skill: str) -> Decimal:
        return (self.hourly(grade, skill) * seconds / 3600).quantize(CENT)


def _rate(path: Path, key: str, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise RatesError(f"{path}: {key} must be a number of yuan per hour")
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise RatesError(f"{path}: {key} = {value!r} is not a number") from None
    if not rate.is_finite() or rate < 0 or rate > 100_000:
        raise RatesError(f"{path}: {key} = {value!r} must be 0..100000 yuan per hour")
    return rate.quantize(CENT)


def _table(path: Path, data: dict[str, Any], name: str) -> dict[str, Decimal]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise RatesError(f"{path}: {name} must be a table ([{name}])")
    return {str(k): _rate(path, f"{name}.{k}", v) for k, v in table.items()}


def working_seconds(accepted_at: datetime | None, started_at: datetime | None,
                    done_at: datetime) -> int | None:
    """The labour time of one worker: start (on site) or else acceptance, to done; None
    when the worker never took the job up."""
    begin = started_at if started_at is not None and (accepted_at is None or started_at >= accepted_at) \
        else accepted_at
    if begin is None or done_at < begin:
        return None
    return int((done_at - begin).total_seconds())
