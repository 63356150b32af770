"""Finding 8 and the pixel budget of issue 15: nothing but pixels survives cleaning; oversized images are
refused from their header, before any pixel is decoded."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms, ImageFile, PngImagePlugin

from clinic.photos import storage

SECRET = b"Jane Roe 40.7128N 74.0060W"


def _jpeg_with_everything() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 150, 120))
    exif = Image.Exif()
    exif[0x010E] = SECRET.decode()  # ImageDescription
    exif[0x8825] = {2: (40.0, 42.0, 46.0), 1: "N"}  # GPS
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, icc_profile=icc, comment=SECRET)
    data = out.getvalue()
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><dc:creator>" + SECRET + b"</dc:creator></x:xmpmeta>"
    segment = b"\xff\xe1" + (len(xmp) + 2).to_bytes(2, "big") + xmp
    return data[:2] + segment + data[2:]  # an APP1 XMP segment right after SOI


def _png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET.decode())
    info.add_itxt("XML:com.adobe.xmp", SECRET.decode())
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 20, 30)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


@pytest.mark.parametrize("make", [_jpeg_with_everything, _png_with_text])
def test_no_comment_exif_xmp_icc_or_text_survives(app, make):
    original = make()
    assert SECRET in original
    cleaned = storage.clean(original).data
    assert SECRET not in cleaned and b"xmpmeta" not in cleaned and b"http://ns.adobe.com" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == "JPEG"
        for key in ("comment", "exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "Comment"):
            assert key not in image.info, key
        assert not image.getexif()
        markers = [m for m, _ in image.applist]
        assert all(m in ("APP0",) for m in markers), markers  # JFIF only


def test_pixels_above_the_budget_are_refused_before_decoding(app, monkeypatch):
    out = io.BytesIO()
    Image.new("1", (5000, 5000)).save(out, "PNG")  # 25 megapixels, a few kilobytes
    data = out.getvalue()

    def no_decoding(self):
        raise AssertionError("decoded an image over the pixel budget")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(storage.BadPhoto, match="too many pixels"):
        storage.clean(data)


def test_the_budget_is_a_setting(app):
    out = io.BytesIO()
    Image.new("RGB", (100, 100)).save(out, "PNG")
    app.config["CLINIC_PHOTO_MAX_PIXELS"] = 9_999
    with pytest.raises(storage.BadPhoto, match="too many pixels"):
        storage.clean(out.getvalue())
