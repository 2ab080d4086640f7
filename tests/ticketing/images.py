"""Images as phones send them, made here (no binary fixtures): JPEG with EXIF, PNG with
transparency, WebP, HEIC, and things that are not photos."""

from __future__ import annotations

import io

from PIL import Image


def jpeg(size: tuple[int, int] = (800, 600), orientation: int = 1, gps: bool = True,
         colour: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    im = Image.new("RGB", size, colour)
    im.paste((250, 40, 40), (0, 0, size[0] // 4, size[1] // 4))  # a red corner: shows rotation
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "PhoneMaker"  # Make
    if gps:
        exif[0x8825] = {1: "N", 2: (31.0, 12.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    im.save(out, format="JPEG", exif=exif, quality=90)
    return out.getvalue()


def encoded(fmt: str, size: tuple[int, int] = (640, 480), mode: str = "RGB") -> bytes:
    im = Image.new(mode, size, (10, 200, 10, 128) if mode == "RGBA" else (10, 200, 10))
    out = io.BytesIO()
    if fmt == "HEIF":
        import pillow_heif  # noqa: F401  (registers the HEIF writer)
    im.save(out, format=fmt)
    return out.getvalue()
