"""The names behind a page of audit rows (a stall's code and name, a market's name, a user's…),
for audit_words.entity_words: one query per kind of thing on the page, never one per row."""

from collections import defaultdict

from sqlalchemy import select

from ..auth.models import User
from ..banks.directory import bank_short_name
from ..common.formatting import format_date
from ..extensions import db
from ..markets.models import Market
from ..payments.models import BankTransaction, PaymentRequest, SuspenseItem
from ..reconciliation.models import ReconciliationRun
from ..regions.models import Region
from ..vendors.models import ReceivingAccount, Vendor

# A database integer column holds no larger id (a larger one names nothing; not a driver's overflow).
_LARGEST_ID = 2**31 - 1


def _ids(keys: set[str]) -> list[int]:
    return sorted({int(key) for key in keys if key.isdigit() and 0 < int(key) <= _LARGEST_ID})


def _vendors(ids):
    rows = db.session.execute(select(Vendor.id, Vendor.stall_code, Vendor.display_name).where(Vendor.id.in_(ids)))
    return {str(row.id): {"stall_code": row.stall_code, "display_name": row.display_name} for row in rows}


def _accounts(ids):
    rows = db.session.execute(
        select(ReceivingAccount.id, ReceivingAccount.bin, ReceivingAccount.account_number, Vendor.stall_code)
        .join(Vendor, Vendor.id == ReceivingAccount.vendor_id)
        .where(ReceivingAccount.id.in_(ids))
    )
    return {
        str(row.id): {
            "bank": bank_short_name(row.bin),
            "account_number": row.account_number,
            "stall_code": row.stall_code,
        }
        for row in rows
    }


def _requests(ids):
    rows = db.session.execute(
        select(PaymentRequest.id, PaymentRequest.reference, Vendor.stall_code)
        .join(Vendor, Vendor.id == PaymentRequest.vendor_id)
        .where(PaymentRequest.id.in_(ids))
    )
    return {str(row.id): {"reference": row.reference, "stall_code": row.stall_code} for row in rows}


def _users(ids):
    rows = db.session.execute(select(User.id, User.username, User.display_name).where(User.id.in_(ids)))
    return {str(row.id): {"username": row.username, "display_name": row.display_name} for row in rows}


def _runs(ids):
    rows = db.session.execute(
        select(ReconciliationRun.id, ReconciliationRun.statement_date).where(ReconciliationRun.id.in_(ids))
    )
    return {str(row.id): {"statement_date": format_date(row.statement_date)} for row in rows}


def _suspense(ids):
    rows = db.session.execute(
        select(SuspenseItem.id, BankTransaction.amount)
        .join(BankTransaction, BankTransaction.id == SuspenseItem.transaction_id)
        .where(SuspenseItem.id.in_(ids))
    )
    return {str(row.id): {"amount": row.amount} for row in rows}


# Things logged by their id, and how their names are loaded.
_BY_ID = {
    "vendor": _vendors,
    "receiving_account": _accounts,
    "payment_request": _requests,
    "user": _users,
    "reconciliation_run": _runs,
    "suspense_item": _suspense,
}


def _markets(codes):
    rows = db.session.execute(select(Market.code, Market.name).where(Market.code.in_(codes)))
    return {row.code: {"code": row.code, "name": row.name} for row in rows}


def _regions(codes):
    rows = db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
    return {row.code: {"code": row.code, "name": row.name} for row in rows}


# Things logged by their code.
_BY_CODE = {"market": _markets, "region": _regions}


def entity_names(rows) -> dict[tuple[str, str], dict]:
    """{(entity type, entity id): fields} for the audit rows' entities that still exist."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        wanted[row.entity_type].add(row.entity_id)
    names: dict[tuple[str, str], dict] = {}
    for kind, keys in wanted.items():
        if kind in _BY_ID and (ids := _ids(keys)):
            found = _BY_ID[kind](ids)
        elif kind in _BY_CODE:
            found = _BY_CODE[kind](sorted(keys))
        else:
            continue
        names.update({(kind, key): fields for key, fields in found.items()})
    return names
