"""A complaint's form (投诉建议): against whom, how serious, what was found, what the
complainant was told — kept in the ticket's ``details.complaint`` (service types with
``form = "complaint"`` in the catalog), so a complaint has the time limits, escalation,
call-back and timeline of any ticket.

    {"target_kind": "worker" | "team" | "department" | "service" | "",
     "target_code": "W001", "severity": "minor" | "normal" | "serious",
     "notes": [{"at": ISO, "by": "lead", "text": "…"}],                  # investigation (调查)
     "outcome": "" | "justified" | "unjustified", "finding": "…",        # 属实 / 不属实
     "concluded_at": ISO, "concluded_by": "lead",
     "reply": {"channel": "sms" | "call", "at": ISO, "by": "li", "text": "…", "sms_id": 12}}

The desk gives the target and severity when it takes the complaint (or later); the notes,
the finding and the reply come from the complaint's own steps (``ticketing/commands/
complaints.py``), never from an edit. A complaint is closed (办结) only with a finding and a
reply recorded: every complaint has a record and an answer (有记录、有回复).
"""

from __future__ import annotations

from typing import Any

from ticketing.orders import DetailsError

TARGET_KINDS = ("worker", "team", "department", "service")
SEVERITIES = ("minor", "normal", "serious")
OUTCOMES = ("justified", "unjustified")
REPLY_CHANNELS = ("sms", "call")
_DESK_KEYS = ("target_kind", "target_code", "severity")
_STEP_KEYS = ("notes", "outcome", "finding", "concluded_at", "concluded_by", "reply")


def empty() -> dict[str, Any]:
    return {"target_kind": "", "target_code": "", "severity": "normal", "notes": [], "outcome": "",
            "finding": "", "concluded_at": "", "concluded_by": "", "reply": {}}


def desk_form(raw: Any, kept: dict[str, Any] | None = None) -> dict[str, Any]:
    """The complaint as the desk gives it (target and severity), over ``kept`` — the form the
    ticket has — whose investigation, finding and reply an edit cannot change."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise DetailsError("complaint must be {target_kind, target_code, severity}")
    out = {**empty(), **(kept or {})}
    unknown = set(raw) - set(_DESK_KEYS) - set(_STEP_KEYS)
    if unknown:
        raise DetailsError(f"unknown complaint field(s): {', '.join(sorted(map(str, unknown)))}")
    if kept is None and any(raw.get(k) for k in _STEP_KEYS):
        raise DetailsError("a complaint's notes, finding and reply are recorded by its own steps")
    kind = raw.get("target_kind", out["target_kind"]) or ""
    code = raw.get("target_code", out["target_code"]) or ""
    severity = raw.get("severity", out["severity"]) or "normal"
    out.update(target(kind, code), severity=check_severity(severity))
    return out


def target(kind: Any, code: Any) -> dict[str, str]:
    """A target's kind and code, both or neither (the caller checks the code exists)."""
    if not isinstance(kind, str) or not isinstance(code, str):
        raise DetailsError("the complaint's target kind and code must be text")
    kind, code = kind.strip(), code.strip()
    if kind and kind not in TARGET_KINDS:
        raise DetailsError(f"target_kind must be one of {', '.join(TARGET_KINDS)}")
    if bool(kind) != bool(code):
        raise DetailsError("give the complaint's target kind and code together")
    if len(code) > 32:
        raise DetailsError("target_code longer than 32 characters")
    return {"target_kind": kind, "target_code": code}


def check_severity(severity: Any) -> str:
    if severity not in SEVERITIES:
        raise DetailsError(f"severity must be one of {', '.join(SEVERITIES)}")
    return str(severity)


def closable(form: dict[str, Any]) -> str:
    """Why the complaint cannot be closed yet ("" when it can)."""
    if not form.get("target_kind"):
        return "a complaint is closed with its target (against whom)"
    if form.get("outcome") not in OUTCOMES:
        return "a complaint is closed with its finding (justified or not)"
    if not form.get("reply"):
        return "a complaint is closed once the complainant has had the reply (SMS or call)"
    return ""
