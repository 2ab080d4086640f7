"""Soak: the demo's PBX places calls as fast as the center takes them (``bench/soak.py``).

``ONESTOP_SOAK_CALLS`` sets how many (default 2,000; the full soak is 10,000). Every call must
be in the call log exactly once, and the process's resident memory must stay flat after the
warm-up (the first 1,000 calls, or half when fewer: while the connection pool, thread stacks,
SQLite's page caches and the pop builder's 30-second context cache of the wards fill).

The bound: after warm-up RSS may grow by at most 2 MiB (allocator arenas come in 256 KiB-1 MiB
steps) plus 1 KiB per call. What legitimately grows per call is bounded memory: the tracker
remembers the last 20,000 finished call ids (to ignore late events) and the soak keeps each
call's id, together about 220 bytes a call. Anything that keeps a call's record, task,
stream or pop (kilobytes each) crosses the bound. Measured by hand (``bench/soak.py``),
10,000 calls in 104 s: SQLite +2.0 MiB between call 1,476 and call 9,976 (≈ 240 B/call),
PostgreSQL +1.5 MiB (≈ 180 B/call). The figures are printed with ``-s``.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import pytest

from bench.soak import run_soak

CALLS = int(os.environ.get("ONESTOP_SOAK_CALLS", "2000"))


@pytest.mark.slow
@pytest.mark.timeout(max(120, CALLS // 10))
def test_memory_stays_flat_and_every_call_is_logged_once(tmp_path: Path, db_url: str,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    # pytest keeps every captured log record in memory: that would be the test's growth, not
    # the center's (the IVR logs a warning for each caller who hangs up during a prompt).
    caplog.set_level(logging.ERROR)
    report = asyncio.run(run_soak(db_url, tmp_path, CALLS))
    print(f"\nsoak: {report.calls} calls in {report.seconds:.1f} s\n{report.table()}\n{report.figures()}")

    assert report.missing == [] and report.duplicates == []
    assert report.logged == CALLS
    assert set(report.outcomes) <= {"answered", "abandoned", "ended_in_ivr"}
    assert report.outcomes["answered"] > CALLS // 4  # the queue really served calls
    after_warmup = report.samples[-1][0] - report.samples[report.warm_index][0]
    bound = 2.0 + after_warmup / 1024
    assert report.growth_after_warmup <= bound, (
        f"RSS grew {report.growth_after_warmup:.1f} MiB over {after_warmup} calls after warm-up "
        f"(bound {bound:.1f} MiB): {report.samples}")
