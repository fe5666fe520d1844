"""The quiet-stall alert from the database: on the stall's board summary and in the market
manager's list; never for a stall selling as usual; scoped."""

from datetime import timedelta
from itertools import count

from market_pay.common.types import utcnow
from market_pay.extensions import db
from market_pay.payments.models import BankTransaction
from tests.factories import auth_header, make_market, make_user, make_vendor, scope_of

_n = count(1)


def credit(vendor, at):
    account = vendor.accounts[0]
    n = next(_n)
    db.session.add(
        BankTransaction(
            partner="simbank",
            partner_txn_id=f"Q{n}",
            bank_reference=f"FTQ{n}",
            bin=account.bin,
            account_number=account.account_number,
            amount=10_000,
            direction="in",
            booked_at=at,
            match_kind="static",
            vendor_id=vendor.id,
            receiving_account_id=account.id,
        )
    )


def usual_days(vendor, now, days=5):
    """Sales every 10 minutes from 3 hours before to 3 hours after this time of day."""
    for back in range(1, days + 1):
        moment = now - timedelta(days=back, hours=3)
        while moment < now - timedelta(days=back) + timedelta(hours=3):
            credit(vendor, moment)
            moment += timedelta(minutes=10)


def test_a_stall_gone_quiet_is_listed_for_its_manager_and_told_on_its_board(app, client, monkeypatch):
    # 10:00 in Vietnam, so the made-up trading day never straddles midnight whenever the test runs.
    now = utcnow().replace(hour=3, minute=0, second=0, microsecond=0)
    monkeypatch.setattr("market_pay.common.types.utcnow", lambda: now)
    market = make_market()
    quiet, busy = make_vendor(market=market, stall_code="Q-1"), make_vendor(market=market, stall_code="Q-2")
    for vendor in (quiet, busy):
        usual_days(vendor, now)
    credit(quiet, now - timedelta(minutes=95))
    credit(busy, now - timedelta(minutes=5))
    db.session.commit()
    manager = make_user("market_manager", market.code)
    response = client.get(f"/api/v1/markets/{market.code}/quiet-stalls", headers=auth_header(manager))
    assert response.status_code == 200
    assert [(item["stall_code"], item["quiet_minutes"]) for item in response.json["items"]] == [("Q-1", 95)]
    assert response.json["items"][0]["usual_gap_minutes"] == 10.0

    from market_pay.stalls.services import board_summary

    assert board_summary(make_user("vendor", scope_of(quiet)))["quiet"]["quiet_minutes"] == 95
    assert board_summary(make_user("vendor", scope_of(busy)))["quiet"] is None


def test_quiet_stalls_are_scoped(client, app):
    market, other = make_market(), make_market()
    vendor = make_vendor(market=market)
    assert (
        client.get(
            f"/api/v1/markets/{market.code}/quiet-stalls", headers=auth_header(make_user("market_manager", other.code))
        ).status_code
        == 403
    )
    assert (
        client.get(
            f"/api/v1/markets/{market.code}/quiet-stalls", headers=auth_header(make_user("vendor", scope_of(vendor)))
        ).status_code
        == 403
    )
    assert client.get("/api/v1/markets/NOPE/quiet-stalls", headers=auth_header(make_user())).status_code == 404
    assert client.get(f"/api/v1/markets/{market.code}/quiet-stalls").status_code == 401
