"""Checking, cleaning and storing an uploaded photo with Pillow.

An upload is refused with a clear message if its name carries a path, it is too large, it is not an
image Pillow can decode (JPEG, PNG or WebP), or its header announces more pixels than a clinical photo needs
(`CLINIC_PHOTO_MAX_PIXELS`, 24 megapixels; checked before any pixel is decoded).

Accepted photos are re-encoded from their pixels only: the decoded image is copied into a fresh image with
no `info`, so no JPEG comment, EXIF (GPS), XMP, ICC profile or PNG text chunk can reach the disk. (Pillow
writes `info["comment"]` back when saving a JPEG, so saving the decoded image itself is not enough.)
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
MAX_PIXELS = 24_000_000
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


def clean(data: bytes, max_pixels: int | None = None) -> CleanPhoto:
    """Decode, check and re-encode: the result has no metadata and the right way up."""
    if max_pixels is None:
        max_pixels = current_app.config.get("CLINIC_PHOTO_MAX_PIXELS", MAX_PIXELS)
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
                pixels_only = Image.frombytes("RGB", upright.size, upright.tobytes())
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadPhoto("The photo has too many pixels.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise BadPhoto("The file is not a photo that can be read.") from None
    out = io.BytesIO()
    pixels_only.save(out, "JPEG", quality=90, optimize=True)  # a fresh image: no info, nothing carried over
    cleaned = out.getvalue()
    return CleanPhoto(cleaned, pixels_only.width, pixels_only.height, hashlib.sha256(cleaned).hexdigest())


def store(photo: CleanPhoto) -> str:
    """Write the cleaned photo under a new random name; return the name."""
    name = secrets.token_hex(20) + ".jpg"
    target = photo_dir() / name
    with open(target, "xb") as handle:
        handle.write(photo.data)
    return name


def remove(name: str) -> None:
    (photo_dir() / name).unlink(missing_ok=True)
