"""Shared bits of the CTI tests: traces, expected calls, operators."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from config.settings import AmiSettings, OperatorMap
from cti.protocol import Message, parse_all
from cti.tracker import CallTracker, Operator
from tests.conftest import TRACES

KEYS = ("uniqueid", "caller_num", "caller_name", "service_type", "queue", "outcome", "agent",
        "wait_s")
SCENARIOS = sorted(p.name for p in TRACES.iterdir() if (p / "ami.jsonl").exists())
OPERATORS = [Operator("Local/101@agents/n", "Operator Li", "li"),
             Operator("Local/102@agents/n", "Operator Wang", "wang")]


def ami_settings(**kw: Any) -> AmiSettings:
    ops = [OperatorMap(interface=o.interface, name=o.name, login=o.login) for o in OPERATORS]
    return AmiSettings(operators=ops, **kw)


def expected(scenario: str) -> list[dict[str, Any]]:
    lines = (TRACES / scenario / "calls.jsonl").read_text().splitlines()
    return [{k: json.loads(line).get(k) for k in KEYS} for line in lines if line.strip()]


def messages(scenario: str) -> list[Message]:
    return [m for m in parse_all((TRACES / scenario / "ami.raw").read_bytes()) if m.event]


def tracker() -> CallTracker:
    return CallTracker("from-pstn", ["6001"], OPERATORS)


def trace_dir(scenario: str) -> Path:
    return TRACES / scenario
