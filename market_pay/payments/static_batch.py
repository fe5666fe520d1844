"""Allocate a batch's plain static-QR sales together, set-based.

Most credits are the simplest case of allocation.py: money in, no payment reference in the content,
exactly one active account with that number, and no reversal waiting for it. Allocating those one
by one costs about eight statements each; here a whole batch costs four: one account lookup, one
look for waiting reversals, one multi-row upsert of the stalls' feed counters, and one
executemany UPDATE. Everything else still goes through allocation.allocate(), in id order.
The outcome is exactly what allocate() would have written (tests/payments compare both).
"""

from dataclasses import dataclass

from sqlalchemy import bindparam, select, text, update

from ..common.bulk import in_values
from ..common.upsert import dialect_insert
from ..extensions import db
from ..vendors.models import ReceivingAccount, Vendor
from .models import BankTransaction, FeedCounter
from .references import find_references

_TXN = BankTransaction.__table__.c
# What planning needs of a pending transaction.
PENDING_COLUMNS = (
    _TXN.id,
    _TXN.partner,
    _TXN.partner_txn_id,
    _TXN.bin,
    _TXN.account_number,
    _TXN.amount,
    _TXN.direction,
    _TXN.description,
)


@dataclass(frozen=True)
class StaticSale:
    vendor_id: int
    account_id: int
    below_floor: bool


def plan(rows) -> dict:
    """{transaction id: StaticSale} for the rows that are plain static sales."""
    candidates = [row for row in rows if row.direction == "in" and not find_references(row.description)]
    if not candidates:
        return {}
    accounts: dict[tuple[str, str], list] = {}
    for account in db.session.execute(
        select(
            ReceivingAccount.id,
            ReceivingAccount.bin,
            ReceivingAccount.account_number,
            ReceivingAccount.vendor_id,
            Vendor.floor_amount,
        )
        .join(Vendor, Vendor.id == ReceivingAccount.vendor_id)
        .where(
            ReceivingAccount.active.is_(True),
            in_values(ReceivingAccount.account_number, {row.account_number for row in candidates}),
        )
    ):
        accounts.setdefault(account.account_number, []).append(account)
    # A reversal that arrived before its credit waits in suspense; that credit takes the full path.
    awaited = set(
        db.session.execute(
            select(_TXN.partner, _TXN.reverses_txn_id).where(
                _TXN.direction == "out",
                _TXN.match_kind == "suspense",
                in_values(_TXN.reverses_txn_id, {row.partner_txn_id for row in candidates}),
            )
        ).all()
    )
    sales = {}
    for row in candidates:
        if (row.partner, row.partner_txn_id) in awaited:
            continue
        matches = [a for a in accounts.get(row.account_number, []) if not row.bin or a.bin == row.bin]
        if len(matches) == 1:
            account = matches[0]
            sales[row.id] = StaticSale(
                account.vendor_id, account.id, bool(account.floor_amount) and row.amount < account.floor_amount
            )
    return sales


def next_feed_seqs(counts: dict) -> dict:
    """{vendor id: how many} → {vendor id: the last number now taken}, in one upsert. Like
    allocation.next_feed_seq, the counter rows stay locked until commit (vendors in id order)."""
    if db.session.get_bind().dialect.name == "postgresql":
        vendors = sorted(counts)
        return dict(
            db.session.execute(_PG_FEED_UPSERT, {"vendors": vendors, "counts": [counts[v] for v in vendors]}).all()
        )
    rows = [{"vendor_id": vendor_id, "last_seq": count} for vendor_id, count in sorted(counts.items())]
    statement = dialect_insert(FeedCounter).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["vendor_id"], set_={"last_seq": FeedCounter.last_seq + statement.excluded.last_seq}
    ).returning(FeedCounter.vendor_id, FeedCounter.last_seq)
    return dict(db.session.execute(statement).all())


# PostgreSQL: the same upsert as one cached statement over two arrays (a fresh 200-row VALUES
# list costs more to compile in Python than the database takes to run it). unnest keeps the
# order, so the counter rows are still locked in vendor id order.
_PG_FEED_UPSERT = text("""
INSERT INTO feed_counter (vendor_id, last_seq)
SELECT vendor_id, last_seq FROM unnest(CAST(:vendors AS integer[]), CAST(:counts AS integer[])) AS t(vendor_id, last_seq)
ON CONFLICT (vendor_id) DO UPDATE SET last_seq = feed_counter.last_seq + excluded.last_seq
RETURNING vendor_id, last_seq""")

# PostgreSQL: every planned sale written by one UPDATE joined to arrays, instead of one UPDATE
# per row (executemany).
_PG_ALLOCATE = text("""
UPDATE bank_transaction AS txn
SET match_kind = 'static', vendor_id = plan.vendor, receiving_account_id = plan.account, below_floor = plan.floor,
    feed_seq = plan.seq
FROM unnest(CAST(:ids AS integer[]), CAST(:vendors AS integer[]), CAST(:accounts AS integer[]),
            CAST(:floors AS boolean[]), CAST(:seqs AS integer[])) AS plan(txn_id, vendor, account, floor, seq)
WHERE txn.id = plan.txn_id AND txn.match_kind = 'pending'""")

_ALLOCATE = (
    update(BankTransaction.__table__)
    .where(_TXN.id == bindparam("txn_id"), _TXN.match_kind == "pending")
    .values(
        match_kind="static",
        vendor_id=bindparam("vendor"),
        receiving_account_id=bindparam("account"),
        below_floor=bindparam("floor"),
        feed_seq=bindparam("seq"),
    )
)


def apply(ids: list, sales: dict):
    """Write the planned sales of `ids` (in id order), skipping any the full path allocated since
    (a reversal earlier in the batch allocates its credit first)."""
    if not ids:
        return
    db.session.flush()
    pending = set(db.session.scalars(select(_TXN.id).where(in_values(_TXN.id, ids), _TXN.match_kind == "pending")))
    ids = [txn_id for txn_id in ids if txn_id in pending]
    if not ids:
        return
    counts: dict[int, int] = {}
    for txn_id in ids:
        counts[sales[txn_id].vendor_id] = counts.get(sales[txn_id].vendor_id, 0) + 1
    last = next_feed_seqs(counts)
    next_seq = {vendor_id: last[vendor_id] - count + 1 for vendor_id, count in counts.items()}
    params = []
    for txn_id in ids:
        sale = sales[txn_id]
        params.append(
            {
                "txn_id": txn_id,
                "vendor": sale.vendor_id,
                "account": sale.account_id,
                "floor": sale.below_floor,
                "seq": next_seq[sale.vendor_id],
            }
        )
        next_seq[sale.vendor_id] += 1
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            _PG_ALLOCATE,
            {
                "ids": [p["txn_id"] for p in params],
                "vendors": [p["vendor"] for p in params],
                "accounts": [p["account"] for p in params],
                "floors": [p["floor"] for p in params],
                "seqs": [p["seq"] for p in params],
            },
        )
    else:
        db.session.execute(_ALLOCATE, params)
    db.session.expire_all()  # ORM objects loaded earlier in the batch must see these rows anew
