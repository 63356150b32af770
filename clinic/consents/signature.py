"""The drawn signature: a PNG data URL from the signing canvas, checked with Pillow.

Refused: anything that is not a PNG data URL, not decodable, too large, or blank (no ink).
"""

from __future__ import annotations

import base64
import binascii
import io

from flask_babel import gettext as _
from PIL import Image, ImageChops, UnidentifiedImageError

PREFIX = "data:image/png;base64,"
MAX_BYTES = 300_000
MAX_SIDE = 2000
MIN_INK_PIXELS = 30  # a stray tap is not a signature


class BadSignature(Exception):
    pass


def _ink_pixels(image: Image.Image) -> int:
    """Pixels that are visibly drawn: opaque enough and darker than the paper."""
    rgba = image.convert("RGBA")
    alpha = rgba.getchannel("A").point(lambda a: 255 if a > 32 else 0)
    dark = rgba.convert("L").point(lambda v: 255 if v < 200 else 0)
    ink = ImageChops.multiply(alpha, dark)
    return ink.histogram()[255]


def decode_signature(data_url: str | None) -> bytes:
    """The PNG bytes of a non-blank signature, or BadSignature saying what is wrong."""
    if not data_url or not data_url.startswith(PREFIX):
        raise BadSignature(_("The signature is empty. Please sign in the box."))
    try:
        raw = base64.b64decode(data_url[len(PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise BadSignature(_("The signature could not be read; clear it and sign again.")) from None
    if len(raw) > MAX_BYTES:
        raise BadSignature(_("The signature image is too large."))
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(raw))
        if image.format != "PNG" or max(image.size) > MAX_SIDE:
            raise BadSignature(_("The signature must be a PNG from the signing box."))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise BadSignature(_("The signature could not be read; clear it and sign again.")) from None
    if _ink_pixels(image) < MIN_INK_PIXELS:
        raise BadSignature(_("The signature is empty. Please sign in the box."))
    return raw
