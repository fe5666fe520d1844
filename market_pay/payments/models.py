"""Payment requests, partner credentials, the raw callback inbox, bank transactions, suspense."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common.types import UTCDateTime, utcnow
from ..extensions import Model, db

if TYPE_CHECKING:
    from ..vendors.models import ReceivingAccount, Vendor


CONFIRMATIONS = ("provisional", "confirmed", "recovered", "disputed")
REQUEST_STATUSES = ("pending", "paid", "underpaid", "overpaid", "expired", "paid_late", "cancelled")
# How a transaction was allocated: to a payment request, as a static-QR sale by account, as the
# reversal of an earlier credit, as an outgoing debit (not a sale), or held in suspense.
MATCH_KINDS = ("request", "static", "reversal", "debit", "suspense")
# The partner_txn_id of a transaction recovered from a statement: "statement:<run id>:<row>", ours,
# never a partner's, so the partner's real id stays free for its signed callback (statement_txn_id).
RECOVERED_ID_PREFIX = "statement:"
SUSPENSE_REASONS = (
    "unknown_account",
    "inactive_account",
    "unknown_reference",
    "foreign_reference",
    "ambiguous",
    "malformed",
    "unmatched_reversal",
)


class PartnerCredential(Model):
    """A live secret (HMAC / checksum key) or API key of a callback partner; several may be live."""

    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    partner: Mapped[str] = mapped_column(db.String(20), nullable=False, index=True)
    # "secret" | "api_key" (callbacks); "pull_token" | "client_id" (calling the partner's API)
    kind: Mapped[str] = mapped_column(db.String(10), nullable=False)
    # Kept as given: an HMAC secret must be usable to verify. Never logged or returned by the API.
    value: Mapped[str] = mapped_column(db.String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class InboxEntry(Model):
    """Every callback delivery as received, accepted or not (forensics and reconciliation)."""

    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    partner: Mapped[str] = mapped_column(db.String(20), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    remote_addr: Mapped[str] = mapped_column(db.String(64), nullable=False, default="")
    auth_header: Mapped[str] = mapped_column(db.String(600), nullable=False, default="")
    body: Mapped[str] = mapped_column(db.Text, nullable=False)
    body_sha256: Mapped[str] = mapped_column(db.String(64), nullable=False)
    # accepted | duplicate | rejected | malformed | test (a partner's own test delivery)
    outcome: Mapped[str] = mapped_column(db.String(20), nullable=False)
    reason: Mapped[str] = mapped_column(db.String(300), nullable=False, default="")
    transaction_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("bank_transaction.id"))

    # Indexes only where a lookup needs them, and partial: an accepted delivery (the hot path)
    # then writes no index entry besides its primary key.
    __table_args__ = (
        # A malformed delivery is filed in suspense once, however often it is re-delivered.
        db.Index(
            "ix_inbox_entry_malformed",
            "partner",
            "body_sha256",
            postgresql_where=db.text("outcome = 'malformed'"),
            sqlite_where=db.text("outcome = 'malformed'"),
        ),
        # Reconciliation counts the repeated deliveries of the callbacks it confirmed.
        db.Index(
            "ix_inbox_entry_duplicate_of",
            "transaction_id",
            postgresql_where=db.text("outcome = 'duplicate'"),
            sqlite_where=db.text("outcome = 'duplicate'"),
        ),
    )


class PaymentRequest(Model):
    """A dynamic QR for one sale: a reference the bank carries into the transfer content."""

    __table_args__ = (db.UniqueConstraint("vendor_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(db.String(16), nullable=False, unique=True)
    vendor_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("vendor.id"), nullable=False, index=True)
    account_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("receiving_account.id"), nullable=False)
    amount: Mapped[int] = mapped_column(db.BigInteger, nullable=False)
    note: Mapped[str] = mapped_column(db.String(100), nullable=False, default="")
    payload: Mapped[str] = mapped_column(db.String(512), nullable=False)
    status: Mapped[str] = mapped_column(db.String(20), nullable=False, default="pending")
    paid_amount: Mapped[int] = mapped_column(db.BigInteger, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_user_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("user.id"))
    idempotency_key: Mapped[str | None] = mapped_column(db.String(100))
    # SHA-256 of the request body that created it, to tell a replay from a conflicting reuse.
    request_fingerprint: Mapped[str] = mapped_column(db.String(64), nullable=False, default="")

    vendor: Mapped["Vendor"] = relationship("Vendor")
    account: Mapped["ReceivingAccount"] = relationship("ReceivingAccount")


class BankTransaction(Model):
    """One movement on a stall's bank account as a partner reported it, and where it went."""

    __table_args__ = (
        # Two idempotency keys (CALLBACKS.md): the partner's own id, and the money itself, which
        # may reach us twice (two partners, or callback then statement).
        db.UniqueConstraint("partner", "partner_txn_id"),
        db.UniqueConstraint("account_number", "bank_reference", "amount", "direction"),
        # The stall feed's order: a per-stall sequence handed out in commit order.
        db.UniqueConstraint("vendor_id", "feed_seq"),
        # The matcher's queue: what is still pending, in id order. Partial, so it stays as small
        # as the backlog (a full-table scan per batch at 10 million rows otherwise).
        db.Index(
            "ix_bank_transaction_pending",
            "id",
            postgresql_where=db.text("match_kind = 'pending'"),
            sqlite_where=db.text("match_kind = 'pending'"),
        ),
        # A stall's credits of a day: the rollup refresh (reports/rollups.py) and the board's totals.
        db.Index(
            "ix_bank_transaction_vendor_booked",
            "vendor_id",
            "booked_at",
            postgresql_where=db.text("vendor_id IS NOT NULL"),
            sqlite_where=db.text("vendor_id IS NOT NULL"),
        ),
        # Indexes for the rare cases only: the transactions of a request, a reversal's original
        # (which may arrive after it), the transactions a reconciliation run touched.
        db.Index(
            "ix_bank_transaction_request",
            "payment_request_id",
            postgresql_where=db.text("payment_request_id IS NOT NULL"),
            sqlite_where=db.text("payment_request_id IS NOT NULL"),
        ),
        db.Index(
            "ix_bank_transaction_reverses",
            "reverses_txn_id",
            postgresql_where=db.text("reverses_txn_id IS NOT NULL"),
            sqlite_where=db.text("reverses_txn_id IS NOT NULL"),
        ),
        db.Index(
            "ix_bank_transaction_run",
            "reconciliation_run_id",
            postgresql_where=db.text("reconciliation_run_id IS NOT NULL"),
            sqlite_where=db.text("reconciliation_run_id IS NOT NULL"),
        ),
        # A recovered transaction's statement id: a later statement finds it by that id.
        db.Index(
            "ix_bank_transaction_statement_id",
            "partner",
            "statement_txn_id",
            postgresql_where=db.text("statement_txn_id IS NOT NULL"),
            sqlite_where=db.text("statement_txn_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    partner: Mapped[str] = mapped_column(db.String(20), nullable=False)
    partner_txn_id: Mapped[str] = mapped_column(db.String(200), nullable=False)
    bank_reference: Mapped[str] = mapped_column(db.String(100), nullable=False)
    bin: Mapped[str | None] = mapped_column(db.String(6))
    account_number: Mapped[str] = mapped_column(db.String(19), nullable=False)
    amount: Mapped[int] = mapped_column(db.BigInteger, nullable=False)
    direction: Mapped[str] = mapped_column(db.String(3), nullable=False)
    description: Mapped[str] = mapped_column(db.Text, nullable=False, default="")
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    payer_name: Mapped[str | None] = mapped_column(db.String(200))
    payer_account: Mapped[str | None] = mapped_column(db.String(40))
    payer_bin: Mapped[str | None] = mapped_column(db.String(10))
    # Indexed (see above): every credit looks for a reversal that arrived before it (out of order).
    reverses_txn_id: Mapped[str | None] = mapped_column(db.String(200))

    match_kind: Mapped[str] = mapped_column(db.String(10), nullable=False)
    receiving_account_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("receiving_account.id"))
    vendor_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("vendor.id"))
    payment_request_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("payment_request.id"))
    reverses_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("bank_transaction.id"))
    underpaid: Mapped[bool] = mapped_column(db.Boolean, nullable=False, default=False)
    overpaid: Mapped[bool] = mapped_column(db.Boolean, nullable=False, default=False)
    below_floor: Mapped[bool] = mapped_column(db.Boolean, nullable=False, default=False)
    late: Mapped[bool] = mapped_column(db.Boolean, nullable=False, default=False)
    reversed: Mapped[bool] = mapped_column(db.Boolean, nullable=False, default=False)
    feed_seq: Mapped[int | None] = mapped_column(db.Integer)
    # provisional (callback only) until a statement confirms it; recovered when only the statement
    # had it; disputed when the statement disagrees on a field (never overwritten). See reconciliation/.
    confirmation: Mapped[str] = mapped_column(db.String(12), nullable=False, default="provisional")
    reconciliation_run_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("reconciliation_run.id"))
    # The transaction id a statement gave a line recovered from it (no callback yet). Such a row's
    # partner_txn_id is a placeholder of ours (RECOVERED_ID_PREFIX…), never the partner's id: a
    # statement cannot claim an id that a genuine signed callback will bring (issue 17, finding 2).
    statement_txn_id: Mapped[str | None] = mapped_column(db.String(200))

    payment_request: Mapped["PaymentRequest | None"] = relationship("PaymentRequest")
    vendor: Mapped["Vendor | None"] = relationship("Vendor")


class SuspenseItem(Model):
    """Money (or an authentic but unreadable delivery) that could not be matched, with why."""

    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    reason: Mapped[str] = mapped_column(db.String(30), nullable=False, index=True)
    detail: Mapped[str] = mapped_column(db.String(300), nullable=False, default="")
    status: Mapped[str] = mapped_column(db.String(10), nullable=False, default="open", index=True)
    transaction_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("bank_transaction.id"), unique=True)
    inbox_entry_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("inbox_entry.id"))
    # The market whose manager may resolve it (known when the account is); null → admins only.
    market_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("market.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    resolution: Mapped[str | None] = mapped_column(db.String(20))  # assigned | refund | dismissed
    resolved_vendor_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("vendor.id"))
    resolved_request_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("payment_request.id"))
    note: Mapped[str] = mapped_column(db.String(500), nullable=False, default="")
    resolved_by_user_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("user.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    transaction: Mapped["BankTransaction | None"] = relationship("BankTransaction")
    inbox_entry: Mapped["InboxEntry | None"] = relationship("InboxEntry")


class FeedCounter(Model):
    """The last feed sequence number handed out per stall.

    Taking the next number is an UPDATE of this row, so the row lock serialises a stall's
    writers until commit: numbers become visible in order, and a reader's cursor can never
    pass a number that commits later (which an autoincrement id cannot promise).
    """

    vendor_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("vendor.id"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(db.Integer, nullable=False, default=0)
