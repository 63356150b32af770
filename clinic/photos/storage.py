"""Checking, cleaning and storing an uploaded photo with Pillow.

An upload is refused with a clear message if its name carries a path, it is too large, it is not an
image Pillow can decode (JPEG, PNG or WebP), or it would decode to too many pixels (a decompression bomb).
Accepted photos are re-encoded as JPEG without metadata, so EXIF and GPS never reach the disk.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}


class BadPhoto(Exception):
    pass


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    width: int
    height: int
    sha256: str


def photo_dir() -> Path:
    configured = current_app.config.get("CLINIC_PHOTO_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "photos"
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_filename(filename: str | None) -> None:
    name = filename or ""
    if not name or "/" in name or "\\" in name or ".." in name or "\x00" in name:
        raise BadPhoto("The file name must be a plain name without folders.")


def read_capped(stream, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise BadPhoto(f"The photo is larger than {limit // (1024 * 1024)} MB.")
    if not data:
        raise BadPhoto("The file is empty.")
    return data


def clean(data: bytes, max_pixels: int = MAX_PIXELS) -> CleanPhoto:
    """Decode, check and re-encode: the result has no metadata and the right way up."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise BadPhoto("Upload a JPEG, PNG or WebP photo.")
                if probe.width * probe.height > max_pixels:
                    raise BadPhoto("The photo has too many pixels.")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image).convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadPhoto("The photo has too many pixels.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise BadPhoto("The file is not a photo that can be read.") from None
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=90, optimize=True)  # no exif= argument: metadata is dropped
    cleaned = out.getvalue()
    return CleanPhoto(cleaned, upright.width, upright.height, hashlib.sha256(cleaned).hexdigest())


def store(photo: CleanPhoto) -> str:
    """Write the cleaned photo under a new random name; return the name."""
    name = secrets.token_hex(20) + ".jpg"
    target = photo_dir() / name
    with open(target, "xb") as handle:
        handle.write(photo.data)
    return name


def remove(name: str) -> None:
    (photo_dir() / name).unlink(missing_ok=True)
