"""Opening an uploaded photo safely: byte size and pixel count are checked before any decoding.

A PNG or GIF compresses a plain image enormously: 37 KB can announce 13,000 × 13,000 pixels, which
Pillow would decode into 169 MB (one byte per pixel once converted) and zxing-cpp would then scan.
Pillow's `Image.open` is lazy: it reads only the header, so `.size` is known before `.load()`
decodes anything. We refuse there. Pure: no Flask, no database.
"""

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

# A phone photo of a QR is at most ~12 Mpx (4000 × 3000); 4096 × 4096 leaves room for any camera
# and bounds one decode to ~50 MB (RGB) whatever the file claims.
MAX_PIXELS = 4096 * 4096
# Well above a phone's JPEG of a QR (1–4 MB); the request's own MAX_CONTENT_LENGTH applies first.
MAX_BYTES = 8 * 1024 * 1024


@dataclass
class PhotoRefused(Exception):
    """The upload is not decoded: `reason` is "too_many_bytes", "too_many_pixels" or "unreadable"."""

    reason: str
    limit: int = 0


def open_photo(data: bytes, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """The decoded image, or PhotoRefused before decoding one too large (by bytes or by pixels)."""
    if len(data) > max_bytes:
        raise PhotoRefused("too_many_bytes", max_bytes)
    try:
        # The header only. Pillow warns about (rather than refuses) sizes between its limit and
        # twice it; we check the size ourselves just below, so that warning says nothing new.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:  # Pillow's own ceiling, far above ours
        raise PhotoRefused("too_many_pixels", max_pixels) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise PhotoRefused("unreadable") from exc
    width, height = image.size
    if width * height > max_pixels or width <= 0 or height <= 0:
        image.close()
        raise PhotoRefused("too_many_pixels", max_pixels)
    try:
        image.load()
    except (OSError, ValueError, Image.DecompressionBombError) as exc:  # truncated or corrupt data
        raise PhotoRefused("unreadable") from exc
    return image
