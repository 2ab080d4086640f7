"""The assessment configuration (``config/assessment.toml``), read and checked once.

Every key has a default (``DEFAULTS``), so a file need only say what differs; a key of the
wrong kind or out of range is refused with its path named (``[grades.fair] min``), as the
catalog refuses its mistakes. Per service type, ``[types.<key>]`` overrides the ticket score's
weights, the workload target and which requester SMS go out.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

COMPONENTS = ("response", "completion", "satisfaction", "grade", "rework")
REQUESTER_EVENTS = ("dispatch", "done")
SEVERITIES = ("minor", "normal", "serious")


class AssessmentConfigError(ValueError):
    """The file cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Grade:
    key: str
    names: dict[str, str]
    min: float
    points: float
    reasons: bool = False

    def name(self, language: str = "zh-CN") -> str:
        return self.names.get(language) or self.names.get("en") or self.key


@dataclass(frozen=True)
class TypeRules:
    weights: dict[str, float]
    workload_target: float
    requester_sms: tuple[str, ...]


@dataclass(frozen=True)
class AssessmentConfig:
    grades: tuple[Grade, ...]
    workload_weight: float
    exclude: frozenset[str]
    complaints_roll_up: bool
    satisfaction_points: dict[int, float]
    severity_points: dict[str, float]
    default_rules: TypeRules
    type_rules: dict[str, TypeRules] = field(default_factory=dict)
    requester_daily_limit: int = 6
    rating_window_days: int = 7
    campaign_quiet: tuple[time, time] = (time(21), time(8))
    campaign_per_hour: int = 60

    @classmethod
    def load(cls, path: Path) -> AssessmentConfig:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise AssessmentConfigError(f"{path}: not valid TOML: {exc}") from exc
        return cls.from_dict(data, str(path))

    @classmethod
    def default(cls) -> AssessmentConfig:
        """The shipped file (``config/assessment.toml``)."""
        return cls.load(DEFAULT_FILE)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "assessment") -> AssessmentConfig:
        return _build(_Reader(where), data)

    # --- what the commands and the scoring ask -----------------------------------------

    def rules(self, service_type: str) -> TypeRules:
        return self.type_rules.get(service_type, self.default_rules)

    def grade(self, key: str) -> Grade:
        found = next((g for g in self.grades if g.key == key), None)
        if found is None:
            raise KeyError(key)
        return found

    def grade_for(self, score: float) -> Grade:
        """The best grade whose ``min`` the score reaches (the last grade's min is 0)."""
        return next(g for g in self.grades if score >= g.min)

    def grade_points(self) -> dict[str, float]:
        return {g.key: g.points for g in self.grades}

    def requester_sms(self, service_type: str, event: str) -> bool:
        return event in self.rules(service_type).requester_sms


DEFAULT_FILE = Path(__file__).resolve().parent.parent.parent / "config" / "assessment.toml"

DEFAULTS: dict[str, Any] = {
    "model": {"workload_weight": 0.15, "exclude": ["complaint", "operator"], "complaints_roll_up": True},
    "satisfaction": {"points": {"5": 100, "4": 80, "3": 60, "2": 30, "1": 0}},
    "complaints": {"severity": {"minor": 2, "normal": 5, "serious": 10}},
    "defaults": {"weights": {"response": 20, "completion": 25, "satisfaction": 30, "grade": 15,
                             "rework": 10}, "workload_target": 60},
    "requester": {"notify": ["dispatch", "done"], "daily_limit": 6, "rating_window_days": 7},
    "campaign": {"quiet_start": "21:00", "quiet_end": "08:00", "per_hour": 60},
    "grades": {
        "excellent": {"name": {"zh-CN": "优", "en": "Excellent"}, "min": 90, "points": 100},
        "good": {"name": {"zh-CN": "良", "en": "Good"}, "min": 75, "points": 80},
        "fair": {"name": {"zh-CN": "中", "en": "Fair"}, "min": 60, "points": 60, "reasons": True},
        "poor": {"name": {"zh-CN": "差", "en": "Poor"}, "min": 0, "points": 20, "reasons": True},
    },
}


class _Reader:
    """Typed reads of a section's keys; a mistake names ``file: [section] key``."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, section: str, key: str, why: str) -> AssessmentConfigError:
        return AssessmentConfigError(f"{self.where}: [{section}] {key}: {why}")

    def table(self, data: dict[str, Any], section: str) -> dict[str, Any]:
        value = data.get(section, {})
        if not isinstance(value, dict):
            raise AssessmentConfigError(f"{self.where}: [{section}] must be a table")
        return value

    def number(self, sec: dict[str, Any], section: str, key: str, default: float,
               low: float = 0.0, high: float | None = None, prefix: str = "") -> float:
        """``sec[key]``; ``prefix`` names the table it sits in (``weights.``) in errors."""
        value = sec.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(section, prefix + key, f"must be a number, got {value!r}")
        if value < low or (high is not None and value > high):
            bound = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
            raise self.fail(section, prefix + key, f"must be {bound}, got {value!r}")
        return float(value)

    def integer(self, sec: dict[str, Any], section: str, key: str, default: int, low: int) -> int:
        value = sec.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self.fail(section, key, f"must be a whole number of at least {low}, got {value!r}")
        return value

    def flag(self, sec: dict[str, Any], section: str, key: str, default: bool) -> bool:
        value = sec.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(section, key, f"must be true or false, got {value!r}")
        return value

    def words(self, sec: dict[str, Any], section: str, key: str, default: list[str],
              allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        value = sec.get(key, default)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(section, key, f"must be a list of words, got {value!r}")
        if allowed is not None:
            bad = [v for v in value if v not in allowed]
            if bad:
                raise self.fail(section, key, f"unknown {', '.join(bad)}; use {', '.join(allowed)}")
        return tuple(value)

    def clock(self, sec: dict[str, Any], section: str, key: str, default: str) -> time:
        value = sec.get(key, default)
        if not isinstance(value, str) or not re.fullmatch(r"\d{2}:\d{2}", value):
            raise self.fail(section, key, f"must be a time HH:MM, got {value!r}")
        try:
            return time.fromisoformat(value)
        except ValueError:
            raise self.fail(section, key, f"must be a time HH:MM, got {value!r}") from None

    def weights(self, sec: dict[str, Any], section: str, default: dict[str, Any]) -> dict[str, float]:
        value = sec.get("weights", default)
        if not isinstance(value, dict):
            raise self.fail(section, "weights", "must be a table of component = weight")
        unknown = set(value) - set(COMPONENTS)
        if unknown:
            raise self.fail(section, "weights", f"unknown component {', '.join(sorted(unknown))};"
                                                f" use {', '.join(COMPONENTS)}")
        out = {c: self.number(value, section, c, 0, prefix="weights.") for c in COMPONENTS}
        if sum(out.values()) <= 0:
            raise self.fail(section, "weights", "at least one weight must be above 0")
        return out


def _build(r: _Reader, data: dict[str, Any]) -> AssessmentConfig:
    known = {"grades", "model", "satisfaction", "complaints", "defaults", "types", "requester", "campaign"}
    unknown = set(data) - known
    if unknown:
        raise AssessmentConfigError(f"{r.where}: unknown section(s) {', '.join(sorted(unknown))}")
    model = r.table(data, "model")
    d_model = DEFAULTS["model"]
    exclude = r.words(model, "model", "exclude", d_model["exclude"])
    sat = r.table(data, "satisfaction").get("points", DEFAULTS["satisfaction"]["points"])
    if not isinstance(sat, dict) or set(sat) != {"1", "2", "3", "4", "5"}:
        raise r.fail("satisfaction", "points", "must give points for each score \"1\" to \"5\"")
    sev = r.table(data, "complaints").get("severity", DEFAULTS["complaints"]["severity"])
    if not isinstance(sev, dict) or set(sev) != set(SEVERITIES):
        raise r.fail("complaints", "severity", f"must give points for {', '.join(SEVERITIES)}")
    requester = r.table(data, "requester")
    d_req = DEFAULTS["requester"]
    notify = r.words(requester, "requester", "notify", d_req["notify"], REQUESTER_EVENTS)
    defaults = r.table(data, "defaults")
    d_def = DEFAULTS["defaults"]
    default_rules = TypeRules(
        r.weights(defaults, "defaults", d_def["weights"]),
        r.number(defaults, "defaults", "workload_target", d_def["workload_target"], low=1),
        notify)
    campaign = r.table(data, "campaign")
    d_camp = DEFAULTS["campaign"]
    return AssessmentConfig(
        grades=_grades(r, r.table(data, "grades") or DEFAULTS["grades"]),
        workload_weight=r.number(model, "model", "workload_weight", d_model["workload_weight"], 0, 1),
        exclude=frozenset(exclude),
        complaints_roll_up=r.flag(model, "model", "complaints_roll_up", d_model["complaints_roll_up"]),
        satisfaction_points={int(k): r.number(sat, "satisfaction", k, 0, 0, 100, "points.")
                             for k in sorted(sat)},
        severity_points={k: r.number(sev, "complaints", k, 0, 0, 100, "severity.") for k in SEVERITIES},
        default_rules=default_rules,
        type_rules=_types(r, r.table(data, "types"), default_rules),
        requester_daily_limit=r.integer(requester, "requester", "daily_limit", d_req["daily_limit"], 0),
        rating_window_days=r.integer(requester, "requester", "rating_window_days",
                                     d_req["rating_window_days"], 1),
        campaign_quiet=(r.clock(campaign, "campaign", "quiet_start", d_camp["quiet_start"]),
                        r.clock(campaign, "campaign", "quiet_end", d_camp["quiet_end"])),
        campaign_per_hour=r.integer(campaign, "campaign", "per_hour", d_camp["per_hour"], 1),
    )


def _grades(r: _Reader, grades: dict[str, Any]) -> tuple[Grade, ...]:
    out = []
    for key, spec in grades.items():
        section = f"grades.{key}"
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,15}", key):
            raise AssessmentConfigError(f"{r.where}: [{section}]: a grade's key is 1–16 lower-case"
                                        " letters, digits or _")
        if not isinstance(spec, dict):
            raise AssessmentConfigError(f"{r.where}: [{section}] must be a table")
        names = spec.get("name", {})
        if not isinstance(names, dict) or not names.get("zh-CN") or not names.get("en"):
            raise r.fail(section, "name", "needs a zh-CN and an en name")
        out.append(Grade(key, {str(k): str(v) for k, v in names.items()},
                         r.number(spec, section, "min", 0, 0, 100),
                         r.number(spec, section, "points", 0, 0, 100),
                         r.flag(spec, section, "reasons", False)))
    if len(out) < 2:
        raise AssessmentConfigError(f"{r.where}: [grades] needs at least two grades, best first")
    for better, worse in zip(out, out[1:], strict=False):
        if worse.min >= better.min:
            raise r.fail(f"grades.{worse.key}", "min",
                         f"must be below {better.key}'s ({better.min:g}): grades go best first")
    if out[-1].min != 0:
        raise r.fail(f"grades.{out[-1].key}", "min", "the last grade must start at 0")
    return tuple(out)


def _types(r: _Reader, types: dict[str, Any], base: TypeRules) -> dict[str, TypeRules]:
    out = {}
    for key, spec in types.items():
        section = f"types.{key}"
        if not isinstance(spec, dict):
            raise AssessmentConfigError(f"{r.where}: [{section}] must be a table")
        unknown = set(spec) - {"weights", "workload_target", "requester_sms"}
        if unknown:
            raise r.fail(section, ", ".join(sorted(unknown)),
                         "unknown key; use weights, workload_target, requester_sms")
        out[key] = TypeRules(
            r.weights(spec, section, base.weights) if "weights" in spec else dict(base.weights),
            r.number(spec, section, "workload_target", base.workload_target, low=1),
            r.words(spec, section, "requester_sms", list(base.requester_sms), REQUESTER_EVENTS))
    return out
