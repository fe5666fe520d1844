"""Writing statement files for tests: accounts' blocks with the balance chain filled in."""

import csv

from market_pay.reconciliation.statement_file import COLUMNS


def line(txn_id, reference, booked_at, amount, direction="in", description="chuyen tien", balance_after=None):
    return {
        "transaction_id": txn_id,
        "bank_reference": reference,
        "booked_at": booked_at,
        "amount": amount,
        "direction": direction,
        "description": description,
        "balance_after": balance_after,
    }


def write_statement(path, blocks, repeat_rows=()):
    """blocks: [(bin, account, opening, [line...], closing-or-None)]. A line's balance_after is
    computed unless given; a closing of None is the true one. `repeat_rows`: transaction ids the
    bank lists twice (the repeat does not move the balance)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        for bin_code, account, opening, lines, closing in blocks:
            blank = {"transaction_id": "", "bank_reference": "", "booked_at": "", "amount": 0, "description": ""}
            writer.writerow(
                {**blank, "bin": bin_code, "account_number": account, "direction": "opening", "balance_after": opening}
            )
            balance = opening
            for item in lines:
                balance += item["amount"] if item["direction"] == "in" else -item["amount"]
                row = {
                    **item,
                    "bin": bin_code,
                    "account_number": account,
                    "balance_after": item["balance_after"] if item["balance_after"] is not None else balance,
                }
                writer.writerow(row)
                if item["transaction_id"] in repeat_rows:
                    writer.writerow(row)
            writer.writerow(
                {
                    **blank,
                    "bin": bin_code,
                    "account_number": account,
                    "direction": "closing",
                    "balance_after": balance if closing is None else closing,
                }
            )
    return path
