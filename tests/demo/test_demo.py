"""The demo data set: realistic, complete, and idempotent."""

import pytest
from sqlalchemy import func, select

from market_pay.audit.models import AuditLog
from market_pay.auth.models import User
from market_pay.demo.loader import DEMO_LOGINS, MARKETS
from market_pay.extensions import db
from market_pay.markets.models import Market
from market_pay.regions.models import Region
from market_pay.vendors.models import ReceivingAccount, Vendor

pytestmark = pytest.mark.usefixtures("app")


def counts():
    return tuple(
        db.session.scalar(select(func.count(model.id)))
        for model in (Region, Market, Vendor, ReceivingAccount, User, AuditLog)
    )


def test_demo_loads_markets_stalls_and_one_login_per_role(runner, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "admin-demo-2026" in result.output  # the logins are printed
    assert db.session.scalar(select(func.count(Market.id))) == len(MARKETS) >= 12
    per_market = db.session.execute(select(Vendor.market_id, func.count()).group_by(Vendor.market_id)).all()
    assert all(20 <= n <= 60 for _, n in per_market)
    two_banks = db.session.execute(
        select(ReceivingAccount.vendor_id).group_by(ReceivingAccount.vendor_id).having(func.count() > 1)
    ).all()
    assert len(two_banks) > 10
    assert set(db.session.scalars(select(User.role))) == {
        "admin",
        "region_staff",
        "market_manager",
        "vendor",
        "vendor_assistant",
    }
    for username, password, *_ in DEMO_LOGINS:
        response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code == 201, username


def test_demo_markets_sit_in_hagiang_communes_with_vietnamese_names(runner):
    runner.invoke(args=["demo"])
    dong_van = db.session.scalar(select(Market).where(Market.code == "DV-DONGVAN"))
    assert dong_van.name == "Chợ Đồng Văn" and dong_van.region.path == "/08/026/00721/"
    names = db.session.scalars(select(Vendor.display_name)).all()
    assert any("Thị" in name for name in names) and any("Seo" in name or "Mí" in name for name in names)


def test_running_the_demo_twice_changes_nothing(runner):
    runner.invoke(args=["demo"])
    before = counts()
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert counts() == before


def test_the_demo_brings_weeks_of_history_that_the_reports_read_exactly(runner):
    from datetime import datetime, timedelta

    from market_pay.common.local_time import local_zone
    from market_pay.payments.models import BankTransaction, FeedCounter
    from market_pay.reports.adoption import adoption_report, bring_rollups_up_to_date
    from tests.reports.base_figures import stall_figures_from_base

    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "History: " in result.output and "over 21 days" in result.output
    credits = db.session.scalar(select(func.count()).select_from(BankTransaction))
    assert 18_000 <= credits <= 22_000
    # Feed numbers continue where the history left them, per stall.
    last = dict(
        db.session.execute(
            select(BankTransaction.vendor_id, func.max(BankTransaction.feed_seq)).group_by(BankTransaction.vendor_id)
        ).all()
    )
    assert dict(db.session.execute(select(FeedCounter.vendor_id, FeedCounter.last_seq)).all()) == last
    today = datetime.now(local_zone()).date()
    first = today - timedelta(days=20)
    bring_rollups_up_to_date()
    fast = adoption_report(None, region_code="08", first=first, last=today)
    slow = adoption_report(None, region_code="08", first=first, last=today, stall_figures=stall_figures_from_base)
    assert [vars(r.figures) for r in fast.rows] == [vars(r.figures) for r in slow.rows]
    total = fast.rows[-1].figures
    assert total.markets == len(MARKETS) and total.current.cashless_value > 0 and 0 < total.current.share_by_value < 1
    assert sum(week["cashless_value"] for week in fast.weekly) == total.current.cashless_value
    again = runner.invoke(args=["demo"])
    assert "History: already present; nothing added." in again.output


def test_a_larger_history_on_demand(runner):
    from market_pay.payments.models import BankTransaction

    result = runner.invoke(args=["demo", "--transactions", "6000", "--days", "30", "--markets", "20"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Market.id))) == 20
    credits = db.session.scalar(
        select(func.count()).select_from(BankTransaction).where(BankTransaction.direction == "in")
    )
    assert 5_000 <= credits <= 7_000
