"""A small morning flood through real ``onestop serve`` processes (``bench/flood.py``).

The bench's own run, small and fast so it cannot rot: a burst of calls placed by the emulated
Asterisk through the real AMI listener and FastAGI IVR of a ``serve`` process (two on
PostgreSQL: one holds the AMI lock, pops cross by LISTEN/NOTIFY), robot operators who make a
ticket of every answered call through the desk's API, desks that hold their event streams and
reload their lists as the page does. What must hold whatever the machine's load: every pop
reached its operator's desk once, every call is in the call log once, every answered call has
exactly one ticket, and no desk request failed. The latencies are the bench's figures, printed
with ``-s``, never asserted here.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bench.flood import Plan, figures, flood
from tests.conftest import PG_URL


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_small_flood_loses_nothing(db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    plan = Plan(calls=10, window_s=2.0, burst=5, operators=3, desks=8, desk_processes=2, time_scale=0.05,
                settle_s=60.0)
    processes = 2 if PG_URL else 1
    got = figures(asyncio.run(flood(db_url, plan, processes, tmp_path, fresh=False)))
    print(f"\nflood ({processes} serve process(es)): {got}")

    assert got["calls"] == 10
    assert got["outcomes"] == {"answered": 10}  # patient callers: every one reaches an operator
    # a ringing and a connected pop per answered call, each from the PBX's own count
    assert got["pops"] == 20
    assert got["pops_lost"] == 0 and got["pops_doubled"] == 0
    assert got["calls_lost"] == 0 and got["calls_doubled"] == 0
    assert got["tickets_lost"] == 0 and got["tickets_doubled"] == 0
    assert got["robot_errors"] == 0 and got["api_errors"] == 0
    assert got["api_requests"] > 0 and got["pop_p99_ms"] is not None
    # most desks are given their list on the stream; the one showing repairs asks for it
    assert got["lists_pushed"] > 0 and got["lists_asked"] > 0
