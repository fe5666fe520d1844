"""Payment-request references and finding them in transfer content. Pure module.

A reference is "CP" + 7 random characters + 1 check character, from upper-case letters and
digits without look-alikes (no 0/O, 1/I/L). Banks rewrite transfer content (upper-case it, fold
accents, prepend "MBVCB.3278907687." …, drop spaces and dots), so the content is normalised to
A–Z0–9 and searched anywhere. The check character turns a chance match in ordinary text into a
1-in-31 event, and the database lookup settles the rest.
"""

import re
import secrets

from ..common.textfold import fold_upper
from ..vietqr.check_code import ALPHABET

PREFIX = "CP"
RANDOM_LENGTH = 7
LENGTH = len(PREFIX) + RANDOM_LENGTH + 1
_CANDIDATE = re.compile(f"(?=({PREFIX}[{ALPHABET}]{{{RANDOM_LENGTH + 1}}}))")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def _check_char(body: str) -> str:
    total = sum((position + 1) * ALPHABET.index(char) for position, char in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_reference() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return PREFIX + body + _check_char(body)


def is_reference(text: str) -> bool:
    return (
        len(text) == LENGTH
        and text.startswith(PREFIX)
        and all(c in ALPHABET for c in text[2:])
        and _check_char(text[2:-1]) == text[-1]
    )


def normalise_content(content: str) -> str:
    """'MBVCB.3278907687.cp-7hk2 m9qx thanh toán' → 'MBVCB3278907687CP7HK2M9QXTHANHTOAN'."""
    return _NOT_ALNUM.sub("", fold_upper(content or ""))


def find_references(content: str) -> list[str]:
    """Every well-formed reference in the content, in order, without repeats."""
    found = []
    for match in _CANDIDATE.finditer(normalise_content(content)):
        candidate = match.group(1)
        if is_reference(candidate) and candidate not in found:
            found.append(candidate)
    return found
