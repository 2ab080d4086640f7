"""``onestop qr``: label sheets and ESC/POS labels whose codes open the rooms' report page on
the center that signs with the same key; revoking a room; a worker's list link."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from onestop.cli import main
from ticketing.model import Location
from ticketing.store import Store
from ticketing.tokens import LinkSigner, Purpose

from ..receipts.escpos_decoder import decode
from ..ticketing.factories import small_hospital

SECRET = "cli-test-link-secret-0123"


@pytest.fixture
def center(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.delenv("ONESTOP_CONFIG", raising=False)
    monkeypatch.setenv("ONESTOP_DATABASE_URL", f"sqlite:///{tmp_path / 'onestop.sqlite'}")
    monkeypatch.setenv("ONESTOP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ONESTOP_WEB_LINK_SECRET", SECRET)
    monkeypatch.setenv("ONESTOP_WEB_BASE_URL", "https://hq.example")
    assert main(["db", "upgrade"]) == 0
    store = Store(f"sqlite:///{tmp_path / 'onestop.sqlite'}")
    small_hospital(store)
    yield store  # type: ignore[misc]
    store.dispose()


def test_labels_for_a_floor_as_pdf_and_escpos(center: Store, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    pdf = tmp_path / "labels.pdf"
    assert main(["qr", "labels", "--building", "1号楼", "--floor", "3", "--out", str(pdf)]) == 0
    assert "2 labels on 1 A4 page" in capsys.readouterr().out
    assert pdf.read_bytes().startswith(b"%PDF-")
    raw = tmp_path / "labels.bin"
    assert main(["qr", "labels", "--room", "10305", "--room", "20101", "--escpos", str(raw)]) == 0
    urls = decode(raw.read_bytes()).qr_payloads
    assert len(urls) == 2 and all(u.startswith("https://hq.example/r/") for u in urls)
    claims = [LinkSigner(SECRET).read(u.rsplit("/", 1)[1], Purpose.ROOM, date(2026, 1, 1)) for u in urls]
    with center.session() as s:
        ids = {loc.code: loc.id for loc in s.query(Location)}
    assert [c.ids for c in claims] == [(ids["10305"], 1), (ids["20101"], 1)]


def test_labels_refuse_clearly(center: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qr", "labels", "--building", "9号楼", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "no active rooms match" in capsys.readouterr().err
    assert main(["qr", "labels", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "name the rooms" in capsys.readouterr().err
    assert main(["qr", "labels", "--room", "10305", "--out", str(tmp_path / "no" / "dir.pdf")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_revoking_a_room_and_a_workers_link(center: Store, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qr", "revoke", "10305"]) == 0
    assert "version 2" in capsys.readouterr().out
    assert main(["qr", "revoke", "99999"]) == 2
    assert "unknown location code" in capsys.readouterr().err
    assert main(["qr", "worker-link", "W001"]) == 0
    assert capsys.readouterr().out.startswith("https://hq.example/l/")
    assert main(["qr", "worker-link", "W001", "--send"]) == 0
    assert "sent to W001" in capsys.readouterr().out
