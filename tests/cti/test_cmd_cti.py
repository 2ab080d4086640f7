"""``onestop cti calls``: the stored call log in the replay's JSON form."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

import pytest

from config.settings import Settings
from cti.tracker import CallFinished
from onestop.cmd_cti import list_stored_calls, parse_since
from tests.cti.helpers import expected, messages, tracker
from ticketing.calls import CallFacts, record_call
from ticketing.store import Store


def test_stored_calls_print_like_the_replay(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    t = tracker()
    records = [e.record for i, m in enumerate(messages("concurrent_six"))
               for e in t.handle(m, 1_795_487_725.0 + i * 0.05) if isinstance(e, CallFinished)]
    store = Store(db_url)
    with store.session() as s:
        for r in records + records[:2]:  # stored twice: still one row each
            record_call(s, CallFacts(**r.facts()))
    store.dispose()
    args = argparse.Namespace(since=None, limit=100)
    assert list_stored_calls(args, Settings(database_url=db_url)) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    keys = list(expected("concurrent_six")[0])
    assert sorted(({k: r[k] for k in keys} for r in rows), key=lambda r: r["uniqueid"]) == \
        sorted(expected("concurrent_six"), key=lambda r: r["uniqueid"])


def test_parse_since() -> None:
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    assert parse_since("24h", now) == datetime(2026, 11, 23, 12, tzinfo=UTC)
    assert parse_since("2026-11-24T08:00", now) == datetime(2026, 11, 24, 8, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_since("yesterday", now)
