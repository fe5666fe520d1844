"""SWIFT MT940 (customer statement), read one statement at a time: its common shape by
mt940_fast.py, anything else by the `mt-940` library (the reference parser).

A file holds one or more statements (each from `:20:` to its `:62F:`/`:62M:` and the `-` that
ends the message; SWIFT envelopes `{1:…}{2:…}{4:` are skipped). Only one statement is held in
memory at a time, so a file of a million lines costs what its largest account-day costs.

Mapping: `:25:` is the account ("970436/0011001234567" gives BIN and number; a bare number is
completed by --account), `:60F:`/`:60M:` the opening and `:62F:`/`:62M:` the closing balance,
each `:61:` a line (C and RD credit the account, D and RC debit it; its booking date, else its
value date — MT940 has no time of day; its bank reference after `//`, else the customer
reference unless NONREF), the `:86:` after it the content. MT940 carries no partner transaction
id: lines are matched by money (docs/STATEMENTS.md).
"""

import re

import mt940

from ..statement_file import StatementUnreadable
from . import mt940_fast
from .common import dong, resolve_account, row, split_account

UNIT = "line"
_ENVELOPE = re.compile(r"^\{[0-9]:[^}]*\}")


def _strip_envelope(text: str) -> str:
    """The line without SWIFT's {1:…}{2:…} blocks and the {4: that opens the message text."""
    stripped = text.strip()
    if not stripped.startswith("{"):  # every line but a message's first: no regex for them
        return stripped
    while _ENVELOPE.match(stripped):
        stripped = _ENVELOPE.sub("", stripped, count=1).strip()
    return stripped[3:].strip() if stripped.startswith("{4:") else stripped


def looks_like(head: str) -> bool:
    """Tags at the start of lines only: a CSV's times ("05:00:20+07:00") hold ":20:" too."""
    lines = [_strip_envelope(line) for line in head.splitlines()]
    return any(line.startswith(":20:") for line in lines) and any(
        line.startswith((":25:", ":60F:", ":60M:")) for line in lines
    )


def _statements(handle):
    """(first line number, [(line number, text)]) per statement, streaming."""
    block: list[tuple[int, str]] = []
    start = 0
    for number, raw in enumerate(handle, start=1):
        text = raw.rstrip("\r\n")
        stripped = _strip_envelope(text)
        if stripped in ("", "-", "-}", "}"):
            if stripped.startswith("-") and block:
                yield start, block
                block = []
            continue
        if stripped.startswith(":20:") and block:
            yield start, block
            block = []
        if not block:
            start = number
        block.append((number, stripped))
    if block:
        yield start, block


def _unreadable(number, message):
    return StatementUnreadable(
        "The MT940 file cannot be read; nothing was reconciled.", {f"{UNIT} {number}": [message]}
    )


def read(path, account=None):
    """Normalized rows (see common.py) with their line numbers."""
    with open(path, encoding="utf-8-sig", errors="strict", newline="") as handle:
        try:
            for start, block in _statements(handle):
                yield from _statement(start, block, account)
        except UnicodeDecodeError:
            raise StatementUnreadable("The MT940 file is not UTF-8 (or ASCII) text.") from None


def _statement(start, block, account):
    """The common shape by the fast reader, anything else by the library (mt940_fast.py)."""
    rows = mt940_fast.statement(start, block, account)
    if rows is not None:
        return rows
    return _library_statement(start, block, account)


def _library_statement(start, block, account):
    """The `mt-940` library's reading: the reference, and the reader of every unusual statement."""
    text = "\n".join(line for _, line in block) + "\n"
    line_numbers = [number for number, line in block if line.startswith(":61:")]
    try:
        parsed = mt940.parse(text)
    except Exception as error:  # noqa: BLE001 (the library raises what its regexes and dates raise)
        raise _unreadable(start, f"This statement does not parse as MT940: {error}") from None
    data = parsed.data
    if "account_identification" not in data:
        raise _unreadable(start, "The statement has no :25: account identification.")
    bin_code, number = resolve_account(*split_account(data["account_identification"]), account, f"{UNIT} {start}")
    opening, closing = (
        data.get("final_opening_balance") or data.get("intermediate_opening_balance"),
        data.get("final_closing_balance") or data.get("intermediate_closing_balance"),
    )
    if opening is None or closing is None:
        raise _unreadable(start, "The statement needs its opening (:60F:/:60M:) and closing (:62F:/:62M:) balance.")
    if len(parsed.transactions) != len(line_numbers):
        raise _unreadable(start, f"{len(line_numbers)} :61: lines, {len(parsed.transactions)} understood.")
    for balance, where in ((opening, start), (closing, block[-1][0])):
        if balance.amount.currency != "VND":
            raise _unreadable(where, f"A balance in {balance.amount.currency}; only VND statements are reconciled.")
    yield start, row(bin_code=bin_code, account=number, direction="opening", balance=dong(opening.amount.amount))
    for line_number, transaction in zip(line_numbers, parsed.transactions, strict=True):
        item = transaction.data
        amount = item["amount"]
        if amount.currency != "VND":
            raise _unreadable(line_number, f"A line in {amount.currency}; only VND statements are reconciled.")
        status = item.get("status", "")
        direction = "in" if status in ("C", "RD") else "out"
        reference = item.get("bank_reference") or ""
        if not reference and (item.get("customer_reference") or "NONREF").upper() != "NONREF":
            reference = item["customer_reference"]
        day = item.get("entry_date") or item.get("date")
        value = dong(abs(amount.amount))
        description = " ".join((item.get("transaction_details") or "").split())
        yield (
            line_number,
            row(
                "",
                reference,
                day.isoformat() if day else "",
                bin_code,
                number,
                direction,
                value if value is not None else str(amount.amount),
                description,
            ),
        )
    yield block[-1][0], row(bin_code=bin_code, account=number, direction="closing", balance=dong(closing.amount.amount))
