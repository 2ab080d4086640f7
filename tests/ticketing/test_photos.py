"""Photos are judged by their bytes, stored upright without EXIF, thumbnailed, and deleted
after the retention with an audit row each."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from ticketing.fakes import FixedClock
from ticketing.model import AuditLog, TicketPhoto
from ticketing.photos import MAX_SIDE, THUMB_SIDE, PhotoError, PhotoStore, attach, process, sweep
from ticketing.service import NewTicket, TicketService
from ticketing.store import Store

from .factories import small_hospital
from .images import encoded, jpeg

MB = 1 << 20


def _open(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def test_a_phone_jpeg_is_stored_upright_without_exif() -> None:
    raw = jpeg((800, 600), orientation=6, gps=True)  # 6: the phone was held on its side
    assert b"PhoneMaker" in raw and _open(raw).getexif().get(0x8825)
    photo = process(raw, 8 * MB)
    stored = _open(photo.data)
    assert stored.format == "JPEG" and (photo.width, photo.height) == stored.size == (600, 800)
    assert not stored.getexif() and b"PhoneMaker" not in photo.data and b"Exif" not in photo.data
    # rotated 90° clockwise: the red corner that was top-left is now top-right
    r, g, b = stored.convert("RGB").getpixel((590, 10))
    assert r > 200 and g < 90 and b < 90
    assert photo.sha256 == hashlib.sha256(photo.data).hexdigest()
    thumb = _open(photo.thumb)
    assert max(thumb.size) == THUMB_SIDE and thumb.format == "JPEG"


def test_large_photos_are_scaled_down_and_formats_are_taken_by_their_bytes() -> None:
    big = process(jpeg((4000, 3000), gps=False), 8 * MB)
    assert (big.width, big.height) == (MAX_SIDE, 1536)
    for fmt, mode in (("PNG", "RGBA"), ("WEBP", "RGB"), ("HEIF", "RGB")):
        photo = process(encoded(fmt, mode=mode), 8 * MB)
        assert _open(photo.data).format == "JPEG" and (photo.width, photo.height) == (640, 480), fmt
    # transparency is laid on white, not black
    assert _open(process(encoded("PNG", mode="RGBA"), 8 * MB).data).getpixel((5, 5))[0] > 100


def _png_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    end = b"IEND"
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)) + struct.pack(">I", 0) + end
            + struct.pack(">I", zlib.crc32(end)))


@pytest.mark.parametrize("raw, limit, reason", [
    (b"", 8 * MB, "empty"),
    (jpeg(), 1000, "too_large"),
    (b"%PDF-1.7 not a photo at all" * 10, 8 * MB, "not_image"),
    (b"\xff\xd8\xff\xe0 a JPEG's first bytes and nothing after", 8 * MB, "not_image"),
    (encoded("GIF"), 8 * MB, "unsupported"),
    (encoded("BMP"), 8 * MB, "unsupported"),
    (_png_header(20000, 20000), 8 * MB, "too_big_image"),
])
def test_what_is_not_a_photo_is_refused_with_a_reason(raw: bytes, limit: int, reason: str) -> None:
    with pytest.raises(PhotoError) as err:
        process(raw, limit)
    assert err.value.reason == reason


def test_the_store_names_files_by_their_hash_and_refuses_other_names(tmp_path: Path) -> None:
    files = PhotoStore(tmp_path)
    photo = process(jpeg(), 8 * MB)
    files.save(photo)
    files.save(photo)  # twice: one file
    assert files.read(photo.sha256) == photo.data and files.read(photo.sha256, thumb=True) == photo.thumb
    assert sorted(p.name for p in tmp_path.rglob("*.jpg")) == sorted(
        [f"{photo.sha256}.jpg", f"{photo.sha256}.t.jpg"])
    assert files.read("../../etc/passwd") is None
    with pytest.raises(ValueError):
        files.path("../" + "a" * 61)


def test_photos_past_their_retention_go_with_an_audit_row(store: Store, service: TicketService,
                                                          clock: FixedClock, tmp_path: Path) -> None:
    small_hospital(store)
    files = PhotoStore(tmp_path)
    t = service.accept("li", NewTicket(service_type="repair", location_code="10305"))
    old, shared, new = process(jpeg(colour=(1, 2, 3)), 8 * MB), process(jpeg(colour=(9, 9, 9)), 8 * MB), \
        process(jpeg(colour=(200, 200, 0)), 8 * MB)
    for p in (old, shared, new):
        files.save(p)
    with store.tx(clock.now) as tx:
        attach(tx, t.id, "report", "qr:10305", [old, shared])
    clock.advance(days=200)
    with store.tx(clock.now) as tx:
        attach(tx, t.id, "done", "web:W001", [new, shared])  # the same photo again, later
    assert sweep(store, files, clock.now() + timedelta(days=100), retention_days=365) == 0
    assert sweep(store, files, clock.now() + timedelta(days=170), retention_days=365) == 2
    with store.session() as s:
        rows = {(p.sha256, p.stage): p.deleted_at is not None for p in s.scalars(select(TicketPhoto))}
        expired = s.scalars(select(AuditLog).where(AuditLog.action == "expire")).all()
    assert rows == {(old.sha256, "report"): True, (shared.sha256, "report"): True,
                    (new.sha256, "done"): False, (shared.sha256, "done"): False}
    assert len(expired) == 2 and all(a.after["retention_days"] == 365 for a in expired)
    assert files.read(old.sha256) is None  # no live row names it
    assert files.read(shared.sha256) == shared.data  # the later row still does
    with store.session() as s:
        timeline = s.scalars(select(AuditLog).where(AuditLog.action == "photo")).all()
    assert [a.actor for a in timeline] == ["qr:10305", "web:W001"]
