"""QR images: every one read back by a real QR reader must give exactly the payload."""

from io import BytesIO

import pytest
from PIL import Image

from market_pay.vietqr.codec import build
from market_pay.vietqr.rendering import module_matrix, render_cached, render_png, render_svg
from tests.qr_reader import read_png, read_svg

PAYLOADS = [
    build("970405", "1234567890"),
    build("970436", "0011001234567", amount=50_000, purpose="THANH TOAN SAP 12"),
    build(
        "970422",
        "ABC1234567890123456",
        amount=499_999_999,
        purpose="p" * 25,
        bill_number="b" * 25,
        reference_label="r" * 25,
        merchant_name="Đặng Thị Hoà",
        merchant_city="Hà Giang",
    ),
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=["static", "dynamic", "longest"])
@pytest.mark.parametrize("size", [64, 300, 1200])
def test_png_reads_back_exactly_with_error_correction_q(payload, size):
    codes = read_png(render_png(payload, size))
    assert [c.text for c in codes] == [payload]
    assert codes[0].ec_level == "Q"


@pytest.mark.parametrize("payload", PAYLOADS, ids=["static", "dynamic", "longest"])
def test_svg_reads_back_exactly(payload):
    codes = read_svg(render_svg(payload, 400))
    assert [c.text for c in codes] == [payload]
    assert codes[0].ec_level == "Q"


def test_png_has_a_four_module_quiet_zone_and_whole_pixel_modules():
    image = Image.open(BytesIO(render_png(PAYLOADS[0], 300))).convert("L")
    width = image.size[0]
    modules = len(module_matrix(PAYLOADS[0]))
    assert not any(module_matrix(PAYLOADS[0])[3]) and module_matrix(PAYLOADS[0])[4][4]
    scale = width // modules
    assert width == modules * scale
    border = 4 * scale
    for x in range(width):
        for y in list(range(border)) + list(range(width - border, width)):
            assert image.getpixel((x, y)) == 255 and image.getpixel((y, x)) == 255
    assert image.getpixel((border, border)) == 0  # the finder pattern starts right after it


def test_svg_is_scalable_and_declares_its_pixel_size():
    svg = render_svg(PAYLOADS[1], 500).decode()
    assert svg.startswith("<svg") and 'viewBox="0 0 ' in svg and 'shape-rendering="crispEdges"' in svg


def test_cached_rendering_returns_the_same_bytes_without_rendering_again():
    render_cached.cache_clear()
    first = render_cached(PAYLOADS[0], "png", 300)
    second = render_cached(PAYLOADS[0], "png", 300)
    assert first is second
    assert render_cached.cache_info().hits == 1
