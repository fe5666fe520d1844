"""The bank statement CSV: its format, and the checking pass that reads it once, streaming.

Format (the simulator writes it; README "Bank statement file"): a header row with COLUMNS, then
rows in any order of accounts. Each account's block is framed by two balance rows of its own —
direction `opening` before its first line and `closing` after its last — carrying the balance in
`balance_after` and nothing in transaction_id/bank_reference/booked_at. Between them, one row per
booked line: direction `in` or `out`, amount in whole đồng (digits only), booked_at in ISO 8601
(a time without an offset is Vietnam time), and the account's balance after the line.

check_statement() validates every row and follows each account's balance chain without keeping
the file in memory: what it keeps per account is a few numbers and the set of transaction ids of
the account's open block (for duplicate lines), so memory grows with the largest account's day,
not with the file.
"""

import contextlib
import csv
import hashlib
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..common.money import AMOUNT_TOO_LARGE, MAX_LINE_AMOUNT

COLUMNS = [
    "transaction_id",
    "bank_reference",
    "booked_at",
    "bin",
    "account_number",
    "direction",
    "amount",
    "description",
    "balance_after",
]
LINE_DIRECTIONS = ("in", "out")
BALANCE_DIRECTIONS = ("opening", "closing")
MAX_REPORTED_ROWS = 100  # a hopeless file does not need a million error lines
_DIGITS = re.compile(r"-?[0-9]{1,18}")
_BIN = re.compile(r"[0-9]{6}")
_ACCOUNT = re.compile(r"[0-9A-Za-z]{4,19}")


class StatementUnreadable(Exception):  # not "...Error": callers catch it by this name
    """The file cannot be read as a statement at all (encoding, header)."""

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message, self.errors = message, errors or {}


@dataclass(slots=True)
class StatementLine:
    row: int
    transaction_id: str
    bank_reference: str
    booked_at: datetime  # aware
    bin: str
    account_number: str
    direction: str
    amount: int
    description: str
    balance_after: int | None  # None: the format gives no balance per line (MT940, camt)
    date_only: bool = False  # the format gives the booking day only: "some time that day"

    @property
    def account(self) -> tuple[str, str]:
        return self.bin, self.account_number


@dataclass
class AccountCheck:
    """One account's block: its balances, sums, and the first thing wrong with its chain."""

    bin: str
    account_number: str
    opening: int | None = None
    balance: int = 0
    credits: int = 0
    debits: int = 0
    lines: int = 0
    closing: int | None = None
    closed: bool = False
    broken: dict | None = None  # {"row": n, "problem": code, ...} → the message parameters
    open_ids: set = field(default_factory=set)
    opening_row: int = 0
    closing_row: int = 0

    def break_chain(self, **detail):
        if self.broken is None:
            self.broken = detail


@dataclass
class StatementCheck:
    sha256: str = ""
    lines: int = 0
    accounts: dict = field(default_factory=dict)  # (bin, account_number) → AccountCheck
    duplicate_rows: set = field(default_factory=set)
    errors: dict = field(default_factory=dict)  # "row N" → {column: [messages]}
    error_rows: int = 0
    dates: Counter = field(default_factory=Counter)
    first_row_of_date: dict = field(default_factory=dict)
    statement_date: date | None = None
    # The latest moment any line can have been booked (a day-only line: its day's end) and its row:
    # a region staff member's file may not list a line the bank has not booked yet
    # (services._require_booked).
    last_booked: datetime | None = None
    last_booked_row: int = 0
    format: str = "csv"  # formats/__init__.py
    unit: str = "row"  # what the file's numbers count: CSV and XLSX rows, MT940 and XML lines
    ids: bool = True  # whether lines carry the partner's transaction id (our CSV, a pulled day)
    balances: bool = True  # whether every line must carry its balance (only our CSV)
    account: tuple | None = None  # (BIN, number) given for a single-account file
    camt_schema: str | None = None
    # Formats other than our CSV are parsed once: the checking pass spools their normalized rows
    # to this scratch file, which the classification passes read at CSV speed (discard() removes it).
    normalized_path: str | None = None

    def discard(self):
        if self.normalized_path:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.normalized_path)
            self.normalized_path = None

    def error(self, row: int, column: str, message: str):
        key = f"{self.unit} {row}"
        if key not in self.errors:
            self.error_rows += 1
            if len(self.errors) >= MAX_REPORTED_ROWS:
                return
            self.errors[key] = {}
        self.errors[key].setdefault(column, []).append(message)


def file_sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def open_csv_rows(path):
    """(row number, [the COLUMNS' values in COLUMNS order] or None for a short/long row) for every
    data row; the header is row 1. csv.reader, not DictReader: a dict per row costs more than the
    rest of the check on a million-line file."""
    handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 (closed when the rows are read)
    reader = csv.reader(handle)
    try:
        header = next(reader, [])
    except (UnicodeDecodeError, csv.Error) as error:
        handle.close()
        raise _unreadable(error) from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        handle.close()
        raise StatementUnreadable(
            "The statement's header is incomplete.", {"header": [f"Missing column: {c}" for c in missing]}
        )
    positions = [header.index(c) for c in COLUMNS]
    width = len(header)
    in_order = positions == list(range(len(COLUMNS)))

    def rows():
        with handle:
            try:
                for number, row in enumerate(reader, start=2):
                    if len(row) != width:
                        yield number, None
                    else:
                        yield number, (row[: len(COLUMNS)] if in_order else [row[i] for i in positions])
            except (UnicodeDecodeError, csv.Error) as error:
                raise _unreadable(error, reader.line_num) from None

    return rows()


def _unreadable(error, row=None) -> StatementUnreadable:
    if isinstance(error, UnicodeDecodeError):
        return StatementUnreadable("The file is not UTF-8 text; export the statement as CSV UTF-8.")
    where = f"row {row}" if row else "header"
    return StatementUnreadable("The file is not a readable CSV; nothing was reconciled.", {where: [str(error)]})


def _integer(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if _DIGITS.fullmatch(text) else None


def _booked_at(text: str, zone: ZoneInfo) -> datetime | None:
    try:
        moment = datetime.fromisoformat((text or "").strip())
    except ValueError:
        return None
    # Year 1 or 9999 parses, then overflows when moved to UTC or matched across ±1 day (a 500):
    # no bank books a line outside these years, so it is a bad row like any unreadable time.
    if not 1900 <= moment.year <= 2199:
        return None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def parse_row(number: int, row: list | None, zone: ZoneInfo, check: StatementCheck):
    """A StatementLine, ("opening"|"closing", bin, account, balance), or None when the row is bad
    (its errors are recorded on `check`)."""
    if row is None:
        check.error(number, "row", f"Expected the header's {len(COLUMNS)} or more columns, as many as it has.")
        return None
    transaction_id, reference, booked_text, bin_code, account, direction, amount_text, description, balance_text = row
    bin_code, account, direction = bin_code.strip(), account.strip(), direction.strip()
    balance = _integer(balance_text)
    ok = True
    optional_balance = not check.balances and not (balance_text or "").strip()
    if not _BIN.fullmatch(bin_code):
        check.error(number, "bin", "Six digits (the bank's BIN).")
        ok = False
    if not _ACCOUNT.fullmatch(account):
        check.error(number, "account_number", "4 to 19 letters or digits.")
        ok = False
    if balance is None and not optional_balance:
        check.error(number, "balance_after", "A whole number of đồng, digits only.")
        ok = False
    if direction in BALANCE_DIRECTIONS:
        return (direction, bin_code, account, balance) if ok else None
    if direction == "both":
        check.error(number, "amount", "A debit and a credit on one row: one of them only.")
        return None
    if direction not in LINE_DIRECTIONS:
        check.error(number, "direction", "One of: in, out, opening, closing.")
        return None
    transaction_id, reference = transaction_id.strip(), reference.strip()
    if not transaction_id and not check.ids:
        pass  # matched by money (classify.py)
    elif not 1 <= len(transaction_id) <= 200 or "\x00" in transaction_id:  # (PostgreSQL text holds no NUL)
        check.error(number, "transaction_id", "Required, at most 200 characters, no NUL.")
        ok = False
    if not 1 <= len(reference) <= 100 or "\x00" in reference:
        check.error(number, "bank_reference", "Required, at most 100 characters, no NUL.")
        ok = False
    amount = _integer(amount_text)
    if amount is None or amount <= 0:
        check.error(number, "amount", "A positive whole number of đồng, digits only (1250000).")
        ok = False
    elif amount > MAX_LINE_AMOUNT:
        check.error(number, "amount", AMOUNT_TOO_LARGE)
        ok = False
    booked_at = _booked_at(booked_text, zone)
    date_only = len((booked_text or "").strip()) == 10
    if booked_at is None:
        check.error(
            number,
            "booked_at",
            "A day as dd/mm/yyyy (a time may follow) or a date cell."
            if (check.format or "").startswith("xlsx")
            else "An ISO 8601 time, e.g. 2026-11-22T09:15:00+07:00 (or a day, 2026-11-22).",
        )
        ok = False
    if "\x00" in description or len(description) > 1000:
        check.error(number, "description", "At most 1000 characters, no NUL.")
        ok = False
    if not ok or booked_at is None or amount is None:  # (either None made ok False; a balance may be absent)
        return None
    return StatementLine(
        number,
        transaction_id,
        reference,
        booked_at.astimezone(UTC),
        bin_code,
        account,
        direction,
        amount,
        description,
        balance,
        date_only,
    )


def _follow_chain(number: int, parsed, check: StatementCheck, zone: ZoneInfo):
    if isinstance(parsed, tuple):
        kind, bin_code, account_number, balance = parsed
        account = check.accounts.get((bin_code, account_number))
        if kind == "opening":
            if account is not None:
                check.error(number, "direction", f"A second opening row for account {account_number}.")
                return
            check.accounts[(bin_code, account_number)] = AccountCheck(
                bin_code, account_number, opening=balance, balance=balance, opening_row=number
            )
            return
        if account is None or account.closed:
            check.error(number, "direction", f"A closing row for account {account_number} without its opening row.")
            return
        account.closed, account.closing, account.open_ids = True, balance, set()
        account.closing_row = number
        if balance is not None and account.opening is not None and balance != account.balance:
            account.break_chain(
                row=number,
                problem="closing",
                opening=account.opening,
                credits=account.credits,
                debits=account.debits,
                expected=account.balance,
                closing=balance,
            )
        return
    line = parsed
    account = check.accounts.get(line.account)
    if account is None or account.closed:
        check.error(
            number, "direction", f"A line for account {line.account_number} outside its opening and closing rows."
        )
        return
    check.lines += 1
    # A day-only line (MT940, a date-only camt or XLSX line) may stand for any time that day: the
    # latest it can have been booked is the day's end.
    latest = line.booked_at + timedelta(days=1) if line.date_only else line.booked_at
    if check.last_booked is None or latest > check.last_booked:
        check.last_booked, check.last_booked_row = latest, number
    local_day = line.booked_at.astimezone(zone).date()
    check.dates[local_day] += 1
    check.first_row_of_date.setdefault(local_day, number)
    # Listed twice, moved money once: the same id, or (without ids) the same money key.
    key = line.transaction_id or (line.bank_reference, line.amount, line.direction)
    if key in account.open_ids:
        check.duplicate_rows.add(number)
        return
    account.open_ids.add(key)
    account.lines += 1
    if account.opening is None:
        # No opening balance in the file (some exports): the first line's balance starts the chain.
        if line.balance_after is not None:
            account.opening = account.balance = line.balance_after + (
                line.amount if line.direction == "out" else -line.amount
            )
        else:
            account.credits += line.amount if line.direction == "in" else 0
            account.debits += line.amount if line.direction == "out" else 0
            return
    if line.direction == "in":
        account.credits += line.amount
        account.balance += line.amount
    else:
        account.debits += line.amount
        account.balance -= line.amount
    if line.balance_after is not None and line.balance_after != account.balance:
        account.break_chain(row=number, problem="line", expected=account.balance, found=line.balance_after)
        account.balance = line.balance_after


def _rows(path, check: StatementCheck):
    from .formats import carries_balances, carries_ids, open_rows

    check.ids = carries_ids(check.format)
    check.balances = carries_balances(check.format)
    rows, check.unit = open_rows(path, check.format, check.account, check.camt_schema)
    return rows


def check_statement(
    path,
    zone: ZoneInfo,
    statement_date: date | None = None,
    statement_format: str | None = None,
    account: tuple | None = None,
    camt_schema: str | None = None,
) -> StatementCheck:
    """Read the whole file once. Row errors are collected on the result (nothing is raised for
    them); StatementUnreadable is raised when there is no statement to speak of. The format is
    found from the content unless given; `account` (BIN, number) completes a single-account file."""
    from .formats import detect, read_as_csv

    check = StatementCheck(
        sha256=file_sha256(path),
        format=detect(path) if statement_format is None else statement_format,
        account=account,
        camt_schema=camt_schema,
    )
    rows = _rows(path, check)
    spool = writer = None
    if not read_as_csv(check.format):
        handle, check.normalized_path = tempfile.mkstemp(prefix="statement-rows-", suffix=".csv")
        spool = os.fdopen(handle, "w", newline="", encoding="utf-8")
        writer = csv.writer(spool)
    try:
        for number, row in rows:
            if writer is not None:
                writer.writerow([number, *row])
            parsed = parse_row(number, row, zone, check)
            if parsed is not None:
                _follow_chain(number, parsed, check, zone)
    except BaseException:
        check.discard()
        raise
    finally:
        if spool is not None:
            spool.close()
    for account_check in check.accounts.values():
        if not account_check.closed:
            check.error(1, "file", f"Account {account_check.account_number} has an opening row but no closing row.")
    if not check.accounts and not check.errors:
        check.error(1, "file", "The statement has no accounts (no opening row).")
    check.statement_date = statement_date or (check.dates.most_common(1)[0][0] if check.dates else None)
    if check.statement_date is None and check.accounts:
        check.error(1, "file", "The statement has no lines; give its day with --date / date.")
    for day, count in sorted(check.dates.items()):
        if check.statement_date and abs((day - check.statement_date).days) > 1:
            check.error(
                check.first_row_of_date[day],
                "booked_at",
                f"{count} line(s) booked on {day:%d/%m/%Y}, more than a day away from the statement's "
                f"day {check.statement_date:%d/%m/%Y}.",
            )
    if check.errors:
        check.discard()
    return check


def _spooled_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            yield int(row[0]), row[1:]


def read_lines(path, zone: ZoneInfo, check: StatementCheck | None = None):
    """The statement's lines (not balance rows), in file order, for a file check_statement passed."""
    scratch = StatementCheck(
        format=check.format if check else "csv",
        account=check.account if check else None,
        camt_schema=check.camt_schema if check else None,
        ids=check.ids if check else True,
        balances=check.balances if check else True,
    )
    rows = _spooled_rows(check.normalized_path) if check and check.normalized_path else _rows(path, scratch)
    for number, row in rows:
        parsed = parse_row(number, row, zone, scratch)
        if isinstance(parsed, StatementLine):
            yield parsed


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time(), zone)
    return start, start + timedelta(days=1)
