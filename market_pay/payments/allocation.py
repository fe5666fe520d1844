"""Allocate a recorded bank transaction: to a payment request, as a static-QR sale, as a
reversal, or to suspense with a reason (CALLBACKS.md, "Matching a credit")."""

from sqlalchemy import and_, or_, select, true, update
from sqlalchemy.orm import aliased

from ..common.types import utcnow
from ..common.upsert import dialect_insert
from ..extensions import db
from ..vendors.models import ReceivingAccount, Vendor
from .models import BankTransaction, FeedCounter, PaymentRequest, SuspenseItem
from .references import find_references


def next_feed_seq(vendor_id: int) -> int:
    """The stall's next feed number. The upsert holds the counter row's lock until commit, so
    a stall's numbers become visible strictly in order (see FeedCounter)."""
    statement = (
        dialect_insert(FeedCounter)
        .values(vendor_id=vendor_id, last_seq=1)
        .on_conflict_do_update(index_elements=["vendor_id"], set_={"last_seq": FeedCounter.last_seq + 1})
        .returning(FeedCounter.last_seq)
    )
    return db.session.execute(statement).scalar_one()


def to_suspense(txn: BankTransaction, reason: str, detail: str = "", market_id=None) -> SuspenseItem:
    txn.match_kind = "suspense"
    item = SuspenseItem(reason=reason, detail=detail[:300], transaction_id=txn.id, market_id=market_id)
    db.session.add(item)
    return item


def _receiving_account(txn: BankTransaction):
    """(active account, None) or (None, the inactive account that once had this number)."""
    # A rejected account never belonged to its stall: its market must not see this money either.
    query = select(ReceivingAccount).where(
        ReceivingAccount.account_number == txn.account_number, ReceivingAccount.status != "rejected"
    )
    if txn.bin:
        query = query.where(ReceivingAccount.bin == txn.bin)
    accounts = db.session.scalars(query.order_by(ReceivingAccount.active.desc(), ReceivingAccount.id.desc())).all()
    active = [a for a in accounts if a.active]
    if len(active) == 1:
        return active[0], None
    if len(active) > 1:  # same number at two banks and the partner gave no BIN
        return None, None
    return None, (accounts[0] if accounts else None)


def _request_status(paid_total: int, amount: int, late: bool) -> str:
    if paid_total <= 0:
        return "pending"
    if paid_total < amount:
        return "underpaid"
    if paid_total > amount:
        return "overpaid"
    return "paid_late" if late else "paid"


def apply_to_request(txn: BankTransaction, request: PaymentRequest):
    # Atomic increment: concurrent payments of one request serialise on this row.
    paid_total = db.session.execute(
        update(PaymentRequest)
        .where(PaymentRequest.id == request.id)
        .values(paid_amount=PaymentRequest.paid_amount + txn.amount)
        .returning(PaymentRequest.paid_amount)
    ).scalar_one()
    db.session.refresh(request)
    late = txn.booked_at > request.expires_at or request.status == "cancelled"
    request.status = _request_status(paid_total, request.amount, late)
    txn.payment_request_id = request.id
    txn.match_kind = "request"
    txn.underpaid = paid_total < request.amount
    txn.overpaid = paid_total > request.amount
    txn.late = late


def credit_stall(txn: BankTransaction, vendor: Vendor, account_id: int | None = None):
    """Put the money on the stall: its feed gets the next number, small amounts are flagged."""
    if account_id is not None:
        txn.receiving_account_id = account_id
    txn.vendor_id = vendor.id
    floor = vendor.floor_amount or 0
    txn.below_floor = floor > 0 and txn.amount < floor
    txn.feed_seq = next_feed_seq(vendor.id)


def allocate_credit(txn: BankTransaction):
    account, former = _receiving_account(txn)
    if account is None:
        if former is not None:
            # Never credited: a pending account is not the stall's until the vendor confirms it.
            detail = (
                "the account awaits the vendor's confirmation"
                if former.status == "pending"
                else "the account is not active for its stall"
            )
            return to_suspense(txn, "inactive_account", detail, former.vendor.market_id)
        return to_suspense(txn, "unknown_account", f"no stall receives on {txn.bin or '?'}/{txn.account_number}")
    market_id = account.vendor.market_id
    references = find_references(txn.description)
    requests = (
        db.session.scalars(select(PaymentRequest).where(PaymentRequest.reference.in_(references))).all()
        if references
        else []
    )
    if len(requests) > 1:
        return to_suspense(txn, "ambiguous", "several payment references: " + ", ".join(references), market_id)
    if not requests and references:
        return to_suspense(txn, "unknown_reference", "no payment request " + references[0], market_id)
    if requests:
        request = requests[0]
        if request.vendor_id != account.vendor_id:
            return to_suspense(
                txn, "foreign_reference", f"reference {request.reference} belongs to another stall", market_id
            )
        apply_to_request(txn, request)
    else:
        txn.match_kind = "static"
    credit_stall(txn, account.vendor, account.id)
    return None


def same_account(one: BankTransaction, other: BankTransaction) -> bool:
    """Same account number, and the same bank when both name one (payOS and a SePay without a
    gateway give no BIN: then the number decides)."""
    return one.account_number == other.account_number and (not one.bin or not other.bin or one.bin == other.bin)


def _same_account_condition(one, other):
    """same_account() as SQL, for two aliases of BankTransaction."""
    return and_(
        one.account_number == other.account_number, or_(one.bin.is_(None), other.bin.is_(None), one.bin == other.bin)
    )


def allocate_reversal(txn: BankTransaction):
    """An outgoing transfer that reverses an earlier credit: undo its allocation, keep both."""
    original = db.session.scalar(
        select(BankTransaction).where(
            BankTransaction.partner == txn.partner, BankTransaction.partner_txn_id == txn.reverses_txn_id
        )
    )
    if original is None or original.direction != "in" or original.reversed:
        return to_suspense(txn, "unmatched_reversal", f"nothing to reverse for {txn.reverses_txn_id}")
    if not same_account(txn, original):
        # A partner's id names a credit, but money only ever goes back out of the account it came in
        # to: a reversal reported on another account must not take a stall's credit away.
        account, former = _receiving_account(txn)
        known = account or former
        return to_suspense(
            txn,
            "unmatched_reversal",
            f"{txn.reverses_txn_id} is a credit of another account, not {txn.bin or '?'}/{txn.account_number}",
            known.vendor.market_id if known else None,
        )
    if original.match_kind == "pending":
        # Recorded but not yet allocated (delivered out of order, both waiting in one batch):
        # allocate the credit first, or its stall would keep money the reversal took back.
        allocate(original)
    original.reversed = True
    txn.reverses_id = original.id
    txn.match_kind = "reversal"
    if original.vendor_id is None:  # the credit itself sat in suspense: nothing allocated to undo
        return None
    if original.payment_request_id:
        paid_total = db.session.execute(
            update(PaymentRequest)
            .where(PaymentRequest.id == original.payment_request_id)
            .values(paid_amount=PaymentRequest.paid_amount - original.amount)
            .returning(PaymentRequest.paid_amount)
        ).scalar_one()
        request = db.session.get_one(PaymentRequest, original.payment_request_id)
        db.session.refresh(request)
        request.status = _request_status(paid_total, request.amount, late=False)
        txn.payment_request_id = request.id
    txn.receiving_account_id = original.receiving_account_id
    txn.vendor_id = original.vendor_id
    txn.feed_seq = next_feed_seq(original.vendor_id)
    return None


def _settle_early_reversal(credit: BankTransaction):
    """Banks deliver out of order: a reversal may have arrived (and waited in suspense) before
    the credit it undoes. Now that the credit is here, apply it and close that suspense item."""
    waiting = db.session.scalar(
        select(BankTransaction).where(
            BankTransaction.partner == credit.partner,
            BankTransaction.reverses_txn_id == credit.partner_txn_id,
            BankTransaction.direction == "out",
            BankTransaction.match_kind == "suspense",
            # A reversal reported on another account stays in suspense (allocate_reversal says why).
            BankTransaction.account_number == credit.account_number,
            or_(BankTransaction.bin.is_(None), BankTransaction.bin == credit.bin) if credit.bin else true(),
        )
    )
    if waiting is None:
        return
    item = db.session.scalar(
        select(SuspenseItem).where(SuspenseItem.transaction_id == waiting.id, SuspenseItem.status == "open")
    )
    if item is None or allocate_reversal(waiting) is not None:
        return
    item.status, item.resolution, item.resolved_at = "resolved", "auto_matched", utcnow()
    item.note = "the reversed credit arrived after its reversal"


def settle_reversals_whose_credit_arrived() -> int:
    """The one race the serial matcher cannot see: a plain static sale allocated by its own
    callback (callbacks.py) while a matcher batch, not seeing that uncommitted credit, filed its
    reversal as unmatched. Each batch looks for open unmatched reversals whose credit is now
    allocated and settles them as _settle_early_reversal would have. Open suspense items are few,
    so this is one small indexed query. Returns how many were settled."""
    reversal = aliased(BankTransaction)
    credits = db.session.scalars(
        select(BankTransaction)
        .join(
            reversal,
            (reversal.partner == BankTransaction.partner)
            & (reversal.reverses_txn_id == BankTransaction.partner_txn_id)
            & _same_account_condition(reversal, BankTransaction),
        )
        .join(SuspenseItem, SuspenseItem.transaction_id == reversal.id)
        .where(
            SuspenseItem.status == "open",
            SuspenseItem.reason == "unmatched_reversal",
            reversal.direction == "out",
            reversal.match_kind == "suspense",
            BankTransaction.direction == "in",
            BankTransaction.match_kind != "pending",
            BankTransaction.reversed.is_(False),
        )
    ).all()
    for credit in credits:
        _settle_early_reversal(credit)
    return len(credits)


def allocate(txn: BankTransaction):
    """Decide where `txn` goes; returns the SuspenseItem when it lands in suspense."""
    if txn.direction == "in":
        suspense = allocate_credit(txn)
        _settle_early_reversal(txn)
        return suspense
    if txn.reverses_txn_id:
        return allocate_reversal(txn)
    account, _ = _receiving_account(txn)  # a withdrawal or transfer out: not a sale
    txn.match_kind = "debit"
    if account is not None:
        txn.receiving_account_id, txn.vendor_id = account.id, account.vendor_id
    return None
