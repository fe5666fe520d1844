"""Findings of the second-wave insider review (docs/REVIEWS.md section 1) of issues 17 and 18,
each as the test that failed before its fix."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from market_pay.audit.models import AuditLog
from market_pay.extensions import db
from market_pay.payments.models import BankTransaction, InboxEntry
from tests.factories import account_data, auth_header, make_user, make_vendor
from tests.payments.helpers import post_sepay, post_simbank, set_partners, simbank_transfer


@pytest.fixture
def stall(app):
    set_partners()
    return make_vendor(accounts=[account_data("970436", "0011001234567", "NGUYEN THI HOA")])


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- 1. a signed callback booked in year 1 or 9999 broke the stall's feed for good -------------------

@pytest.mark.parametrize("booked_at", ["0001-01-01T00:00:00+07:00", "0001-01-01T00:00:00+00:00",
                                       "9999-12-31T23:59:59-12:00", "9999-12-31T23:59:59+00:00",
                                       "1899-12-31T23:00:00+00:00"])
def test_a_callback_booked_outside_the_service_s_years_is_kept_as_malformed_and_the_feed_still_reads(
        client, stall, booked_at):
    account = stall.accounts[0]
    body = simbank_transfer(account, booked_at=booked_at)
    response = post_simbank(client, body)
    assert response.status_code == 200  # authentic: acknowledged so the bank stops retrying
    assert count(BankTransaction, BankTransaction.partner_txn_id == body["transaction_id"]) == 0
    assert count(InboxEntry, InboxEntry.outcome == "malformed") == 1
    vendor_user = make_user("vendor", f"{stall.market.code}/{stall.stall_code}")
    feed = client.get(f"/api/v1/vendors/{stall.id}/payments", headers=auth_header(vendor_user))
    assert feed.status_code == 200 and feed.get_json()["items"] == []


def test_a_sepay_callback_booked_in_year_1_is_kept_as_malformed(client, stall):
    account = stall.accounts[0]
    response = post_sepay(client, {"id": 90001, "gateway": "BIDV", "transactionDate": "0001-01-01 00:00:00",
                                   "accountNumber": account.account_number, "transferType": "in",
                                   "transferAmount": 50_000, "referenceCode": "FT0001", "content": "rau"})
    assert response.status_code == 200
    assert count(BankTransaction) == 0
    assert count(InboxEntry, InboxEntry.outcome == "malformed") == 1


# --- 2. the same cash sale undone twice at once: two "successes", two audit rows --------------------

def test_concurrent_undos_of_one_cash_sale_give_one_success_and_one_audit_row(committed):
    """Both databases: ten threads, each its own session. One DELETE decides; the rest are 404."""
    vendor = make_vendor(accounts=[account_data("970436", "0011001234567", "NGUYEN THI HOA")])
    db.session.commit()
    headers = auth_header(make_user("vendor", f"{vendor.market.code}/{vendor.stall_code}"))
    client = committed.test_client()
    sale = client.post(f"/api/v1/vendors/{vendor.id}/cash-sales", headers=headers, json={"amount": 15_000})
    assert sale.status_code == 201
    sale_id = sale.get_json()["id"]
    db.session.close()
    barrier = threading.Barrier(10)

    def undo(_):
        worker = committed.test_client()
        barrier.wait()
        return worker.delete(f"/api/v1/cash-sales/{sale_id}", headers=headers).status_code

    with ThreadPoolExecutor(10) as pool:
        statuses = sorted(pool.map(undo, range(10)))
    assert statuses == [200] + [404] * 9
    assert count(AuditLog, AuditLog.action == "cash_sale.delete") == 1
