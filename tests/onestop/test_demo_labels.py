"""Labels printed from the demo with the command its banner prints open the running demo's
report page, and a report made there reaches the desk's store as a QR ticket."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest

from config.settings import load_settings
from onestop.cli import main
from onestop.demo import banner, running_demo

from ..receipts.escpos_decoder import decode


def test_the_banners_command_prints_labels_that_open_the_demo(tmp_path: Path, db_url: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(environ={"ONESTOP_DATABASE_URL": db_url, "ONESTOP_WEB_PORT": "0"})
    out = tmp_path / "labels.bin"

    async def run() -> tuple[list[str], int, str]:
        async with running_demo(settings, tmp_path / "demo", ("web",), field_workers=False,
                                robots=()) as demo:
            text = banner(demo)
            export = re.search(r"export (.+)", text).group(1)  # type: ignore[union-attr]
            for pair in export.split():
                key, _, value = pair.partition("=")
                monkeypatch.setenv(key, value)
            monkeypatch.delenv("ONESTOP_CONFIG", raising=False)
            assert "onestop qr labels --building 住院部B --floor 3 --out labels.pdf" in text
            code = await asyncio.to_thread(main, ["qr", "labels", "--building", "住院部B", "--floor", "3",
                                                  "--escpos", str(out)])
            assert code == 0
            urls = decode(out.read_bytes()).qr_payloads
            async with httpx.AsyncClient(timeout=30) as http:
                page = await http.get(urls[0])
                made = await http.post(urls[0], data={"service_type": "repair", "description": "门锁坏了"})
                assert made.status_code == 303, made.text
                status = await http.get(urls[0].split("/r/")[0] + made.headers["location"])
            return urls, page.status_code, page.text + status.text

    urls, status, text = asyncio.run(run())
    assert len(urls) == 60 and status == 200  # 住院部B 3F: 60 rooms
    assert "住院部B 3层 301" in text and "报修已受理" in text
