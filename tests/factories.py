"""Plain make_* factories. Each commits (into the test's outer transaction, rolled back later) so
objects survive the session clean-up at the end of every request the test makes."""

import itertools

from market_pay.auth.services import create_user, issue_token
from market_pay.extensions import db
from market_pay.markets.services import create_market
from market_pay.regions.services import create_region
from market_pay.vendors.services import register_vendor

_seq = itertools.count(1)
STAFF_PASSWORD = "correct-horse-battery"
# Not a run, a repeat or a well-known PIN: the credential rules refuse those.
VENDOR_PIN = "480257"


def make_region(code=None, kind="commune", parent=None, name=None):
    code = code or f"R{next(_seq)}"
    region = create_region(
        None, {"code": code, "name": name or f"Xã {code}", "kind": kind, "parent_code": parent.code if parent else None}
    )
    db.session.commit()
    return region


def make_market(code=None, region=None, name=None):
    region = region or make_region()
    code = code or f"M{next(_seq)}"
    market = create_market(
        None, {"code": code, "name": name or f"Chợ {code}", "region_code": region.code, "address": "Thôn 1"}
    )
    db.session.commit()
    return market


def account_data(bin_code="970405", account_number=None, account_name="NGUYỄN THỊ HOA"):
    return {"bin": bin_code, "account_number": account_number or f"{next(_seq):012d}", "account_name": account_name}


def make_vendor(market=None, stall_code=None, accounts=None, phone="0912345678", floor_amount=None, legal_name=None):
    """Registered by the operator (actor None): its accounts are active at once. The legal name
    is the first account's name unless given (account names must match it)."""
    market = market or make_market()
    accounts = accounts or [account_data()]
    vendor = register_vendor(
        None,
        {
            "market_code": market.code,
            "stall_code": stall_code or f"S-{next(_seq)}",
            "display_name": "Rau sạch bà Hoa",
            "legal_name": legal_name or accounts[0]["account_name"],
            "phone": phone,
            "floor_amount": floor_amount,
            "accounts": accounts,
        },
    )
    db.session.commit()
    return vendor


def make_user(role="admin", scope=None, username=None, password=None):
    stall_role = role in ("vendor", "vendor_assistant")
    username = username or (f"09{next(_seq):08d}" if stall_role else f"user{next(_seq)}")
    password = password or (VENDOR_PIN if stall_role else STAFF_PASSWORD)
    user = create_user(None, username, password, role, scope)
    db.session.commit()
    return user


def make_run(market_ids=(), statement_date=None):
    """A bare reconciliation run (no lines, nothing matched) touching `market_ids`, flushed (not
    committed: the caller adds what refers to it first)."""
    from datetime import date

    from market_pay.reconciliation.models import ReconciliationRun, ReconciliationRunMarket

    run = ReconciliationRun(
        partner="simbank",
        statement_date=statement_date or date(2026, 11, 21),
        file_name="s.csv",
        file_sha256=f"{next(_seq):064d}",
        line_count=1,
        account_count=1,
        totals={},
        break_count=0,
        actor_label="cli",
    )
    run.markets = [ReconciliationRunMarket(market_id=market_id) for market_id in market_ids]
    db.session.add(run)
    db.session.flush()
    return run


def auth_header(user) -> dict:
    token, _ = issue_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def scope_of(vendor) -> str:
    return f"{vendor.market.code}/{vendor.stall_code}"
