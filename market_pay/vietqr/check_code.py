"""check_code(): a short code derived from a stall account's registered payload. Pure module.

Printed on the stall card and shown by /verify, so a vendor can see at a glance that the card on
the stall is theirs. Derived from the payload alone (no secret), so rotating secrets never
invalidates laminated cards.
"""

import hashlib

# Upper-case letters and digits without look-alikes (0/O, 1/I/L): easy to read aloud.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 5


def check_code(payload: str) -> str:
    digest = int.from_bytes(hashlib.sha256(payload.upper().encode()).digest()[:8], "big")
    chars = []
    for _ in range(LENGTH):
        digest, index = divmod(digest, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)
