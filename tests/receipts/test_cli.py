from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from onestop.cli import main
from receipts.capture import CapturePrinter
from receipts.transports import TcpTransport
from tests.receipts.escpos_decoder import decode

ROOT = Path(__file__).resolve().parents[2]


def test_sample_png_and_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONESTOP_CONFIG", raising=False)
    assert main(["receipts", "sample", "--lang", "en", "--out", str(tmp_path / "s.png")]) == 0
    assert Image.open(tmp_path / "s.png").width == 576 + 32
    assert main(["receipts", "sample", "--kind", "kitchen", "--out", str(tmp_path / "k.bin")]) == 0
    d = decode((tmp_path / "k.bin").read_bytes())
    assert d.errors == [] and d.cuts == 1 and "厨 房 单" in d.text


def test_sample_send_and_status(capture: CapturePrinter, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("ONESTOP_CONFIG", raising=False)
    monkeypatch.setenv("ONESTOP_PRINTER_PRINTERS", json.dumps(
        [{"name": "desk", "transport": "tcp", "target": f"127.0.0.1:{capture.port}",
          "encoding": "gbk", "paper_mm": 58, "columns": 32}]))
    assert main(["receipts", "sample", "--printer", "desk", "--send"]) == 0
    assert len(capture.wait_for_jobs(1)) == 1
    capsys.readouterr()
    capture.set_condition(paper_end=True)
    assert main(["receipts", "status", "--printer", "desk"]) == 1
    assert json.loads(capsys.readouterr().out)["state"] == "paper_end"


def test_printer_emulate_saves_jobs(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "onestop", "receipts", "printer-emulate",
                             "--port", "0", "--dir", str(tmp_path), "--max-jobs", "1"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        port = int(re.search(r":(\d+)", line).group(1))  # type: ignore[union-attr]
        status = TcpTransport("127.0.0.1", port).send(b"\x1b@hello\n\x1dVB\x00")
        assert status.state == "ready"
        out, _ = proc.communicate(timeout=10)
    finally:
        proc.kill()
        proc.wait()
    assert json.loads(out.splitlines()[0]) == {"job": 1, "bytes": 12}
    assert (tmp_path / "job-000001.bin").read_bytes() == b"\x1b@hello\n\x1dVB\x00"
