"""Simulated trading history: credits and cash sales for every stall over many days, in bulk.

For the demo (a few weeks, so the board and the dashboard show life on first start) and for the
report benchmark (10 million credits over a year). Rows go straight into the base tables with
COPY on PostgreSQL and one executemany per chunk on SQLite; the rollup triggers are taken off
for the load and the rollups rebuilt once afterwards, which is far cheaper than a marker per row.

The shape of a day: each stall has its own habit (many vendors barely use their QR, a few use it
all the time); adoption grows over the period; a weekly market (chợ phiên) is busy on Sundays;
most payments fall in the morning. Markets that record cash log one total per stall and day; a
few others only have a weekly survey count of the whole market.
"""

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, text, update

from ..cash.models import CashSale
from ..common.local_time import local_zone
from ..common.upsert import dialect_insert
from ..extensions import db
from ..markets.models import Market
from ..payments.models import BankTransaction, FeedCounter
from ..reports import rollups, triggers
from ..vendors.models import ReceivingAccount, Vendor

CHUNK = 50_000
TXN_COLUMNS = (
    "id",
    "partner",
    "partner_txn_id",
    "bank_reference",
    "bin",
    "account_number",
    "amount",
    "direction",
    "description",
    "booked_at",
    "received_at",
    "reverses_txn_id",
    "match_kind",
    "receiving_account_id",
    "vendor_id",
    "reverses_id",
    "underpaid",
    "overpaid",
    "below_floor",
    "late",
    "reversed",
    "feed_seq",
    "confirmation",
)
CASH_COLUMNS = ("market_id", "vendor_id", "amount", "count", "occurred_at", "source", "created_at")
REVERSAL_RATE = 0.0005


@dataclass
class Stall:
    id: int
    market_id: int
    weekly_market: bool
    records_cash: bool
    cash_habit: float  # the market's cash sales per cashless payment, at the period's start
    habit: float  # this stall's payments per day relative to the average
    accounts: list  # [(account id, bin, account number, folded name)]


@dataclass
class HistorySummary:
    transactions: int = 0
    cash_rows: int = 0
    stalls: int = 0
    days: int = 0

    def as_text(self) -> str:
        return (
            f"History: {self.transactions:,} bank transactions and {self.cash_rows:,} cash rows for "
            f"{self.stalls:,} stalls "
            f"over {self.days} days."
        ).replace(",", ".")


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (the standard library has none): Knuth's method, a normal beyond 30."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def payment_amount(rng: random.Random) -> int:
    """Market prices: mostly 10–100 thousand đồng, some hundreds of thousands, rarely millions."""
    return max(2_000, min(5_000_000, int(round(rng.lognormvariate(math.log(45_000), 0.85), -3))))


def _stalls(rng: random.Random) -> list[Stall]:
    markets = {m.id: m for m in db.session.scalars(select(Market))}
    cash_markets = {market_id for market_id in markets if rng.random() < 0.6}
    # Markets differ: a town market is far more cashless than a highland weekly market.
    cash_habit = {market_id: rng.uniform(0.8, 5.0) for market_id in markets}
    accounts: dict[int, list[tuple]] = {}
    for account in db.session.scalars(select(ReceivingAccount).where(ReceivingAccount.active.is_(True))):
        accounts.setdefault(account.vendor_id, []).append(
            (account.id, account.bin, account.account_number, account.account_name_folded)
        )
    stalls = []
    for vendor_id, market_id in db.session.execute(
        select(Vendor.id, Vendor.market_id).where(Vendor.status == "active").order_by(Vendor.id)
    ):
        if vendor_id not in accounts:
            continue
        habit = rng.lognormvariate(0, 1.0)
        stalls.append(
            Stall(
                vendor_id,
                market_id,
                "phiên" in markets[market_id].name,
                market_id in cash_markets,
                cash_habit[market_id],
                habit,
                accounts[vendor_id],
            )
        )
    mean_habit = sum(s.habit for s in stalls) / len(stalls)
    for stall in stalls:
        stall.habit /= mean_habit
    return stalls


class _BulkWriter:
    """Rows into one table in chunks: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, table: str, columns: tuple):
        self.table, self.columns = table, columns
        self.connection = db.session.connection()
        self.postgresql = self.connection.dialect.name == "postgresql"
        self.rows: list[tuple] = []
        self.written = 0

    def add(self, row: tuple):
        self.rows.append(row)
        if len(self.rows) >= CHUNK:
            self.flush()

    def flush(self):
        if not self.rows:
            return
        raw = self.connection.connection.driver_connection
        assert raw is not None  # a live connection (this one is checked out)
        cursor = raw.cursor()
        names = ", ".join(self.columns)
        if self.postgresql:
            with cursor.copy(f"COPY {self.table} ({names}) FROM STDIN") as copy:
                for row in self.rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(self.columns))
            cursor.executemany(
                f"INSERT INTO {self.table} ({names}) VALUES ({marks})",
                [tuple(_sqlite_value(value) for value in row) for row in self.rows],
            )
        cursor.close()
        self.written += len(self.rows)
        self.rows = []


def _sqlite_value(value):
    """What SQLAlchemy would store: UTC datetimes as naive ISO text, booleans as 0/1."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


def generate_history(transactions: int, days: int, seed: int = 2026, end: datetime | None = None) -> HistorySummary:
    """About `transactions` credits over the `days` days up to `end` (default now) for every
    active stall, plus cash; the caller commits. Nothing after `end` is written."""
    rng = random.Random(seed)
    zone = local_zone()
    end = end or datetime.now(UTC)
    last_day = end.astimezone(zone).date()
    first_day = last_day - timedelta(days=days - 1)
    stalls = _stalls(rng)
    # The stalls traded through the whole history, so they were registered before it began.
    opened = datetime.combine(first_day, time(6), zone)
    for model in (Vendor, ReceivingAccount):
        db.session.execute(update(model).where(model.created_at > opened).values(created_at=opened))
    per_stall_day = transactions / (len(stalls) * days)
    connection = db.session.connection()
    triggers.remove(connection)
    next_id = (db.session.scalar(select(func.max(BankTransaction.id))) or 0) + 1
    seq = dict(db.session.execute(select(FeedCounter.vendor_id, FeedCounter.last_seq)).all())
    credits, cash = _BulkWriter("bank_transaction", TXN_COLUMNS), _BulkWriter("cash_sale", CASH_COLUMNS)
    yesterday = last_day - timedelta(days=1)
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        # Adoption grows through the period: from 60 % of the average to 140 %.
        growth = 0.6 + 0.8 * offset / max(1, days - 1)
        sunday = day.weekday() == 6
        confirmed_day = day < yesterday  # statements of earlier days have been reconciled
        day_rows = []
        for stall in stalls:
            busy = 2.5 if stall.weekly_market and sunday else (0.6 if stall.weekly_market else 1.0)
            count = poisson(rng, per_stall_day * stall.habit * growth * busy)
            values = []
            for _ in range(count):
                hours = rng.triangular(5.5, 18.5, 8.0)
                moment = datetime.combine(day, time(), zone) + timedelta(seconds=int(hours * 3600))
                if moment > end:
                    continue
                amount = payment_amount(rng)
                values.append(amount)
                day_rows.append((moment, stall, amount))
            if (stall.records_cash and values) or (stall.records_cash and rng.random() < 0.3):
                # Cash per cashless payment falls by two thirds over the period.
                cash_count = poisson(
                    rng, max(1, len(values)) * stall.cash_habit * (1 - 0.66 * offset / max(1, days - 1))
                )
                moment = datetime.combine(day, time(17), zone)
                if cash_count and moment <= end:
                    cash.add(
                        (
                            stall.market_id,
                            stall.id,
                            sum(payment_amount(rng) for _ in range(cash_count)),
                            cash_count,
                            moment,
                            "stall",
                            moment,
                        )
                    )
        day_rows.sort(key=lambda item: item[0])
        for moment, stall, amount in day_rows:
            account_id, bin_code, account_number, name = rng.choice(stall.accounts)
            seq[stall.id] = seq.get(stall.id, 0) + 1
            reversed_ = rng.random() < REVERSAL_RATE
            confirmation = ("recovered" if rng.random() < 0.003 else "confirmed") if confirmed_day else "provisional"
            credit_id = next_id
            credits.add(
                (
                    credit_id,
                    "simbank",
                    f"HIS{credit_id:010d}",
                    f"HS{credit_id:010d}",
                    bin_code,
                    account_number,
                    amount,
                    "in",
                    f"{name} chuyen tien",
                    moment,
                    moment + timedelta(seconds=2),
                    None,
                    "static",
                    account_id,
                    stall.id,
                    None,
                    False,
                    False,
                    False,
                    False,
                    reversed_,
                    seq[stall.id],
                    confirmation,
                )
            )
            next_id += 1
            if reversed_:
                seq[stall.id] += 1
                later = moment + timedelta(minutes=30)
                credits.add(
                    (
                        next_id,
                        "simbank",
                        f"HIS{next_id:010d}",
                        f"HS{next_id:010d}",
                        bin_code,
                        account_number,
                        amount,
                        "out",
                        "HOAN TIEN",
                        later,
                        later,
                        f"HIS{credit_id:010d}",
                        "reversal",
                        account_id,
                        stall.id,
                        credit_id,
                        False,
                        False,
                        False,
                        False,
                        False,
                        seq[stall.id],
                        confirmation,
                    )
                )
                next_id += 1
    for market_id in {s.market_id for s in stalls if not s.records_cash and s.market_id % 5 == 0}:
        for week in range(days // 7):  # a weekly survey count of the whole market
            day = first_day + timedelta(days=7 * week + 6)
            moment = datetime.combine(day, time(12), zone)
            count = rng.randint(200, 900)
            cash.add((market_id, None, count * 38_000, count, moment, "survey", moment))
    credits.flush()
    cash.flush()
    _finish(connection, seq, first_day, last_day)
    return HistorySummary(credits.written, cash.written, len(stalls), days)


def _finish(connection, seq: dict, first_day: date, last_day: date):
    """Triggers back, feed counters forward, rollups rebuilt, statistics fresh."""
    triggers.install(connection)
    if seq:
        insert = dialect_insert(FeedCounter)
        db.session.execute(
            insert.on_conflict_do_update(index_elements=["vendor_id"], set_={"last_seq": insert.excluded.last_seq}),
            [{"vendor_id": vendor_id, "last_seq": last} for vendor_id, last in seq.items()],
        )
    if connection.dialect.name == "postgresql":
        top = db.session.scalar(select(func.max(BankTransaction.id))) or 1
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('bank_transaction', 'id'), :top)"), {"top": top})
    rollups.rebuild(first_day, last_day)
    db.session.execute(text("ANALYZE"))


def has_history() -> bool:
    return (
        db.session.scalar(select(BankTransaction.id).limit(1)) is not None
        or db.session.scalar(select(CashSale.id).limit(1)) is not None
    )
