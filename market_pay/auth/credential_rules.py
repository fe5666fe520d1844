"""Which PINs and staff passwords are refused as trivially guessable (pure: no Flask, no database).

A stall PIN is 6 to 12 digits and is refused when it is
- one digit repeated (000000, 111111) or any run with one constant step between digits, counted
  round the dial (123456, 654321, 567890, 098765, 135791, 246802);
- a short group repeated (121212, 123123, 505050);
- one of a short list of well-known PINs (keypad shapes such as 147258 and 159753, 112233, 123321…);
- any run of digits inside the account's own phone number (its last six digits, say).
Dates (ddmmyy, a birthday) are NOT refused: that would turn away about one PIN in thirty for a
guess that needs personal knowledge; the sign-in throttle bounds online guessing (docs/SECURITY.md).

A staff password has 10 to 200 characters, is not the username (ignoring case), has at least 4
different characters, and is not in a short built-in list of the most common passwords.
"""

import re
from itertools import pairwise

PIN_LENGTHS = (6, 12)
_DIGITS = re.compile(r"^\d+$")
COMMON_PINS = frozenset(
    {
        "112233",
        "223344",
        "332211",
        "123321",
        "321123",
        "111222",
        "222111",
        "999888",
        "888999",
        "000999",
        "147258",
        "258369",
        "147852",
        "159753",
        "159357",
        "357159",
        "951753",
        "753951",
        "147369",
        "369258",
        "123654",
        "456123",
        "789456",
        "654123",
        "123789",
        "102030",
        "010203",
        "112358",
        "314159",
        "271828",
        "11223344",
        "12344321",
        "147258369",
        "123456789",
        "987654321",
        "1234567890",
        "0987654321",
    }
)
COMMON_PASSWORDS = frozenset(
    {
        "password",
        "password1",
        "password12",
        "password123",
        "password1234",
        "passw0rd123",
        "p@ssw0rd123",
        "1234567890",
        "0123456789",
        "12345678910",
        "123456789a",
        "qwertyuiop",
        "qwerty1234",
        "qwerty12345",
        "asdfghjkl1",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "zaq12wsxcde",
        "abcdefghij",
        "abc1234567",
        "abcd123456",
        "iloveyou12",
        "admin12345",
        "admin123456",
        "administrator",
        "changeme123",
        "letmein123",
        "welcome123",
        "welcome1234",
        "matkhau123",
        "matkhau1234",
        "matkhau12345",
        "123456789mk",
        "anhyeuem123",
        "emyeuanh123",
        "vietnam123",
        "vietnam1234",
        "hanoi12345",
        "saigon1234",
        "market-pay",
        "marketpay123",
        "marketpay2026",
        "chodientu123",
    }
)


def _constant_step(pin: str) -> bool:
    steps = {(int(b) - int(a)) % 10 for a, b in pairwise(pin)}
    return len(steps) == 1


def _repeated_group(pin: str) -> bool:
    return any(len(pin) % size == 0 and pin[:size] * (len(pin) // size) == pin for size in range(1, len(pin) // 2 + 1))


def pin_problem(pin: str, phone: str | None = None) -> str | None:
    """Why this PIN is refused (a sentence for the user), or None when it is acceptable."""
    if not _DIGITS.match(pin) or not PIN_LENGTHS[0] <= len(pin) <= PIN_LENGTHS[1]:
        return "A PIN is 6 to 12 digits."
    if _constant_step(pin) or _repeated_group(pin) or pin in COMMON_PINS:
        return "This PIN is too easy to guess (a run, a repeat or a well-known PIN); choose another."
    phone_digits = re.sub(r"\D", "", phone or "")
    if phone_digits and (pin in phone_digits or pin in "0" + phone_digits[-9:]):
        return "A PIN must not be taken from the phone number; choose another."
    return None


def password_problem(password: str, username: str) -> str | None:
    """Why this staff password is refused, or None when it is acceptable."""
    if len(password) < 10:
        return "Staff passwords need at least 10 characters."
    if len(password) > 200:
        return "Staff passwords have at most 200 characters."
    lowered = password.lower()
    if lowered == username.lower() or lowered.strip() == username.lower().strip():
        return "The password must not be the username."
    if len(set(lowered)) < 4:
        return "The password repeats too few characters; choose another."
    if lowered in COMMON_PASSWORDS:
        return "This password is among the most common ones; choose another."
    return None
