"""The bank's statement CSV for the simulated day (the file reconciliation reads).

The format is reconciliation/statement_file.py's (its docstring and the README describe it):
the columns below, and each account's balances as rows of their own — direction `opening` before
its first line and `closing` after its last, the balance in balance_after, no transaction id.
"""
import csv
import random
from collections import defaultdict

from ..reconciliation.statement_file import COLUMNS



def write_statement(path: str, lines: list, rng: random.Random):
    by_account = defaultdict(list)
    for line in lines:
        by_account[(line.bin, line.account_number)].append(line)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for (bin_code, account_number), account_lines in sorted(by_account.items()):
            balance = rng.randint(0, 50) * 100_000
            writer.writerow(["", "", "", bin_code, account_number, "opening", 0, "", balance])
            for line in sorted(account_lines, key=lambda item: (item.booked_at, item.transaction_id)):
                balance += line.amount if line.direction == "in" else -line.amount
                writer.writerow([line.transaction_id, line.bank_reference, line.booked_at.isoformat(), bin_code,
                                 account_number, line.direction, line.amount, line.description, balance])
            writer.writerow(["", "", "", bin_code, account_number, "closing", 0, "", balance])
