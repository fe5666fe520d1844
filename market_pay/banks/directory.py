"""Look up banks by BIN from the packaged banks.csv (a pure module: no Flask, no database)."""

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Bank:
    bin: str
    code: str
    short_name: str
    name: str
    # False for the banks whose apps cannot pay by scanning a VietQR (they can still receive).
    can_pay_by_qr: bool


@lru_cache(maxsize=1)
def _banks_by_bin() -> dict[str, Bank]:
    text = resources.files("market_pay.data").joinpath("banks.csv").read_text(encoding="utf-8")
    banks = {}
    for row in csv.DictReader(text.splitlines()):
        banks[row["bin"]] = Bank(
            bin=row["bin"],
            code=row["code"],
            short_name=row["short_name"],
            name=row["name"],
            can_pay_by_qr="transferSupported=0" not in row["notes"],
        )
    return banks


def find_bank(bin_code: str) -> Bank | None:
    return _banks_by_bin().get(bin_code)


def bank_short_name(bin_code: str) -> str:
    """The bank's short name for a stored account, or its BIN if the directory no longer lists it
    (an account outlives a bank's removal from banks.csv)."""
    bank = find_bank(bin_code)
    return bank.short_name if bank is not None else bin_code


def all_banks() -> list[Bank]:
    return sorted(_banks_by_bin().values(), key=lambda bank: bank.bin)
