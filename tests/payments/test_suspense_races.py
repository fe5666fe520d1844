"""Concurrent resolutions of one suspense item over real HTTP: exactly one wins, the rest are 409."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from market_pay.audit.models import AuditLog
from market_pay.auth.services import create_user, issue_token
from market_pay.extensions import db
from market_pay.markets.services import create_market
from market_pay.payments.models import BankTransaction, FeedCounter, SuspenseItem
from market_pay.regions.services import create_region
from market_pay.vendors.services import register_vendor
from tests.conftest import PG_URL, make_app
from tests.servers import call, cli, gunicorn, scratch_postgres, service_env


@pytest.fixture
def service_database():
    url = scratch_postgres(PG_URL, "suspense")
    yield url
    scratch_postgres(PG_URL, "suspense", drop=True)


def _seed(url: str):
    """_seed_here in a database of its own (the one gunicorn serves)."""
    app = make_app(url)
    with app.app_context():
        ids, token = _seed_here()
        db.engine.dispose()
    return app, token, ids


def _seed_here():
    """A stall, an admin's token and one open item (money for an unknown account), committed."""
    from market_pay.common.types import utcnow

    create_region(None, {"code": "C1", "name": "Xã", "kind": "commune"})
    create_market(None, {"code": "M1", "name": "Chợ", "region_code": "C1"})
    vendor = register_vendor(
        None,
        {
            "market_code": "M1",
            "stall_code": "A1",
            "display_name": "Rau",
            "phone": "0912345678",
            "accounts": [{"bin": "970436", "account_number": "123456", "account_name": "A"}],
        },
    )
    token, _ = issue_token(create_user(None, "admin", "long-enough-pw", "admin"))
    txn = BankTransaction(
        partner="simbank",
        partner_txn_id="T1",
        bank_reference="FT1",
        bin="970436",
        account_number="999999",
        amount=40_000,
        direction="in",
        description="tien rau",
        booked_at=utcnow(),
        match_kind="suspense",
    )
    db.session.add(txn)
    db.session.flush()
    item = SuspenseItem(reason="unknown_account", transaction_id=txn.id)
    db.session.add(item)
    db.session.commit()
    ids = vendor.id, item.id, txn.id
    db.session.close()
    return ids, token


def _assert_resolved_once(vendor_id, item_id, txn_id):
    txn = db.session.get(BankTransaction, txn_id)
    assert txn.vendor_id == vendor_id and txn.feed_seq == 1
    assert db.session.get(FeedCounter, vendor_id).last_seq == 1  # one allocation, not several
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.entity_type == "suspense_item")) == 1


def test_concurrent_resolutions_in_workers_of_one_process_give_one_success(committed):
    """Both databases: six threads, each its own session and transaction."""
    (vendor_id, item_id, txn_id), token = _seed_here()
    barrier = threading.Barrier(6)

    def resolve(n):
        client = committed.test_client()
        barrier.wait()
        return client.post(
            f"/api/v1/suspense/{item_id}/resolve",
            headers={"Authorization": f"Bearer {token}"},
            json={"action": "assign_stall", "vendor_id": vendor_id, "note": f"try {n}"},
        ).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(resolve, range(6)))
    assert statuses == [200] + [409] * 5
    db.session.rollback()
    _assert_resolved_once(vendor_id, item_id, txn_id)


@pytest.mark.slow
@pytest.mark.skipif(not PG_URL, reason="the race over HTTP is PostgreSQL's: set MARKET_PAY_TEST_DATABASE_URL")
def test_ten_concurrent_resolutions_of_one_item_give_one_200_and_nine_409s(service_database):
    env = service_env(service_database)
    cli(env, "db", "upgrade")
    app, token, (vendor_id, item_id, txn_id) = _seed(service_database)
    barrier = threading.Barrier(10)

    def resolve(n):
        barrier.wait()
        return call(
            f"{base}/api/v1/suspense/{item_id}/resolve",
            {"action": "assign_stall", "vendor_id": vendor_id, "note": f"try {n}"},
            token,
        )[0]

    with gunicorn(env, workers=3, threads=4) as base, ThreadPoolExecutor(10) as pool:
        statuses = sorted(pool.map(resolve, range(10)))
    assert statuses == [200] + [409] * 9
    with app.app_context():
        _assert_resolved_once(vendor_id, item_id, txn_id)
        db.session.remove()
        db.engine.dispose()
