"""receive_callback(): verify, then store the raw delivery and record the transaction
idempotently — one commit, made before the partner gets its 2xx. Matching to a stall happens
just after, off the request path (payments/matcher.py): persist first, answer fast, then match."""
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select, text, update

from ..common.types import utcnow

from ..common.upsert import dialect_insert
from ..extensions import db
from .models import BankTransaction, InboxEntry, SuspenseItem
from .partner_formats import (PARTNERS, IncomingTransfer, MalformedCallback, PartnerTestDelivery, parse_payos,
                              parse_sepay, parse_simbank)
from .partners import credentials
from .signatures import SignatureInvalid, verify_payos, verify_sepay, verify_simbank


@dataclass(frozen=True)
class CallbackOutcome:
    """accepted | duplicate | malformed | test | rejected, with the reason when there is one."""

    kind: str
    reason: str = ""
    transaction_id: int | None = None


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
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise SignatureInvalid("body unreadable, so its signature cannot be checked") from None
    if not isinstance(payload, dict):
        raise SignatureInvalid("body is not an object, so its signature cannot be checked")
    verify_payos(payload, secrets)
    return parse_payos(payload)


def _insert_transaction(transfer: IncomingTransfer) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING on both idempotency keys; None when it is a duplicate.

    One atomic statement: of two identical deliveries racing in two workers, exactly one
    inserts; the other waits for it to commit and then inserts nothing.
    """
    values = {name: getattr(transfer, name) for name in (
        "partner", "partner_txn_id", "bank_reference", "bin", "account_number", "amount", "direction",
        "description", "booked_at", "payer_name", "payer_account", "payer_bin")}
    values.update(reverses_txn_id=transfer.reverses, match_kind="pending")
    return db.session.execute(_hot_statement("transaction"), values).scalar_one_or_none()


_STATEMENTS: dict = {}


def _hot_statement(name: str):
    """The callback path's two inserts, built once per dialect and executed with parameters.

    Core, not the ORM (the row needs no identity-map object), and one statement object reused
    with bound parameters, so SQLAlchemy finds it compiled instead of re-deriving a cache key
    for a fresh `.values(...)` every time: on this path that bookkeeping costs more than the
    database does.
    """
    dialect = db.session.get_bind().dialect.name
    key = (dialect, name)
    if key not in _STATEMENTS:
        if name == "transaction":
            table = BankTransaction.__table__
            _STATEMENTS[key] = dialect_insert(table).on_conflict_do_nothing().returning(table.c.id)
        else:
            _STATEMENTS[key] = InboxEntry.__table__.insert()
    return _STATEMENTS[key]


# PostgreSQL: the transaction and its inbox row in one round trip (a data-modifying CTE). The
# inbox row says "duplicate" when the ON CONFLICT took effect. Column defaults are spelled out
# because raw SQL bypasses the model's Python-side defaults.
_RECORD_SQL = text("""
WITH inserted AS (
    INSERT INTO bank_transaction (partner, partner_txn_id, bank_reference, bin, account_number, amount, direction,
        description, booked_at, received_at, payer_name, payer_account, payer_bin, reverses_txn_id, match_kind,
        underpaid, overpaid, below_floor, late, reversed, confirmation)
    VALUES (:partner, :partner_txn_id, :bank_reference, :bin, :account_number, :amount, :direction,
        :description, :booked_at, :received_at, :payer_name, :payer_account, :payer_bin, :reverses_txn_id, 'pending',
        false, false, false, false, false, 'provisional')
    ON CONFLICT DO NOTHING
    RETURNING id)
INSERT INTO inbox_entry (partner, received_at, remote_addr, auth_header, body, body_sha256, outcome, reason,
    transaction_id)
SELECT :partner, :received_at, :remote_addr, :auth_header, :body, :body_sha256,
    CASE WHEN EXISTS (SELECT 1 FROM inserted) THEN 'accepted' ELSE 'duplicate' END, '',
    (SELECT id FROM inserted)
RETURNING id, transaction_id
""")


def _record_in_one_statement(transfer: IncomingTransfer, inbox: InboxEntry) -> int | None:
    params = {name: getattr(transfer, name) for name in (
        "partner", "partner_txn_id", "bank_reference", "bin", "account_number", "amount", "direction",
        "description", "booked_at", "payer_name", "payer_account", "payer_bin")}
    params.update(reverses_txn_id=transfer.reverses, received_at=utcnow(), remote_addr=inbox.remote_addr,
                  auth_header=inbox.auth_header, body=inbox.body, body_sha256=inbox.body_sha256)
    inbox_id, transaction_id = db.session.execute(_RECORD_SQL, params).one()
    if transaction_id is None:  # a duplicate: link the delivery to the transaction it repeats
        db.session.execute(update(InboxEntry).where(InboxEntry.id == inbox_id)
                           .values(transaction_id=_existing_id(transfer)))
    return transaction_id


def _store_inbox(inbox: InboxEntry):
    db.session.execute(_hot_statement("inbox"), {
        "partner": inbox.partner, "remote_addr": inbox.remote_addr, "auth_header": inbox.auth_header,
        "body": inbox.body, "body_sha256": inbox.body_sha256, "outcome": inbox.outcome,
        "reason": inbox.reason or "", "transaction_id": inbox.transaction_id})


def _existing_id(transfer: IncomingTransfer) -> int | None:
    """The transaction a duplicate repeats. Two lookups, each on its own unique index (an OR of
    the two keys would make PostgreSQL scan the table)."""
    by_partner_id = db.session.scalar(select(BankTransaction.id).where(
        BankTransaction.partner == transfer.partner, BankTransaction.partner_txn_id == transfer.partner_txn_id))
    if by_partner_id is not None:
        return by_partner_id
    return db.session.scalar(select(BankTransaction.id).where(
        BankTransaction.account_number == transfer.account_number,
        BankTransaction.bank_reference == transfer.bank_reference,
        BankTransaction.amount == transfer.amount, BankTransaction.direction == transfer.direction))


def receive_callback(partner: str, headers, body: bytes, remote_addr: str, now: float) -> CallbackOutcome:
    """Everything one delivery changes; the caller commits once, then answers the partner."""
    assert partner in PARTNERS
    inbox = InboxEntry(partner=partner, remote_addr=remote_addr or "", auth_header=_auth_header(partner, headers),
                       # PostgreSQL text cannot hold NUL; the hash keeps the exact bytes' identity.
                       body=body.decode("utf-8", "replace").replace("\x00", "\ufffd"),
                       body_sha256=hashlib.sha256(body).hexdigest(),
                       outcome="accepted")
    try:
        transfer = _verify_and_parse(partner, headers, body, now)
    except SignatureInvalid as rejected:
        inbox.outcome, inbox.reason = "rejected", rejected.reason
        db.session.add(inbox)
        return CallbackOutcome("rejected", rejected.reason)
    except PartnerTestDelivery:
        return CallbackOutcome("test")
    except MalformedCallback as malformed:
        return _file_malformed(inbox, malformed.reason)

    if db.session.get_bind().dialect.name == "postgresql":
        transaction_id = _record_in_one_statement(transfer, inbox)
        if transaction_id is None:
            return CallbackOutcome("duplicate", transaction_id=_existing_id(transfer))
        return CallbackOutcome("accepted", transaction_id=transaction_id)
    transaction_id = _insert_transaction(transfer)
    if transaction_id is None:
        inbox.outcome, inbox.transaction_id = "duplicate", _existing_id(transfer)
        _store_inbox(inbox)
        return CallbackOutcome("duplicate", transaction_id=inbox.transaction_id)
    inbox.transaction_id = transaction_id
    _store_inbox(inbox)
    return CallbackOutcome("accepted", transaction_id=transaction_id)


def _file_malformed(inbox: InboxEntry, reason: str) -> CallbackOutcome:
    """Authentic but unusable: keep it, and put it in suspense once (a re-delivery is not new)."""
    seen = db.session.scalar(select(InboxEntry.id).where(
        InboxEntry.partner == inbox.partner, InboxEntry.body_sha256 == inbox.body_sha256,
        InboxEntry.outcome == "malformed"))
    inbox.outcome, inbox.reason = "malformed", reason[:300]
    db.session.add(inbox)
    if seen is None:
        db.session.flush()
        db.session.add(SuspenseItem(reason="malformed", detail=reason[:300], inbox_entry_id=inbox.id))
    return CallbackOutcome("malformed", reason)
