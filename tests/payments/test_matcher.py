"""Matching off the request path: the background thread, and a separate matcher process."""
import time

import pytest
from sqlalchemy import select

from market_pay.extensions import db
from market_pay.payments.models import BankTransaction
from tests.factories import account_data, make_vendor
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer


@pytest.fixture
def stall(committed):
    set_partners()
    vendor = make_vendor(accounts=[account_data("970436", "0011001234567")])
    vendor_id, account = vendor.id, vendor.accounts[0]
    account_ref = type("Account", (), {"bin": account.bin, "account_number": account.account_number})
    db.session.close()
    return vendor_id, account_ref


def kinds():
    """Read, then end the transaction at once: on SQLite an open one holds the write lock and
    would starve the matcher thread this test is waiting for."""
    db.session.rollback()
    found = db.session.scalars(select(BankTransaction.match_kind)).all()
    db.session.rollback()
    return found


@pytest.fixture
def thread_mode(committed, monkeypatch):
    monkeypatch.setitem(committed.config, "MATCHER", "thread")
    yield
    matcher = committed.extensions.pop("market_pay_matcher", None)
    if matcher is not None:
        matcher.stop()


def test_the_background_thread_matches_right_after_the_callback_commits(committed, stall, thread_mode):
    vendor_id, account = stall
    response = post_simbank(committed.test_client(), simbank_transfer(account, 12_000))
    assert response.status_code == 200
    deadline = time.monotonic() + 5
    while kinds() != ["static"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert kinds() == ["static"]
    assert db.session.scalar(select(BankTransaction.vendor_id)) == vendor_id
    db.session.rollback()


def test_with_the_matcher_off_transactions_wait_for_the_matcher_process(committed, stall, monkeypatch):
    monkeypatch.setitem(committed.config, "MATCHER", "off")
    _, account = stall
    post_simbank(committed.test_client(), simbank_transfer(account, 12_000))
    time.sleep(0.2)
    assert kinds() == ["pending"]
    db.session.close()
    result = committed.test_cli_runner().invoke(args=["matcher", "run", "--once"])
    assert result.exit_code == 0 and "Matched 1" in result.output
    assert kinds() == ["static"]


def test_a_reversal_matched_in_the_same_batch_before_its_credit_still_undoes_it(committed, stall, monkeypatch):
    """Out of order: the reversal was recorded first, and both wait for one matcher batch."""
    monkeypatch.setitem(committed.config, "MATCHER", "off")
    vendor_id, account = stall
    client = committed.test_client()
    credit = simbank_transfer(account, 60_000)
    post_simbank(client, simbank_transfer(account, 60_000, direction="out", reverses=credit["transaction_id"],
                                          description="HOAN TRA GD " + credit["bank_reference"]))
    post_simbank(client, credit)
    db.session.close()
    assert committed.test_cli_runner().invoke(args=["matcher", "run", "--once"]).exit_code == 0
    rows = db.session.execute(select(BankTransaction.direction, BankTransaction.match_kind, BankTransaction.vendor_id,
                                     BankTransaction.reversed).order_by(BankTransaction.id)).all()
    db.session.rollback()
    assert rows == [("out", "reversal", vendor_id, False), ("in", "static", vendor_id, True)]
