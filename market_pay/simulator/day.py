"""Plan a market day as a bank would book it: sales, requests paid, faults. Pure given its inputs."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ..common.local_time import VIETNAM
from ..common.textfold import fold_upper

SHOPPER_NOTES = [
    "chuyển tiền",
    "mua rau",
    "tiền thịt",
    "thanh toán",
    "Nguyễn Văn Nam chuyển khoản",
    "tra tien hang",
    "mua vải",
    "gửi cô",
    "",
    "tiền chè",
    "mua gà",
]
PAYER_NAMES = ["NGUYEN VAN NAM", "TRAN THI LAN", "LE VAN HUNG", "GIANG SEO PAO", "HOANG THI MAI", None]
BANK_PREFIXES = ["MBVCB.{n}.", "IBFT ", "{n}-", "", "TKThe :{n}, ", "CT DEN:{n} "]


@dataclass
class Stall:
    vendor_id: int
    market_code: str
    stall_code: str
    accounts: list  # [(bin, account_number)]


@dataclass
class LedgerLine:
    """A line the bank booked; the fields below `description` are the simulation's own notes."""

    transaction_id: str
    bank_reference: str
    booked_at: datetime
    bin: str
    account_number: str
    direction: str
    amount: int
    description: str
    payer_name: str | None = None
    reverses: str | None = None
    vendor_id: int | None = None  # the stall the money belongs to (None: unknown account)
    request_reference: str | None = None
    kind: str = "static"  # static | request | unknown_account | reversal
    forgotten: bool = False  # the bank never calls back about it


@dataclass
class Faults:
    duplicates: float = 0.0
    out_of_order: float = 0.0
    bad_signatures: float = 0.0
    unknown_accounts: float = 0.0
    underpay: float = 0.0
    overpay: float = 0.0
    late: float = 0.0
    reversals: float = 0.0
    forget: float = 0.0


@dataclass
class DayPlan:
    lines: list = field(default_factory=list)
    sales: list = field(default_factory=list)  # (stall, account, amount, dynamic?) before requests exist


def market_amount(rng: random.Random) -> int:
    """Market-stall amounts: mostly 10–200 thousand đồng, a long tail up to a few million."""
    value = rng.lognormvariate(11.0, 0.9)
    return max(2_000, min(round(value / 1000.0) * 1000, 5_000_000))


def bank_rewrite(content: str, rng: random.Random) -> str:
    """What banks do to transfer content: upper-case, fold accents, add a prefix, cut the end."""
    prefix = rng.choice(BANK_PREFIXES).format(n=rng.randint(10**6, 10**10))
    text = prefix + fold_upper(content)
    return text[: rng.choice([60, 80, 120])]


def trading_time(day: date, rng: random.Random) -> datetime:
    """A moment in a mountain market's trading hours (05:00–17:30, busiest mid-morning)."""
    minutes = min(max(rng.gauss(9 * 60, 150), 5 * 60), 17 * 60 + 30)
    return datetime.combine(day, time(0), VIETNAM) + timedelta(minutes=minutes, seconds=rng.randint(0, 59))


class LineFactory:
    """Bank-side ids, unique within a run (the seed and a run tag keep reruns apart)."""

    def __init__(self, rng: random.Random, run_tag: str):
        self.rng, self.run_tag, self.count = rng, run_tag, 0

    def ids(self) -> tuple[str, str]:
        self.count += 1
        return f"SIM{self.run_tag}{self.count:07d}", f"FT{self.run_tag[-6:]}{self.count:08d}"

    def credit(self, bin_code, account_number, amount, content, booked_at, **notes) -> LedgerLine:
        transaction_id, reference = self.ids()
        return LedgerLine(
            transaction_id,
            reference,
            booked_at,
            bin_code,
            account_number,
            "in",
            amount,
            bank_rewrite(content, self.rng),
            payer_name=self.rng.choice(PAYER_NAMES),
            **notes,
        )

    def reversal(self, original: LedgerLine, booked_at: datetime) -> LedgerLine:
        transaction_id, reference = self.ids()
        return LedgerLine(
            transaction_id,
            reference,
            booked_at,
            original.bin,
            original.account_number,
            "out",
            original.amount,
            f"HOAN TRA GD {original.bank_reference}",
            reverses=original.transaction_id,
            vendor_id=original.vendor_id,
            kind="reversal",
        )
