"""Issue 17 finding 3: one stall's figures that cannot be added up (money written before the
service had a bound on it) never make the reports answer 500 for anyone; that stall stays marked
for a retry and everything else is brought up to date."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from market_pay.extensions import db
from market_pay.payments.models import BankTransaction
from market_pay.reports.models import RollupDirty, StallDayTotal
from tests.factories import auth_header, make_market, make_user, make_vendor

pytestmark = pytest.mark.usefixtures("app")
BOOKED = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


def credit(vendor, amount, n):
    account = vendor.accounts[0]
    db.session.add(
        BankTransaction(
            partner="simbank",
            partner_txn_id=f"LEGACY-{vendor.id}-{n}",
            bank_reference=f"FTL{vendor.id}x{n}",
            bin=account.bin,
            account_number=account.account_number,
            amount=amount,
            direction="in",
            booked_at=BOOKED,
            match_kind="static",
            vendor_id=vendor.id,
            receiving_account_id=account.id,
            confirmation="recovered",
        )
    )


def test_a_stall_whose_rollup_cannot_be_computed_never_breaks_the_reports(client):
    broken_market, healthy_market = make_market(), make_market()
    broken, healthy = make_vendor(broken_market), make_vendor(healthy_market)
    for n in range(10):  # ten legacy lines of 999,999,999,999,999,999 ₫: the sum overflows a bigint
        credit(broken, 999_999_999_999_999_999, n)
    credit(healthy, 50_000, 0)
    db.session.commit()

    for user, market in (
        (make_user("admin"), healthy_market),
        (make_user("region_staff", healthy_market.region.code), healthy_market),
        (make_user("admin"), broken_market),
    ):
        response = client.get(
            f"/api/v1/reports/adoption?market={market.code}&from=2026-11-01&to=2026-11-30", headers=auth_header(user)
        )
        assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    healthy_value = select(StallDayTotal.cashless_value).where(StallDayTotal.vendor_id == healthy.id)
    assert db.session.scalar(healthy_value) == 50_000
    assert db.session.scalar(select(StallDayTotal).where(StallDayTotal.vendor_id == broken.id)) is None
    # Still marked: the refresh tries again once the data is repaired.
    assert db.session.scalars(select(RollupDirty.vendor_id)).all() == [broken.id]
