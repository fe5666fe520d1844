"""receive_callback(): verify, then store the raw delivery and record the transaction
idempotently — one commit, made before the partner gets its 2xx. On PostgreSQL a plain static-QR
sale is allocated to its stall by that same statement; everything else (and, on SQLite,
everything) is matched just after, off the request path (payments/match_worker.py): persist first,
answer fast, then match."""

import hashlib
from dataclasses import dataclass
from typing import Protocol, cast

from sqlalchemy import select, text, true, update
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg

from ..app_state import app_state
from ..common import jsontext
from ..common.types import utcnow
from ..common.upsert import dialect_insert
from ..extensions import db
from . import recording_engine
from .models import RECOVERED_ID_PREFIX, BankTransaction, InboxEntry, SuspenseItem
from .partner_formats import (
    PARTNERS,
    IncomingTransfer,
    MalformedCallback,
    PartnerTestDelivery,
    parse_payos,
    parse_sepay,
    parse_simbank,
)
from .partners import credentials
from .references import find_references
from .signatures import SignatureInvalid, verify_payos, verify_sepay, verify_simbank


@dataclass(frozen=True)
class CallbackOutcome:
    """accepted | duplicate | malformed | test | rejected, with the reason when there is one."""

    kind: str
    reason: str = ""
    transaction_id: int | None = None
    # False when recording already allocated it (a plain static sale on PostgreSQL).
    awaits_matching: bool = False


class CallbackRecorder(Protocol):
    """What create_app keeps in app_state().callback_recorder (app_state cannot name payments' types)."""

    def record(self, transfer: IncomingTransfer, delivery: "Delivery") -> CallbackOutcome: ...


def _auth_header(partner: str, headers) -> str:
    """What the delivery was signed with, for forensics; API keys are never stored. A NUL (an
    attacker's) becomes U+FFFD: PostgreSQL text cannot hold it, and the attempt must be kept."""
    return _signed_with(partner, headers).replace("\x00", "\ufffd")


def _signed_with(partner: str, headers) -> str:
    if partner == "simbank":
        return headers.get("X-Signature", "")[:600]
    if partner == "sepay":
        if headers.get("Authorization", "").lower().startswith("apikey"):
            return "Apikey [redacted]"
        return f"t={headers.get('X-SePay-Timestamp', '')} {headers.get('X-SePay-Signature', '')}"[:600]
    return ""


def _verify_and_parse(partner: str, headers, body: bytes, now: float) -> IncomingTransfer:
    secrets, api_keys = credentials(partner)
    if not secrets and not api_keys:
        raise SignatureInvalid(f"no credentials are configured for {partner}")
    if partner == "simbank":
        verify_simbank(headers.get("X-Signature"), body, secrets, now)
        return parse_simbank(body)
    if partner == "sepay":
        verify_sepay(headers, body, secrets, api_keys, now)
        return parse_sepay(body)
    try:  # payOS signs fields inside the body: it must be read before it can be verified
        payload = jsontext.loads(body)
    except (ValueError, UnicodeDecodeError):  # nested too deep included
        raise SignatureInvalid("body unreadable, so its signature cannot be checked") from None
    if not isinstance(payload, dict):
        raise SignatureInvalid("body is not an object, so its signature cannot be checked")
    verify_payos(payload, secrets)
    return parse_payos(payload)


def _transfer_values(transfer: IncomingTransfer) -> dict:
    """The transfer's columns of bank_transaction, as statement parameters (spelled out: a
    getattr loop over the names cost as much again, on every callback)."""
    return {
        "partner": transfer.partner,
        "partner_txn_id": transfer.partner_txn_id,
        "bank_reference": transfer.bank_reference,
        "bin": transfer.bin,
        "account_number": transfer.account_number,
        "amount": transfer.amount,
        "direction": transfer.direction,
        "description": transfer.description,
        "booked_at": transfer.booked_at,
        "payer_name": transfer.payer_name,
        "payer_account": transfer.payer_account,
        "payer_bin": transfer.payer_bin,
    }


class RecordWithInserts:
    """How SQLite records a callback: the transaction and its inbox row as two inserts on the
    app's session (the route commits); every credit then waits for the matcher."""

    def __init__(self):
        self._statements = {}

    def in_the_session(self) -> "RecordWithInserts":
        return self  # it already records in the session's transaction

    def record(self, transfer: IncomingTransfer, delivery: "Delivery") -> "CallbackOutcome":
        transaction_id = self._insert_transaction(transfer)
        if transaction_id is None:
            transaction_id = _existing_id(transfer)
            self._store_inbox(delivery, "duplicate", transaction_id)
            _confirm_recovered(transfer, transaction_id)
            return CallbackOutcome("duplicate", transaction_id=transaction_id)
        self._store_inbox(delivery, "accepted", transaction_id)
        return CallbackOutcome("accepted", transaction_id=transaction_id, awaits_matching=True)

    def _insert_transaction(self, transfer: IncomingTransfer) -> int | None:
        """INSERT … ON CONFLICT DO NOTHING on both idempotency keys; None when it is a duplicate.

        One atomic statement: of two identical deliveries racing in two workers, exactly one
        inserts; the other waits for it to commit and then inserts nothing.
        """
        values = _transfer_values(transfer)
        values.update(reverses_txn_id=transfer.reverses, match_kind="pending")
        return db.session.execute(self._statement("transaction"), values).scalar_one_or_none()

    def _store_inbox(self, delivery: "Delivery", outcome: str, transaction_id: int | None):
        db.session.execute(
            self._statement("inbox"),
            {
                "partner": delivery.partner,
                "remote_addr": delivery.remote_addr,
                "auth_header": delivery.auth_header,
                "body": delivery.body,
                "body_sha256": delivery.body_sha256,
                "outcome": outcome,
                "reason": "",
                "transaction_id": transaction_id,
            },
        )

    def _statement(self, name: str):
        """The two inserts, built once and executed with parameters.

        Core, not the ORM (the row needs no identity-map object), and one statement object reused
        with bound parameters, so SQLAlchemy finds it compiled instead of re-deriving a cache key
        for a fresh `.values(...)` every time: on this path that bookkeeping costs more than the
        database does.
        """
        if name not in self._statements:
            if name == "transaction":
                table = BankTransaction.__table__
                self._statements[name] = dialect_insert(table).on_conflict_do_nothing().returning(table.c.id)
            else:
                self._statements[name] = InboxEntry.__table__.insert()
        return self._statements[name]


# PostgreSQL: the delivery recorded in one round trip (data-modifying CTEs), and when it is a plain
# static-QR sale — money in, a BIN, no payment reference in the content (decided in Python, as
# :static_sale), exactly one active account with that BIN and number, no reversal already waiting
# for it, not seen before — allocated to its stall in the same statement, so the row is written
# once, already matched, and the matcher never touches it (its outcome is static_batch's exactly).
# Everything else is inserted `pending` for the matcher. The inbox row says "duplicate" when the
# ON CONFLICT took effect. Column defaults are spelled out: raw SQL bypasses the model's.
#
# Feed order: the counter upsert holds the stall's counter row until commit, so a stall's feed
# numbers become visible strictly in order, whichever worker commits first (as in the matcher).
# Locks: this statement takes at most one counter, after which it can wait only on a racing
# duplicate's insert; the duplicate checks keep a repeat from taking (and skipping) a number.
_RECORD_SQL = text("""
WITH sale AS (
    SELECT account.id AS account_id, account.vendor_id,
        COALESCE(vendor.floor_amount, 0) > 0 AND :amount < vendor.floor_amount AS below_floor
    FROM receiving_account AS account JOIN vendor ON vendor.id = account.vendor_id
    WHERE :static_sale AND account.active AND account.bin = :bin AND account.account_number = :account_number
      AND NOT EXISTS (SELECT 1 FROM bank_transaction AS waiting
                      WHERE waiting.reverses_txn_id = :partner_txn_id AND waiting.partner = :partner)
      AND NOT EXISTS (SELECT 1 FROM bank_transaction AS seen
                      WHERE seen.partner = :partner AND seen.partner_txn_id = :partner_txn_id)
      AND NOT EXISTS (SELECT 1 FROM bank_transaction AS seen
                      WHERE seen.account_number = :account_number AND seen.bank_reference = :bank_reference
                        AND seen.amount = :amount AND seen.direction = :direction)),
feed AS (
    INSERT INTO feed_counter (vendor_id, last_seq) SELECT vendor_id, 1 FROM sale
    ON CONFLICT (vendor_id) DO UPDATE SET last_seq = feed_counter.last_seq + 1
    RETURNING last_seq),
inserted AS (
    INSERT INTO bank_transaction (partner, partner_txn_id, bank_reference, bin, account_number, amount, direction,
        description, booked_at, received_at, payer_name, payer_account, payer_bin, reverses_txn_id, match_kind,
        vendor_id, receiving_account_id, feed_seq,
        underpaid, overpaid, below_floor, late, reversed, confirmation)
    SELECT :partner, :partner_txn_id, :bank_reference, :bin, :account_number, :amount, :direction,
        :description, :booked_at, :received_at, :payer_name, :payer_account, :payer_bin, :reverses_txn_id,
        CASE WHEN sale.vendor_id IS NULL THEN 'pending' ELSE 'static' END,
        sale.vendor_id, sale.account_id, (SELECT last_seq FROM feed),
        false, false, COALESCE(sale.below_floor, false), false, false, 'provisional'
    FROM (VALUES (1)) AS one LEFT JOIN sale ON true
    ON CONFLICT DO NOTHING
    RETURNING id, match_kind)
INSERT INTO inbox_entry (partner, received_at, remote_addr, auth_header, body, body_sha256, outcome, reason,
    transaction_id)
SELECT :partner, :received_at, :remote_addr, :auth_header, :body, :body_sha256,
    CASE WHEN EXISTS (SELECT 1 FROM inserted) THEN 'accepted' ELSE 'duplicate' END, '',
    (SELECT id FROM inserted)
RETURNING id, transaction_id, (SELECT match_kind FROM inserted)
""")


def is_static_sale_candidate(transfer: IncomingTransfer) -> bool:
    """What can be told without the database of a plain static sale (static_batch.plan's test)."""
    return transfer.direction == "in" and bool(transfer.bin) and not find_references(transfer.description)


def _record_in_one_statement(
    transfer: IncomingTransfer, delivery: "Delivery", on_session: bool = False
) -> tuple[int | None, str | None, int | None]:
    """(transaction id or None for a duplicate, its match kind — 'static' when already allocated —,
    and for a duplicate the transaction it repeats). On a recording connection (autocommit, at
    the driver: recording_engine.py), or with `on_session` in the session's transaction."""
    params = _transfer_values(transfer)
    params.update(
        reverses_txn_id=transfer.reverses,
        received_at=utcnow(),
        remote_addr=delivery.remote_addr,
        auth_header=delivery.auth_header,
        body=delivery.body,
        body_sha256=delivery.body_sha256,
        static_sale=is_static_sale_candidate(transfer),
    )
    if on_session:
        inbox_id, transaction_id, match_kind = db.session.execute(_RECORD_SQL, params).one()
    else:
        ((inbox_id, transaction_id, match_kind),) = recording_engine.execute(_RECORD_SQL_PSYCOPG, params)
    if transaction_id is not None:
        return transaction_id, match_kind, None
    # A duplicate (the rarer path, on the session): link the delivery to the transaction it repeats.
    repeated = _existing_id(transfer)
    db.session.execute(update(InboxEntry).where(InboxEntry.id == inbox_id).values(transaction_id=repeated))
    return None, None, repeated


# The same statement with the driver's placeholders, for recording_engine.execute.
_RECORD_SQL_PSYCOPG = str(_RECORD_SQL.compile(dialect=postgresql_psycopg.dialect()))


class RecordInOneStatement:
    """How PostgreSQL records a callback: _RECORD_SQL, on a recording connection in autocommit
    (recording_engine.py); or, `on_session`, in the session's transaction: the tests' rollback
    fixture, whose work must be seen and undone with its transaction, asks for that one."""

    def __init__(self, on_session: bool = False):
        self.on_session = on_session

    def in_the_session(self) -> "RecordInOneStatement":
        return RecordInOneStatement(on_session=True)

    def record(self, transfer: IncomingTransfer, delivery: "Delivery") -> "CallbackOutcome":
        transaction_id, match_kind, repeated = _record_in_one_statement(transfer, delivery, self.on_session)
        if transaction_id is None:
            _confirm_recovered(transfer, repeated)
            return CallbackOutcome("duplicate", transaction_id=repeated)
        return CallbackOutcome("accepted", transaction_id=transaction_id, awaits_matching=match_kind == "pending")


def recorder_for(dialect_name: str):
    """The recording path of a database, chosen once by create_app (app_state.py)."""
    return RecordInOneStatement() if dialect_name == "postgresql" else RecordWithInserts()


def _existing_id(transfer: IncomingTransfer) -> int | None:
    """The transaction a duplicate repeats. Two lookups, each on its own unique index (an OR of
    the two keys would make PostgreSQL scan the table)."""
    by_partner_id = db.session.scalar(
        select(BankTransaction.id).where(
            BankTransaction.partner == transfer.partner, BankTransaction.partner_txn_id == transfer.partner_txn_id
        )
    )
    if by_partner_id is not None:
        return by_partner_id
    return db.session.scalar(
        select(BankTransaction.id).where(
            BankTransaction.account_number == transfer.account_number,
            BankTransaction.bank_reference == transfer.bank_reference,
            BankTransaction.amount == transfer.amount,
            BankTransaction.direction == transfer.direction,
        )
    )


@dataclass(frozen=True)
class Delivery:
    """What the raw inbox keeps of one delivery (a plain record: the accepted path writes it with
    Core, and building an ORM object for it cost more than the rest of the parsing)."""

    partner: str
    remote_addr: str
    auth_header: str
    body: str
    body_sha256: str

    @classmethod
    def of(cls, partner: str, headers, body: bytes, remote_addr: str | None) -> "Delivery":
        return cls(
            partner=partner,
            remote_addr=remote_addr or "",
            auth_header=_auth_header(partner, headers),
            # PostgreSQL text cannot hold NUL; the hash keeps the exact bytes' identity.
            body=body.decode("utf-8", "replace").replace("\x00", "\ufffd"),
            body_sha256=hashlib.sha256(body).hexdigest(),
        )

    def entry(self, outcome: str, reason: str = "") -> InboxEntry:
        return InboxEntry(
            partner=self.partner,
            remote_addr=self.remote_addr,
            auth_header=self.auth_header,
            body=self.body,
            body_sha256=self.body_sha256,
            outcome=outcome,
            reason=reason,
        )


def receive_callback(partner: str, headers, body: bytes, remote_addr: str | None, now: float) -> CallbackOutcome:
    """Everything one delivery changes; the caller commits once, then answers the partner."""
    assert partner in PARTNERS
    delivery = Delivery.of(partner, headers, body, remote_addr)
    try:
        transfer = _verify_and_parse(partner, headers, body, now)
    except SignatureInvalid as rejected:
        db.session.add(delivery.entry("rejected", rejected.reason))
        return CallbackOutcome("rejected", rejected.reason)
    except PartnerTestDelivery:  # acknowledged and kept, never money (payOS's confirm-webhook sample)
        db.session.add(delivery.entry("test", "the partner's own test delivery"))
        return CallbackOutcome("test")
    except MalformedCallback as malformed:
        return _file_malformed(delivery, malformed.reason)

    return cast(CallbackRecorder, app_state().callback_recorder).record(transfer, delivery)


def _confirm_recovered(transfer: IncomingTransfer, transaction_id: int | None) -> None:
    """The signed callback for money a statement recovered (the same money key, the same
    partner and BIN): it confirms that transaction and gives it the partner's own id in place of
    our placeholder. Only on the duplicate path, which is rare: the hot path is untouched."""
    if transaction_id is None:
        return
    table = BankTransaction
    taken = (
        select(table.id)
        .where(table.partner == transfer.partner, table.partner_txn_id == transfer.partner_txn_id)
        .exists()
    )
    db.session.execute(
        update(table)
        .where(
            table.id == transaction_id,
            table.confirmation == "recovered",
            table.partner == transfer.partner,
            table.partner_txn_id.startswith(RECOVERED_ID_PREFIX, autoescape=True),
            table.bin == transfer.bin if transfer.bin else true(),
            ~taken,
        )
        .values(partner_txn_id=transfer.partner_txn_id, confirmation="confirmed")
        .execution_options(synchronize_session=False)
    )


def _file_malformed(delivery: Delivery, reason: str) -> CallbackOutcome:
    """Authentic but unusable: keep it, and put it in suspense once (a re-delivery is not new)."""
    seen = db.session.scalar(
        select(InboxEntry.id).where(
            InboxEntry.partner == delivery.partner,
            InboxEntry.body_sha256 == delivery.body_sha256,
            InboxEntry.outcome == "malformed",
        )
    )
    inbox = delivery.entry("malformed", reason[:300])
    db.session.add(inbox)
    if seen is None:
        db.session.flush()
        db.session.add(SuspenseItem(reason="malformed", detail=reason[:300], inbox_entry_id=inbox.id))
    return CallbackOutcome("malformed", reason)
