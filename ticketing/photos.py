"""Photos of a ticket: checked from their bytes, re-encoded without EXIF, thumbnailed, stored.

A phone's photo is read by Pillow, never trusted by its name or its declared type: JPEG,
PNG, WebP and HEIC/HEIF (what many phones shoot; through pillow-heif) are taken, anything
else is refused with a reason. It is turned upright, re-encoded as a JPEG of at most 2048
pixels a side — which drops EXIF (the place and time the phone wrote in) and anything hidden
after the image — and a 320-pixel thumbnail is made. Files live under the data directory,
named by the SHA-256 of the stored JPEG (``PhotoStore``); the store holds a row per photo
(ticket, stage, who, when: ``ticketing.model.TicketPhoto``). ``sweep`` deletes what is older
than the retention the settings give, with an audit row for each.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from ticketing.audit import audit
from ticketing.commands.base import TicketError
from ticketing.model import Base
from ticketing.store import Store
from ticketing.tx import Tx

try:  # HEIC/HEIF (many phones' camera format)
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover - a build without it refuses HEIC as unsupported
    pass
else:
    register_heif_opener()

PHOTO = Base.metadata.tables["ticket_photo"]
FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "HEIF"})  # MPO: a JPEG with a second picture
MAX_PHOTOS = 3  # per report or per completion
MAX_SIDE = 2048
THUMB_SIDE = 320
MAX_PIXELS = 50_000_000  # larger is a decompression bomb, not a phone's photo


class PhotoError(TicketError):
    """A photo refused. ``reason``: empty | too_large | not_image | unsupported | too_big_image
    | too_many."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or f"photo refused: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class Photo:
    sha256: str
    data: bytes  # the stored JPEG
    thumb: bytes
    width: int
    height: int


def process(raw: bytes, max_bytes: int) -> Photo:
    """The photo as stored, or ``PhotoError``: its size checked first, its kind from its
    bytes, upright, at most ``MAX_SIDE`` a side, without EXIF."""
    if not raw:
        raise PhotoError("empty")
    if len(raw) > max_bytes:
        raise PhotoError("too_large", f"photo of {len(raw)} bytes, at most {max_bytes}")
    try:
        with Image.open(io.BytesIO(raw)) as im:
            if im.format not in FORMATS:
                raise PhotoError("unsupported", f"{im.format} images are not taken")
            if im.width * im.height > MAX_PIXELS:
                raise PhotoError("too_big_image")
            if im.format in ("JPEG", "MPO"):
                im.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at a reduced scale: ~4× faster
            upright = ImageOps.exif_transpose(im)
            rgb = _flatten(upright)
    except PhotoError:
        raise
    except Image.DecompressionBombError:
        raise PhotoError("too_big_image") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoError("not_image", f"not an image: {type(exc).__name__}") from None
    rgb.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    data = _jpeg(rgb, 85)
    thumb = rgb.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return Photo(hashlib.sha256(data).hexdigest(), data, _jpeg(thumb, 75), rgb.width, rgb.height)


def _flatten(im: Image.Image) -> Image.Image:
    if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return im.convert("RGB")


def _jpeg(im: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    im.save(out, format="JPEG", quality=quality, optimize=True)  # no exif= : none is written
    return out.getvalue()


class PhotoStore:
    """Photo files under a directory: ``ab/abcdef….jpg`` and its thumbnail ``….t.jpg``."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def path(self, sha256: str, thumb: bool = False) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a photo's name")
        return self.directory / sha256[:2] / f"{sha256}{'.t' if thumb else ''}.jpg"

    def save(self, photo: Photo) -> None:
        """Write both files (atomically; a photo already stored is left as it is)."""
        for thumb, data in ((False, photo.data), (True, photo.thumb)):
            target = self.path(photo.sha256, thumb)
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise

    def read(self, sha256: str, thumb: bool = False) -> bytes | None:
        try:
            return self.path(sha256, thumb).read_bytes()
        except (OSError, ValueError):
            return None

    def delete(self, sha256: str) -> None:
        for thumb in (False, True):
            with contextlib.suppress(OSError):
                self.path(sha256, thumb).unlink()


def attach(tx: Tx, ticket_id: int, stage: str, actor: str, photos: list[Photo]) -> list[int]:
    """The photos' rows on the ticket (their files already stored), and a timeline note."""
    if len(photos) > MAX_PHOTOS:
        raise PhotoError("too_many", f"at most {MAX_PHOTOS} photos")
    ids = [tx.insert(PHOTO, {"ticket_id": ticket_id, "stage": stage, "sha256": p.sha256,
                             "width": p.width, "height": p.height, "size": len(p.data),
                             "uploaded_by": actor, "uploaded_at": tx.now})
           for p in photos]
    if ids:
        audit(tx, tx.now, actor, "ticket", ticket_id, "photo", None,
              {"note": f"{stage}: {len(ids)}", "photos": ids})
    return ids


def sweep(store: Store, files: PhotoStore, now: datetime, retention_days: int) -> int:
    """Delete the photos uploaded more than ``retention_days`` ago: each row is marked deleted
    with an audit row, then a file no live row names is removed. Returns how many."""
    cutoff = now - timedelta(days=retention_days)
    with store.tx(lambda: now) as tx:
        old = tx.records(PHOTO, "uploaded_at < ? AND deleted_at IS NULL ORDER BY id LIMIT 1000",
                         (tx.at(cutoff),))
        for row in old:
            row.deleted_at = now
            audit(tx, now, "system", "ticket_photo", row.id, "expire", None,
                  {"ticket_id": row.ticket_id, "sha256": row.sha256,
                   "retention_days": retention_days})
        tx.flush()
        gone = {row.sha256 for row in old}
        kept = {sha for (sha,) in tx.all(
            "SELECT DISTINCT sha256 FROM ticket_photo WHERE deleted_at IS NULL AND sha256 IN ("
            + ",".join("?" * len(gone)) + ")", tuple(gone))} if gone else set()
    for sha in gone - kept:
        files.delete(sha)
    return len(old)
