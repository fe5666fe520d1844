"""Vietnamese phone numbers in one canonical form: 0 followed by 9 or 10 digits."""

import re

_SEPARATORS = re.compile(r"[\s.\-()]")
_CANONICAL = re.compile(r"^0\d{9,10}$")


def normalise_phone(raw: str) -> str | None:
    """'+84 912 345 678' → '0912345678'; None when it is not a Vietnamese number."""
    digits = _SEPARATORS.sub("", raw or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if _CANONICAL.match(digits) else None
