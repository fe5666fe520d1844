"""Fold Vietnamese text to plain ASCII (bank apps and VietQR fields accept no diacritics)."""

import re
import unicodedata

# Đ/đ is a letter of its own, not D plus a combining mark, so NFD leaves it alone.
_SPECIAL = str.maketrans({"Đ": "D", "đ": "d"})
_SPACES = re.compile(r"\s+")


def fold_ascii(text: str) -> str:
    """'Đặng Thị Hoà' → 'Dang Thi Hoa'; whitespace collapsed, anything non-ASCII dropped."""
    if not text.isascii():
        # NFD splits a letter from its marks; the marks (like anything else not ASCII) are then
        # dropped by the ASCII encoding. (Every callback's content passes here: keep it lean.)
        text = unicodedata.normalize("NFD", text.translate(_SPECIAL)).encode("ascii", "ignore").decode("ascii")
    return _SPACES.sub(" ", text).strip()


def fold_upper(text: str) -> str:
    """The form banks show an account holder in: 'Đặng Thị Hoà' → 'DANG THI HOA'."""
    return fold_ascii(text).upper()


def sort_key(text: str) -> tuple[str, str]:
    """Names in the order a Vietnamese reader looks for them: 'Chợ Đồng Văn' among the D's and
    'Chợ phiên …' among the P's (plain code-point order puts every Đ and lower case after Z)."""
    return fold_ascii(text).casefold(), text
