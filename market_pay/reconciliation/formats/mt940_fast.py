"""MT940's common shape read with one compiled regex per line; the `mt-940` library stays the
reference parser and reads every statement this module does not fully take.

Why: the library builds a dozen objects per `:61:` (its tag dispatch, processors, Decimal and
date models) and cost ≈ 9× our CSV reader per line (BENCHMARKS.md, issue 24). Real statements are
overwhelmingly one shape, so that shape is read here, and anything else — an unknown or repeated
tag, a continuation line where none is expected, lowercase marks, a non-VND balance, an
impossible date, a fraction of a đồng, a structured `:86:` (`123?00…`), a reference longer than
the SWIFT fields — returns None, and mt940.py hands the statement to the library, whose answer
(rows or error) is the reference. tests/reconciliation/test_mt940_fast.py checks, on generated
statements and on the fixtures, that both give identical rows.

Taken: `:20:`, `:25:` (≤ 35 characters), an optional `:28C:` n[/n], `:60F:`/`:60M:`, then any
number of `:61:` each followed by at most one `:86:` (with continuation lines), `:62F:`/`:62M:`,
optionally `:64:` and `:65:` balances. The `:61:` must carry its 4-character transaction type
(`NTRF`…): without it the library's optional groups can split the line differently.
"""

import datetime
import re

from ..statement_file import StatementUnreadable
from .common import resolve_account, split_account

# Anchored (fullmatch) subsets of the library's own patterns (mt940/tags.py), same group order
# and greediness, without its IGNORECASE: every line taken here splits as the library splits it.
_BALANCE = re.compile(r"([DC])([0-9]{2})([0-9]{2})([0-9]{2})VND([0-9,]{1,16})")
_LINE = re.compile(
    r"([0-9]{2})([0-9]{2})([0-9]{2})"  # value date YYMMDD
    r"(?:([0-9]{2})([0-9]{2}))?"  # entry date MMDD
    r"(R?[DC])"  # mark: C, D, RC, RD
    r"(?:[A-Z])?"  # funds code
    r"([0-9,]{1,15})"  # amount
    r"[A-Z][A-Z0-9]{3}"  # transaction type (required here, optional in the library)
    r"((?:(?!//)[^\n]){0,16})"  # customer reference
    r"(?://(.{0,23}))?"  # bank reference
)
_STATEMENT_NUMBER = re.compile(r"[0-9]{1,5}(?:/[0-9]{1,5})?")
_STRUCTURED_DETAILS = re.compile(r"\d{3}\?\d{2}")  # the library parses these :86: into sub-fields
# The library cuts an :86: longer than nine 65-character chunks (its 5.0.0 cap); up to this length
# nothing is cut, beyond it the library decides.
_UNCUT_DETAILS = 9 * 65
_YEAR_BOUNDARY_DAYS = 330  # the library's rule for an entry date across a year end (tags.py)
_OPENING = (":60F:", ":60M:")
_CLOSING = (":62F:", ":62M:")


class _NotTaken(Exception):
    """This statement is not the common shape: the library reads it."""


def statement(start: int, block: list, account) -> list | None:
    """The statement's (line number, normalized row) pairs, or None for the library to read it.

    `block` is [(line number, stripped line)] from `:20:` to the line before the `-` that ends it.
    """
    try:
        return _read(start, block, account)
    except _NotTaken:
        return None


def _balance(text: str) -> int:
    match = _BALANCE.fullmatch(text.strip())
    if match is None:
        raise _NotTaken
    mark, year, month, day, amount = match.groups()
    _date(year, month, day)  # the library refuses an impossible date: so does this reader, by it
    value = _whole(amount)
    return -value if mark == "D" else value


def _whole(amount: str) -> int:
    """Exact đồng from "1234," / "1234,00" / "1234"; a fraction of a đồng is for the library."""
    whole, _, fraction = amount.partition(",")
    if not whole or "," in fraction or fraction.strip("0"):
        raise _NotTaken
    return int(whole)


def _date(year: str, month: str, day: str) -> datetime.date:
    try:
        return datetime.date(2000 + int(year), int(month), int(day))
    except ValueError:
        raise _NotTaken from None  # (the library moves 30/02 to the month's end, or refuses)


def _booking_day(year, month, day, entry_month, entry_day) -> str:
    """The entry date (its year from the value date, across a year end as the library does), else
    the value date — MT940 has no time of day."""
    value_date = _date(year, month, day)
    if entry_month is None:
        return value_date.isoformat()
    entry = _date(str(value_date.year - 2000), entry_month, entry_day)
    if value_date > entry and (value_date - entry).days >= _YEAR_BOUNDARY_DAYS:
        entry = _date(str(entry.year + 1 - 2000), entry_month, entry_day)
    elif entry > value_date and (entry - value_date).days >= _YEAR_BOUNDARY_DAYS:
        entry = _date(str(entry.year - 1 - 2000), entry_month, entry_day)
    return entry.isoformat()


def _details(lines: list) -> str:
    text = "\n".join(lines).strip()
    if len(text) > _UNCUT_DETAILS:
        raise _NotTaken
    if text[:1].isdigit():  # only then can it be structured; the library's own test, exactly:
        joined = "".join(part.strip("\n\r") for part in text.splitlines())
        if _STRUCTURED_DETAILS.match(joined):
            raise _NotTaken
    return " ".join(text.split())


def _read(start: int, block: list, account) -> list:
    count = len(block)
    if count < 4 or not block[0][1].startswith(":20:"):
        raise _NotTaken
    index = 1
    if block[index][1].startswith(":25:"):
        identification = block[index][1][4:].strip()
    else:
        raise _NotTaken
    if len(identification) > 35:
        raise _NotTaken
    index += 1
    if block[index][1].startswith(":28C:"):
        if not _STATEMENT_NUMBER.fullmatch(block[index][1][5:].strip()):
            raise _NotTaken
        index += 1
    if index >= count or not block[index][1].startswith(_OPENING):
        raise _NotTaken
    opening = _balance(block[index][1][5:])
    index += 1
    try:
        bin_code, number = resolve_account(*split_account(identification), account, f"line {start}")
    except StatementUnreadable:
        raise _NotTaken from None  # the library's reading names the problem (and anything else first)
    rows: list = [(start, ["", "", "", bin_code, number, "opening", "", "", str(opening)])]
    days: dict = {}  # the same few dates on every line: each turned into text once
    while index < count and block[index][1].startswith(":61:"):
        line_number, text = block[index]
        match = _LINE.fullmatch(text[4:].strip())
        if match is None:
            raise _NotTaken
        year, month, day, entry_month, entry_day, mark, amount, customer_reference, bank_reference = match.groups()
        key = (year, month, day, entry_month, entry_day)
        booked = days.get(key)
        if booked is None:
            booked = days[key] = _booking_day(*key)
        reference = bank_reference or ""
        if not reference and (customer_reference or "NONREF").upper() != "NONREF":
            reference = customer_reference
        index += 1
        description = ""
        if index < count and block[index][1].startswith(":86:"):
            details = [block[index][1][4:]]
            index += 1
            while index < count and not block[index][1].startswith(":"):
                details.append(block[index][1])
                index += 1
            description = _details(details)
        direction = "in" if mark in ("C", "RD") else "out"
        rows.append(
            (
                line_number,
                ["", reference, booked, bin_code, number, direction, str(_whole(amount)), description, ""],
            )
        )
    if index >= count or not block[index][1].startswith(_CLOSING):
        raise _NotTaken
    closing = _balance(block[index][1][5:])
    index += 1
    for prefix in (":64:", ":65:"):  # available balances: checked as the library checks them, unused
        while index < count and block[index][1].startswith(prefix):
            _balance(block[index][1][4:])
            index += 1
    if index != count:
        raise _NotTaken
    rows.append((block[-1][0], ["", "", "", bin_code, number, "closing", "", "", str(closing)]))
    return rows
