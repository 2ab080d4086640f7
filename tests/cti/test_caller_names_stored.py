"""Caller names from the wire to the call log and the desk's pop, over the loopback replay
server into the listener ``onestop serve`` runs, stored by the center's own sink on the
suite's engine (SQLite, or PostgreSQL with ONESTOP_TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from config.settings import Settings
from cti.fakes import RecordingPopPublisher
from cti.replay import load_trace, replay_calls
from onestop.core import Core, build_core
from onestop.wiring import CoreCallSink
from tests.cti.helpers import ami_settings, trace_dir
from tests.cti.test_faults import call_events, good_calls, run_stream
from ticketing.calls import list_calls


@pytest.fixture
def core(db_url: str) -> Iterator[Core]:
    c = build_core(Settings(database_url=db_url))
    yield c
    c.close()


def stored(core: Core) -> dict[str, dict[str, Any]]:
    with core.store.session() as s:
        return {r["uniqueid"]: r for r in list_calls(s)}


def test_the_gbk_trace_is_stored_and_popped_with_the_names_the_callers_sent(core: Core) -> None:
    pops = RecordingPopPublisher()
    records, listener = asyncio.run(replay_calls(
        load_trace(trace_dir("gbk_callerid")), ami_settings(), timeout_s=20,
        listener_kw={"pops": pops, "sink": CoreCallSink(core)}))
    want = {c["uniqueid"]: c for c in map(json.loads, (trace_dir("gbk_callerid") / "calls.jsonl")
                                          .read_text(encoding="utf-8").splitlines())}
    assert {r.uniqueid: r.caller_name for r in records} == {"1796444424.96": "张护士",
                                                           "1796444425.98": "O'Brien 3B?"}
    rows = stored(core)
    assert {u: r["caller_name"] for u, r in rows.items()} == \
        {u: c["caller_name"] for u, c in want.items()}
    assert {u: r["service_type"] for u, r in rows.items()} == \
        {u: c["service_type"] for u, c in want.items()}
    shown = {(p["call_id"], p["caller_name"]) for _, p in pops.pops}
    assert shown == {("1796444424.96", "张护士"), ("1796444425.98", "O'Brien 3B?")}
    assert listener.stats["sink_errors"] == 0


# name as sent → as stored (control characters and escape sequences out, at most 200 characters)
HOSTILE: list[tuple[bytes, str]] = [
    (b"bell\\a esc\x1b[31mred\x1b[0m nul\x00 \xe2\x80\xaeevil", "bell escred nul evil"),
    ("长".encode() * 700, "长" * 200),  # 2.1 KB
    (b"\xff\xfeBad\x80", "\ufffd\ufffdBad\ufffd"),  # neither UTF-8 nor GB18030
    ("王誠".encode("gbk").replace(b"\\", b"\\\\") + rb"\n2\'s", "王誠 2's"),  # GBK, escaped
    (b"<script>alert(1)</script>", "<script>alert(1)</script>"),  # text: the page escapes it
    (b"\x1b]0;pwned\x07\x1b[2J", ""),
]


def test_hostile_names_are_stored_cleaned_and_bounded(core: Core) -> None:
    pops = RecordingPopPublisher()
    stream: list[bytes] = []
    for i, (name, _) in enumerate(HOSTILE):
        stream += [e.replace(b"@NAME@", name) for e in call_events(f"5100.{i}", "@NAME@")]
    listener, _ = run_stream(stream + good_calls(), pops=pops, sink=CoreCallSink(core))
    assert listener.client.stats["logins"] == 1  # the reader never fell over
    assert listener.stats["sink_errors"] == 0
    rows = stored(core)
    assert {u: r["caller_name"] for u, r in rows.items() if u.startswith("5100.")} == \
        {f"5100.{i}": want for i, (_, want) in enumerate(HOSTILE)}
    assert rows["1795487664.5"]["caller_name"] == "Nurse Zhang"  # the call after them
    shown = {p["call_id"]: p["caller_name"] for _, p in pops.pops}
    assert all(len(v) <= 64 and v.isprintable() for v in shown.values())
    assert shown["5100.3"] == "王誠2's"  # the pop drops the line break
