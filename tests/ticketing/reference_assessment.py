"""The monthly score recomputed from raw rows, written from docs/assessment.md and the TOML
file alone — no production code of ``ticketing.assessment`` is used — so the tests compare
two implementations of the written formula."""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.model import OrgUnit, Staff, Ticket

CONFIG = Path(__file__).resolve().parents[2] / "config" / "assessment.toml"
PARTS = ("response", "completion", "satisfaction", "grade", "rework")
OPEN = ("accepted", "dispatched", "in_progress")


def read_config(path: Path = CONFIG) -> dict[str, Any]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    types = raw.get("types", {})
    defaults = raw["defaults"]
    return {
        "grades": [(k, float(v["min"]), float(v["points"])) for k, v in raw["grades"].items()],
        "omega": float(raw["model"]["workload_weight"]),
        "exclude": set(raw["model"]["exclude"]),
        "roll_up": bool(raw["model"]["complaints_roll_up"]),
        "sat": {int(k): float(v) for k, v in raw["satisfaction"]["points"].items()},
        "severity": {k: float(v) for k, v in raw["complaints"]["severity"].items()},
        # per service type, the type's own table else [defaults]; "*" is [defaults]
        "weights": {t: {p: float(spec.get("weights", defaults["weights"]).get(p, 0)) for p in PARTS}
                    for t, spec in [*types.items(), ("*", {})]},
        "target": {t: float(spec.get("workload_target", defaults["workload_target"]))
                   for t, spec in [*types.items(), ("*", {})]},
    }


def raw_rows(s: Session, start: datetime, end: datetime) -> list[Ticket]:
    return list(s.scalars(select(Ticket).where(Ticket.created_at >= start, Ticket.created_at < end)))


def org_maps(s: Session) -> tuple[dict[str, str], dict[str, str], dict[str, int]]:
    team_of = {st.code: st.team for st in s.scalars(select(Staff)) if st.team}
    dept_of = {o.code: o.parent_code for o in s.scalars(select(OrgUnit)) if o.kind == "team" and o.parent_code}
    members: dict[str, int] = {}
    for st in s.scalars(select(Staff)):
        if st.role == "worker" and st.active and st.team:
            members[st.team] = members.get(st.team, 0) + 1
    return team_of, dept_of, members


def components(cfg: dict[str, Any], t: Any, as_of: datetime) -> dict[str, float]:
    c: dict[str, float] = {}
    is_open = t.status in OPEN
    if t.response_met is not None:
        c["response"] = 100.0 * bool(t.response_met)
    elif is_open and t.worker_accepted_at is None and t.response_due and t.response_due < as_of:
        c["response"] = 0.0
    if t.completion_met is not None:
        c["completion"] = 100.0 * bool(t.completion_met)
    elif is_open and t.completion_due and t.completion_due < as_of:
        c["completion"] = 0.0
    if t.satisfaction is not None:
        c["satisfaction"] = cfg["sat"][t.satisfaction]
    points = {k: p for k, _m, p in cfg["grades"]}
    if t.assessment_grade in points:
        c["grade"] = points[t.assessment_grade]
    if t.reopen_count:
        c["rework"] = 0.0
    elif t.done_at is not None:
        c["rework"] = 100.0
    return c


def reference(cfg: dict[str, Any], tickets: list[Any], complaints: list[tuple[str, str, str, str]],
              team_of: dict[str, str], dept_of: dict[str, str], members: dict[str, int],
              level: str, as_of: datetime) -> dict[str, dict[str, Any]]:
    """``complaints``: (target kind, target code, severity, outcome). Per entity key: the
    figures and the score."""
    def owner(worker: str) -> str:
        if level == "worker":
            return worker
        team = team_of.get(worker, "")
        return team if level == "team" else dept_of.get(team, "")

    out: dict[str, dict[str, Any]] = {}

    def bucket(key: str) -> dict[str, Any]:
        return out.setdefault(key, {"tickets": 0, "done": 0, "scores": [], "units": 0.0, "resp": [],
                                    "comp": [], "sat": [], "reworked": 0, "complaints": 0, "D": 0.0})

    for t in tickets:
        if t.status in ("cancelled", "merged") or t.service_type in cfg["exclude"] or not t.assignee:
            continue
        key = owner(t.assignee)
        if not key:
            continue
        b = bucket(key)
        b["tickets"] += 1
        c = components(cfg, t, as_of)
        w = cfg["weights"].get(t.service_type, cfg["weights"]["*"])
        if "response" in c:
            b["resp"].append(c["response"] == 100)
        if "completion" in c:
            b["comp"].append(c["completion"] == 100)
        if t.satisfaction is not None:
            b["sat"].append(t.satisfaction)
        b["reworked"] += bool(t.reopen_count)
        if t.done_at is not None:
            b["done"] += 1
            b["units"] += 1 / cfg["target"].get(t.service_type, cfg["target"]["*"])
        weight = sum(w[p] for p in c)
        if weight > 0:
            b["scores"].append(sum(w[p] * v for p, v in c.items()) / weight)
    for kind, code, severity, outcome in complaints:
        if outcome != "justified":
            continue
        hit = []
        if kind == level:
            hit = [code]
        elif cfg["roll_up"] and kind == "worker" and level != "worker":
            hit = [owner(code)]
        elif cfg["roll_up"] and kind == "team" and level == "department":
            hit = [dept_of.get(code, "")]
        for key in filter(None, hit):
            b = bucket(key)
            b["complaints"] += 1
            b["D"] += cfg["severity"][severity]
    for key, b in out.items():
        n = 1 if level == "worker" else max(1, members.get(key, 0)) if level == "team" else max(
            1, sum(m for team, m in members.items() if dept_of.get(team) == key))
        b["W"] = min(100.0, 100.0 * b["units"] / n)
        b["Q"] = sum(b["scores"]) / len(b["scores"]) if b["scores"] else None
        if b["Q"] is None:
            b["score"], b["grade"] = None, ""
        else:
            raw = (1 - cfg["omega"]) * b["Q"] + cfg["omega"] * b["W"] - b["D"]
            b["score"] = min(100.0, max(0.0, raw))
            b["grade"] = next(k for k, m, _p in cfg["grades"] if b["score"] >= m)
        b["response_rate"] = sum(b["resp"]) / len(b["resp"]) if b["resp"] else None
        b["completion_rate"] = sum(b["comp"]) / len(b["comp"]) if b["comp"] else None
        b["satisfaction"] = sum(b["sat"]) / len(b["sat"]) if b["sat"] else None
    return out
