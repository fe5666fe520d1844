"""The pulled records on disk, not in memory: a scratch SQLite file (stdlib sqlite3) that keeps
each record once by the partner's id, then writes them as our statement CSV's columns grouped by
account (each account's block framed by its opening and closing rows, without balances: an
aggregator's list carries no reliable balance chain). SQLite sorts on disk, so a day of any size
costs the memory of one page.

A record listed again with the same id (pages shift while new transactions arrive) is kept once;
the same id with other contents refuses the pull: the partner contradicts itself.
"""

import contextlib
import csv
import os
import sqlite3
import tempfile

from ..statement_file import COLUMNS
from .client import PullFailed
from .records import PulledRecord, RecordUnreadable


class Spool:
    def __init__(self, partner: str, max_records: int):
        self.partner, self.max_records = partner, max_records
        handle, self.path = tempfile.mkstemp(prefix="statement-pull-", suffix=".sqlite")
        os.close(handle)
        self.csv_path: str | None = None
        self.records = self.repeated = 0
        self._db = sqlite3.connect(self.path)
        self._db.execute(
            "CREATE TABLE record (record_id TEXT PRIMARY KEY, bank_reference TEXT, booked_at TEXT,"
            " account_number TEXT, bank_brand TEXT, direction TEXT, amount INTEGER, description TEXT)"
        )
        self._db.execute("CREATE TABLE bin (bank_brand TEXT, account_number TEXT, bin TEXT)")

    def add(self, record: PulledRecord):
        values = (
            record.record_id,
            record.bank_reference,
            record.booked_at,
            record.account_number,
            record.bank_brand,
            record.direction,
            record.amount,
            record.description,
        )
        inserted = self._db.execute("INSERT OR IGNORE INTO record VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values).rowcount
        if inserted:
            self.records += 1
            if self.records > self.max_records:
                raise PullFailed(
                    f"{self.partner} listed more than {self.max_records} transactions for one day; nothing was "
                    "reconciled (raise MARKET_PAY_STATEMENT_PULL_MAX_RECORDS if that is real)."
                )
            return
        earlier = self._db.execute("SELECT * FROM record WHERE record_id = ?", (record.record_id,)).fetchone()
        if tuple(earlier) != values:
            raise RecordUnreadable(self.partner, record.record_id, "listed twice with different contents")
        self.repeated += 1

    def accounts(self) -> list[tuple[str, str]]:
        """(bank brand as the partner names it, account number) of every record."""
        return self._db.execute("SELECT DISTINCT bank_brand, account_number FROM record ORDER BY 1, 2").fetchall()

    def write_statement(self, bins: dict) -> str:
        """The day as our statement CSV, `bins` mapping (brand, account) → BIN; returns its path."""
        self._db.executemany("INSERT INTO bin VALUES (?, ?, ?)", [(*key, value) for key, value in bins.items()])
        handle, self.csv_path = tempfile.mkstemp(prefix="statement-pull-", suffix=".csv")
        rows = self._db.execute(
            "SELECT bin.bin, r.account_number, r.record_id, r.bank_reference, r.booked_at, r.direction, r.amount,"
            " r.description FROM record r JOIN bin ON bin.bank_brand = r.bank_brand"
            " AND bin.account_number = r.account_number ORDER BY 1, 2, r.booked_at, r.record_id"
        )
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(COLUMNS)
            current = None
            for bin_code, number, record_id, reference, booked_at, direction, amount, description in rows:
                if (bin_code, number) != current:
                    if current is not None:
                        writer.writerow(["", "", "", *current, "closing", "", "", ""])
                    current = (bin_code, number)
                    writer.writerow(["", "", "", bin_code, number, "opening", "", "", ""])
                writer.writerow([record_id, reference, booked_at, bin_code, number, direction, amount, description, ""])
            if current is not None:
                writer.writerow(["", "", "", *current, "closing", "", "", ""])
        return self.csv_path

    def discard(self):
        self._db.close()
        for path in (self.path, self.csv_path):
            if path:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
