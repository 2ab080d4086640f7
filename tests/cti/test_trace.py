"""Broken trace files: one line naming the file and line, exit status 2, never a traceback
and never a replay that waits for the rest of a cut-off message."""

from __future__ import annotations

import argparse
import base64
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config.settings import Settings
from cti.replay import TraceError, load_trace
from onestop.cmd_cti import replay
from tests.conftest import ROOT
from tests.cti.helpers import trace_dir

GOOD = (trace_dir("repair_answered") / "ami.jsonl").read_text(encoding="utf-8").splitlines()
HANGUP = "Event: Hangup\r\nPrivilege: call,all\r\nUniqueid: 1795487664.5\r\n"


def jsonl(tmp_path: Path, *extra: str | bytes) -> Path:
    """The recorded trace's first 40 lines, then ``extra`` lines (line 41 on)."""
    p = tmp_path / "ami.jsonl"
    lines = [x.encode() for x in GOOD[:40]] + [x if isinstance(x, bytes) else x.encode() for x in extra]
    p.write_bytes(b"\n".join(lines) + b"\n")
    return p


BROKEN = {
    "half-written": ('{"t": 1.5, "raw": "Event: Hangup\\r\\nUniq', "41: not JSON"),
    "not an object": ('["Event: Hangup"]', "41: expected a JSON object, got list"),
    "t a string": (json.dumps({"t": "soon", "raw": HANGUP + "\r\n"}), '41: "t" must be a number'),
    "t NaN": ('{"t": NaN, "raw": "x"}', '41: "t" must be a number'),
    "raw a number": ('{"t": 1, "raw": 5}', '41: "raw" must be a string or null, got int'),
    "lone surrogate": ('{"t": 1, "raw": "Event: Hangup\\r\\nX: \\ud800\\r\\n\\r\\n"}',
                       "41: \"raw\" holds a lone surrogate ('\\ud800' at character 18)"),
    "cut-off frame": (json.dumps({"t": 9.0, "raw": HANGUP}), "41: the message does not end with a blank line"),
    "bad base64": ('{"t": 1, "raw": "x", "raw_b64": "%%%"}', '41: "raw_b64" is not base64'),
    "not UTF-8": (b'{"t": 1, "raw": "Event: Hangup\\r\\nX: \xd5\xc5\\r\\n\\r\\n"}', "41: not UTF-8 text"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_line_names_file_and_line(case: str, tmp_path: Path) -> None:
    line, message = BROKEN[case]
    path = jsonl(tmp_path, line, GOOD[41])
    with pytest.raises(TraceError) as err:
        load_trace(path)
    assert str(err.value).startswith(f"{path}:{message}"), str(err.value)


@pytest.mark.parametrize("case", list(BROKEN))
def test_the_command_says_it_in_one_line_and_exits_2(case: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = jsonl(tmp_path, BROKEN[case][0])
    assert replay(argparse.Namespace(path=str(path), speed=None, drop_after=None, resume_at=None),
                  Settings(data_dir=str(tmp_path))) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith(f"onestop cti replay: {path}:41: ")


def test_a_cut_off_last_frame_is_reported_at_once_by_the_real_command(tmp_path: Path) -> None:
    # Played as it is, the cut-off Hangup would swallow the listener's Ping answer: a replay
    # that waited its 60 s for it.
    path = jsonl(tmp_path, json.dumps({"t": 9.0, "raw": HANGUP}))
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "onestop", "cti", "replay", str(path)],
                         capture_output=True, text=True, timeout=50, cwd=ROOT,
                         env={"PATH": "/usr/bin:/bin", "ONESTOP_DATA_DIR": str(tmp_path)})
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.splitlines() == [
        f"onestop cti replay: {path}:41: the message does not end with a blank line (\\r\\n\\r\\n): "
        "cut off? A listener would read the next message as its rest"]
    assert time.monotonic() - started < 30


def test_a_raw_file_that_ends_inside_a_message(tmp_path: Path) -> None:
    raw = (trace_dir("repair_answered") / "ami.raw").read_bytes()
    cut = raw.rindex(b"\r\n\r\n", 0, len(raw) - 10) + 4 + 30  # 30 bytes into the last message
    path = tmp_path / "ami.raw"
    path.write_bytes(raw[:cut])
    with pytest.raises(TraceError, match=r"ami\.raw:\d+: the file ends inside a message"):
        load_trace(path)
    line = int(str(pytest.raises(TraceError, load_trace, path).value).split(":")[1])
    assert raw[:cut].split(b"\n")[line - 1].startswith(b"Event: ")  # the cut message's first line


def test_raw_b64_is_what_is_replayed(tmp_path: Path) -> None:
    exact = b"Event: Newchannel\r\nCallerIDName: \xd5\xc5\xbb\xa4\xca\xbf\r\nUniqueid: 1.1\r\n\r\n"
    path = jsonl(tmp_path, json.dumps({"t": 2.0, "raw": exact.decode("utf-8", "replace"),
                                       "raw_b64": base64.b64encode(exact).decode()}))
    events = load_trace(path)
    assert events[-1].raw == exact and events[-1].t == 2.0
    assert events[-1].message["CallerIDName"] == "张护士"


def test_a_missing_folder_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(TraceError, match="cannot read"):
        load_trace(tmp_path)
