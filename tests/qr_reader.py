"""Read QR images back with a real reader (zxing-cpp); SVG is rasterised by cairosvg first."""

from io import BytesIO

import cairosvg
import zxingcpp
from PIL import Image


def read_png(data: bytes):
    return zxingcpp.read_barcodes(Image.open(BytesIO(data)))


def read_svg(data: bytes):
    return read_png(cairosvg.svg2png(bytestring=data))


def decoded_texts(data: bytes, image_format: str) -> list[str]:
    codes = read_png(data) if image_format == "png" else read_svg(data)
    return [code.text for code in codes]
