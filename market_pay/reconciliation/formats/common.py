"""What every statement reader shares: the normalized row it yields, and the small conversions.

A reader turns its format into the rows statement_file.py checks, in COLUMNS order and as text
(so one validator serves every format and a bad value is named the same way whatever the file):

    transaction_id, bank_reference, booked_at, bin, account_number, direction, amount, description,
    balance_after

framed per account by an `opening` and a `closing` row. A format without the partner's transaction
id leaves it empty; one without per-line balances leaves balance_after empty; a booking day without
a time is written as a bare date ("2026-11-21"), which the matcher reads as "some time that day".
"""

import re
from decimal import Decimal, InvalidOperation

from ..statement_file import StatementUnreadable

_BIN = re.compile(r"[0-9]{6}")
# Far beyond any amount (MAX_LINE_AMOUNT, 64 bits) yet small enough to build: a file's "1e999999999"
# must be a named refusal, not an integer of a billion digits (or int→str's ValueError, a 500).
MAX_DIGITS = 30


def row(
    transaction_id="",
    reference="",
    booked_at="",
    bin_code="",
    account="",
    direction="",
    amount="",
    description="",
    balance="",
) -> list:
    return [
        transaction_id,
        reference,
        booked_at,
        bin_code,
        account,
        direction,
        "" if amount is None else str(amount),
        description,
        "" if balance is None else str(balance),
    ]


def dong(value) -> str | None:
    """A whole number of đồng as digits, from a Decimal, a number or a bank's text ("18067000.00",
    "1.250.000", "1,250,000"); None when it is not a whole amount (đồng have no fractions)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else None
    if isinstance(value, str) and value.isdigit() and value.isascii() and len(value) < MAX_DIGITS:
        return str(int(value))  # the common case, a million times per file: no Decimal for it
    if not isinstance(value, Decimal):
        text = str(value).strip().replace(" ", "").replace("\u00a0", "")
        if re.fullmatch(r"-?[0-9]{1,3}([.,][0-9]{3})+", text):  # thousands separators, no decimals
            text = text.replace(".", "").replace(",", "")
        else:
            text = text.replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation:
            return None
    if not value.is_finite() or value.adjusted() >= MAX_DIGITS or value != value.to_integral_value():
        return None
    return str(int(value))


def split_account(text: str) -> tuple[str | None, str]:
    """ "970436/0011001234567" → (BIN, number); "0011001234567" → (None, number)."""
    text = (text or "").strip().replace(" ", "")
    if "/" in text:
        head, _, tail = text.partition("/")
        if _BIN.fullmatch(head):
            return head, tail
    return None, text


def resolve_account(found_bin, found_number, given, where: str) -> tuple[str, str]:
    """The account of a single-account block: what the file says, completed (or checked) by the
    account given on the command line or in the upload (BIN/NUMBER)."""
    given_bin, given_number = given if given else (None, None)
    number = found_number or given_number
    bin_code = found_bin or given_bin
    if found_number and given_number and found_number != given_number:
        raise StatementUnreadable(
            "The file is for another account than the one given.",
            {where: [f"The file says account {found_number}; --account / account says {given_number}."]},
        )
    if found_bin and given_bin and found_bin != given_bin:
        raise StatementUnreadable(
            "The file is for another bank than the one given.",
            {where: [f"The file says BIN {found_bin}; --account / account says {given_bin}."]},
        )
    if not number or not bin_code:
        raise StatementUnreadable(
            "The file does not say which account it is for; give it as BIN/NUMBER "
            "(--account, or the upload's 'account' field).",
            {where: ["No account (BIN and number) in the file."]},
        )
    return bin_code, number
