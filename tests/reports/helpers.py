"""Writing history straight into the base tables (the triggers mark it; a refresh rolls it up)."""

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

from market_pay.cash.models import CashSale
from market_pay.extensions import db
from market_pay.payments.models import BankTransaction

VN = ZoneInfo("Asia/Ho_Chi_Minh")
_ids = itertools.count(1)


def at(text: str) -> datetime:
    """'2026-11-05 09:30' in Vietnam time."""
    return datetime.fromisoformat(text).replace(tzinfo=VN)


def credit(stall, amount, when, confirmation="provisional", kind="static", reversed_=False):
    n = next(_ids)
    txn = BankTransaction(
        partner="simbank",
        partner_txn_id=f"H{n}",
        bank_reference=f"FT-H{n}",
        bin="970436",
        account_number=stall.accounts[0].account_number,
        amount=amount,
        direction="in",
        description="",
        booked_at=at(when),
        match_kind=kind,
        vendor_id=stall.id,
        receiving_account_id=stall.accounts[0].id,
        confirmation=confirmation,
        reversed=reversed_,
    )
    db.session.add(txn)
    db.session.commit()
    return txn


def cash(market, amount, when, count=1, stall=None, source="stall"):
    sale = CashSale(
        market_id=market.id,
        vendor_id=stall.id if stall else None,
        amount=amount,
        count=count,
        occurred_at=at(when),
        source=source,
    )
    db.session.add(sale)
    db.session.commit()
    return sale
