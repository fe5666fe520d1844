"""Fold Vietnamese text to plain ASCII (bank apps and VietQR fields accept no diacritics)."""
import re
import unicodedata

# Đ/đ is a letter of its own, not D plus a combining mark, so NFD leaves it alone.
_SPECIAL = str.maketrans({"Đ": "D", "đ": "d"})
_SPACES = re.compile(r"\s+")


def fold_ascii(text: str) -> str:
    """'Đặng Thị Hoà' → 'Dang Thi Hoa'; whitespace collapsed, anything non-ASCII dropped."""
    decomposed = unicodedata.normalize("NFD", text.translate(_SPECIAL))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    ascii_only = stripped.encode("ascii", "ignore").decode("ascii")
    return _SPACES.sub(" ", ascii_only).strip()


def fold_upper(text: str) -> str:
    """The form banks show an account holder in: 'Đặng Thị Hoà' → 'DANG THI HOA'."""
    return fold_ascii(text).upper()
