"""A payment request's payOS order code, and back. Pure module.

payOS identifies a payment link by the merchant's `orderCode`, a positive integer (at most
9007199254740991, a JavaScript safe integer). Our requests are known by their reference, "CP" and
eight characters of a 31-letter alphabet (payments/references.py), so the link made for request
CPxxxxxxxx carries orderCode = those eight characters read as a base-31 number: at most 31^8 − 1
(≈ 8.5 × 10^11), one code per reference and back, and nothing to store.
"""

from ...vietqr.check_code import ALPHABET

_PREFIX = "CP"
_DIGITS = 8
MAX_ORDER_CODE = len(ALPHABET) ** _DIGITS - 1


def order_code_for(reference: str) -> int:
    """The orderCode of the payOS link for this request's reference (ValueError if not one)."""
    body = reference[len(_PREFIX) :]
    if not reference.startswith(_PREFIX) or len(body) != _DIGITS or any(char not in ALPHABET for char in body):
        raise ValueError(f"not a payment reference: {reference!r}")
    code = 0
    for char in body:
        code = code * len(ALPHABET) + ALPHABET.index(char)
    return code


def reference_for(order_code: int) -> str:
    """The reference whose link carries this orderCode (ValueError outside the range)."""
    if isinstance(order_code, bool) or not 0 <= order_code <= MAX_ORDER_CODE:
        raise ValueError(f"not one of our order codes: {order_code!r}")
    chars = []
    for _ in range(_DIGITS):
        order_code, digit = divmod(order_code, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return _PREFIX + "".join(reversed(chars))
