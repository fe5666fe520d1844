"""Decompression bombs: an uploaded photo is refused from its header, before it is decoded."""

import re
import struct
import zlib
from io import BytesIO

import pytest
from PIL import ImageFile

from market_pay.vietqr.photos import PhotoRefused, open_photo
from market_pay.vietqr.rendering import render_png


def bomb_png(width: int = 13_000, height: int = 13_000) -> bytes:
    """A one-bit, all-black PNG: tens of kilobytes on disk, `width × height` pixels once decoded."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte "none", then the packed bits
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def no_decoding(monkeypatch):
    """Any attempt to decode pixels fails the test loudly."""

    def refuse(self):
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


def test_bomb_png_is_small_on_disk_but_huge_in_pixels():
    data = bomb_png()
    assert len(data) < 64 * 1024
    from PIL import Image

    with pytest.warns(Image.DecompressionBombWarning):  # Pillow itself calls it a bomb
        assert Image.open(BytesIO(data)).size == (13_000, 13_000)


def test_too_many_pixels_is_refused_from_the_header(no_decoding):
    with pytest.raises(PhotoRefused) as refused:
        open_photo(bomb_png())
    assert refused.value.reason == "too_many_pixels"


def test_too_many_bytes_is_refused_before_opening(no_decoding):
    with pytest.raises(PhotoRefused) as refused:
        open_photo(b"\x89PNG" + b"\x00" * 1000, max_bytes=500)
    assert refused.value.reason == "too_many_bytes"


def test_just_over_the_pixel_cap_is_refused_and_a_normal_photo_decodes():
    with pytest.raises(PhotoRefused):
        open_photo(bomb_png(1001, 1000), max_pixels=1_000_000)
    assert open_photo(render_png("000201", 600)).getpixel((0, 0)) is not None


def test_garbage_is_unreadable_not_an_error():
    with pytest.raises(PhotoRefused) as refused:
        open_photo(b"not an image")
    assert refused.value.reason == "unreadable"


def _csrf(client):
    page = client.get("/verify").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def test_verify_page_refuses_a_decompression_bomb_without_decoding_it(client, no_decoding):
    response = client.post(
        "/verify",
        data={"photo": (BytesIO(bomb_png()), "qr.png"), "csrf_token": _csrf(client)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert 'data-status="photo_too_large"' in page and "Ảnh quá nhiều điểm ảnh (tối đa 16,8 megapixel)" in page


def test_verify_page_refuses_a_photo_over_the_byte_limit(app, client, no_decoding, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", 1000)
    response = client.post(
        "/verify",
        data={"photo": (BytesIO(b"\xff\xd8" + b"\x00" * 2000), "qr.jpg"), "csrf_token": _csrf(client)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert 'data-status="photo_too_large"' in response.get_data(as_text=True)


def test_verify_page_answers_a_body_over_the_request_limit_with_its_message(app, client, monkeypatch):
    token = _csrf(client)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    response = client.post(
        "/verify",
        data={"photo": (BytesIO(b"\xff\xd8" + b"\x00" * 8000), "qr.jpg"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert 'data-status="photo_too_large"' in page and "Ảnh quá lớn" in page
