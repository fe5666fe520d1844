"""Matching off the request path: the background thread, and a separate matcher process."""

import threading
import time

import pytest
from sqlalchemy import select

from market_pay.extensions import db
from market_pay.payments.models import BankTransaction
from market_pay.payments.references import new_reference
from tests.factories import account_data, make_vendor
from tests.payments.helpers import post_sepay, post_simbank, set_partners, simbank_transfer


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
    client = committed.test_client()
    # A reference in the content: the matcher's work whatever the database (an unknown one).
    response = post_simbank(client, simbank_transfer(account, 12_000, description=f"TT {new_reference()}"))
    assert response.status_code == 200
    deadline = time.monotonic() + 5
    while kinds() != ["suspense"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert kinds() == ["suspense"]
    # A plain static sale: allocated by the callback itself (PostgreSQL) or by the thread.
    assert post_simbank(client, simbank_transfer(account, 15_000)).status_code == 200
    while kinds() != ["suspense", "static"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sorted(kinds()) == ["static", "suspense"]
    assert (
        db.session.scalar(select(BankTransaction.vendor_id).where(BankTransaction.match_kind == "static")) == vendor_id
    )
    db.session.rollback()


def test_with_the_matcher_off_transactions_wait_for_the_matcher_process(committed, stall, monkeypatch):
    monkeypatch.setitem(committed.config, "MATCHER", "off")
    _, account = stall
    # A reference in the content: never allocated by recording alone (a static sale may be).
    response = post_simbank(
        committed.test_client(), simbank_transfer(account, 12_000, description=f"TT {new_reference()}")
    )
    assert response.status_code == 200
    # The callback answers after its after-commit hook has run: inline, that hook would already have
    # matched; in thread mode it would have started the app's matcher thread. Off, no matcher
    # exists in this process to match it later, so "pending" now is "pending" for good.
    assert "market_pay_matcher" not in committed.extensions
    assert [thread for thread in threading.enumerate() if thread.name == "matcher" and thread.is_alive()] == []
    assert kinds() == ["pending"]
    db.session.close()
    result = committed.test_cli_runner().invoke(args=["matcher", "run", "--once"])
    assert result.exit_code == 0 and "Matched 1" in result.output
    assert kinds() == ["suspense"]  # unknown reference


def test_a_reversal_matched_in_the_same_batch_before_its_credit_still_undoes_it(committed, stall, monkeypatch):
    """Out of order: the reversal was recorded first, and both wait for one matcher batch."""
    monkeypatch.setitem(committed.config, "MATCHER", "off")
    vendor_id, account = stall
    client = committed.test_client()
    credit = simbank_transfer(account, 60_000)
    post_simbank(
        client,
        simbank_transfer(
            account,
            60_000,
            direction="out",
            reverses=credit["transaction_id"],
            description="HOAN TRA GD " + credit["bank_reference"],
        ),
    )
    post_simbank(client, credit)
    db.session.close()
    assert committed.test_cli_runner().invoke(args=["matcher", "run", "--once"]).exit_code == 0
    rows = db.session.execute(
        select(
            BankTransaction.direction, BankTransaction.match_kind, BankTransaction.vendor_id, BankTransaction.reversed
        ).order_by(BankTransaction.id)
    ).all()
    db.session.rollback()
    assert rows == [("out", "reversal", vendor_id, False), ("in", "static", vendor_id, True)]


@pytest.mark.parametrize("path", ["batched", "one_by_one", "at_recording"])
def test_batched_static_sales_are_allocated_exactly_as_one_by_one(app, monkeypatch, path):
    """The same mix through the set-based static path, through allocate() alone, and (on
    PostgreSQL) with the plain static sales allocated by the callback's own statement."""
    from market_pay.payments import callbacks, static_batch
    from market_pay.payments.match_worker import match_pending
    from market_pay.payments.references import new_reference
    from tests.factories import make_market

    allocated_at_recording = path == "at_recording" and db.engine.dialect.name == "postgresql"
    if path != "at_recording":  # everything waits for the matcher
        monkeypatch.setattr(callbacks, "is_static_sale_candidate", lambda transfer: False)
    if path == "one_by_one":
        monkeypatch.setattr(static_batch, "plan", lambda rows: {})
    monkeypatch.setitem(app.config, "MATCHER", "off")
    set_partners()
    market = make_market()
    hoa = make_vendor(market, "A-01", [account_data("970436", "0011001234567")], floor_amount=5_000)
    binh = make_vendor(market, "A-02", [account_data("970405", "3300123456789")])
    a, b = hoa.accounts[0], binh.accounts[0]
    client = app.test_client()
    credit = simbank_transfer(a, 40_000)
    deliveries = [
        simbank_transfer(a, 20_000),
        {
            "id": 9001,
            "gateway": "Some Other Bank",
            "transactionDate": "2026-11-22 09:15:00",  # SePay, no BIN:
            "accountNumber": b.account_number,
            "subAccount": None,
            "code": None,
            "content": "chuyen tien",  # found
            "transferType": "in",
            "transferAmount": 30_000,
            "accumulated": 0,
            "referenceCode": "FT9001",  # by number
            "description": "chuyen tien",
        },
        simbank_transfer(a, 1_000),  # below the stall's floor
        simbank_transfer(a, 60_000, direction="out", reverses=credit["transaction_id"]),  # before its credit
        simbank_transfer(b, 15_000, account_number="999999999"),  # unknown account
        simbank_transfer(b, 25_000),
        credit,
        simbank_transfer(a, 70_000, description=f"MBVCB.1.{new_reference()} chuyen"),  # a reference: full path
        simbank_transfer(b, 35_000),
    ]
    for body in deliveries:
        post = post_sepay if "gateway" in body else post_simbank
        assert post(client, body).status_code == 200
    # Recording allocates the four plain sales with a BIN; the rest waits for the matcher.
    assert match_pending() == len(deliveries) - (4 if allocated_at_recording else 0)
    db.session.commit()
    rows = db.session.execute(
        select(
            BankTransaction.partner_txn_id,
            BankTransaction.match_kind,
            BankTransaction.vendor_id,
            BankTransaction.receiving_account_id,
            BankTransaction.below_floor,
            BankTransaction.feed_seq,
            BankTransaction.reversed,
        ).order_by(BankTransaction.id)
    ).all()
    ids = [str(body.get("transaction_id", body.get("id"))) for body in deliveries]
    # Feed numbers follow allocation order: at recording, the sales recorded later but allocated
    # at once come before the ones that waited for the matcher.
    hoa_seqs, binh_seqs = ((1, 2, 4, 3), (3, 1, 2)) if allocated_at_recording else ((1, 2, 4, 3), (1, 2, 3))
    assert [tuple(row[1:]) for row in rows] == [
        ("static", hoa.id, a.id, False, hoa_seqs[0], False),
        ("static", binh.id, b.id, False, binh_seqs[0], False),  # SePay without a BIN: the matcher
        ("static", hoa.id, a.id, True, hoa_seqs[1], False),
        ("reversal", hoa.id, a.id, False, hoa_seqs[2], False),  # its credit, later in the batch, first
        ("suspense", None, None, False, None, False),  # unknown account
        ("static", binh.id, b.id, False, binh_seqs[1], False),
        ("static", hoa.id, a.id, False, hoa_seqs[3], True),  # …allocated by the reversal, reversed
        ("suspense", None, None, False, None, False),  # unknown reference
        ("static", binh.id, b.id, False, binh_seqs[2], False),
    ]
    assert [row[0] for row in rows] == ids


def test_a_reversal_filed_unmatched_while_its_credit_was_being_recorded_is_settled_by_the_next_batch(
    committed, stall, monkeypatch
):
    """The race of allocating at recording (PostgreSQL): the credit's statement has written its
    static sale but not committed; meanwhile its reversal arrives and a matcher batch, not seeing
    the credit, files the reversal as unmatched. The next batch must settle it."""
    import json
    import threading

    from market_pay.payments.callbacks import Delivery, _record_in_one_statement
    from market_pay.payments.match_worker import match_pending
    from market_pay.payments.models import SuspenseItem
    from market_pay.payments.partner_formats import parse_simbank

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers, and its callbacks leave every credit to the matcher")
    monkeypatch.setitem(committed.config, "MATCHER", "off")
    vendor_id, account = stall
    credit = simbank_transfer(account, 80_000)
    recorded, release = threading.Event(), threading.Event()

    def record_credit_slowly():
        # The callback's own statement, held open before its commit (a slow statement, stretched).
        with committed.app_context():
            body = json.dumps(credit).encode()
            delivery = Delivery.of("simbank", {}, body, "127.0.0.1")
            transaction_id, match_kind, _ = _record_in_one_statement(parse_simbank(body), delivery, on_session=True)
            assert transaction_id is not None and match_kind == "static"
            recorded.set()
            release.wait(10)
            db.session.commit()

    recorder = threading.Thread(target=record_credit_slowly)
    recorder.start()
    assert recorded.wait(10)
    client = committed.test_client()
    reversal = simbank_transfer(account, 80_000, direction="out", reverses=credit["transaction_id"])
    assert post_simbank(client, reversal).status_code == 200
    db.session.close()
    with committed.app_context():
        match_pending()  # the credit is not visible yet: the reversal goes to suspense
        db.session.commit()
        assert (
            db.session.scalar(select(SuspenseItem.reason).where(SuspenseItem.status == "open")) == "unmatched_reversal"
        )
    release.set()
    recorder.join(10)
    with committed.app_context():
        match_pending()
        db.session.commit()
        rows = db.session.execute(
            select(
                BankTransaction.direction,
                BankTransaction.match_kind,
                BankTransaction.vendor_id,
                BankTransaction.reversed,
            ).order_by(BankTransaction.id)
        ).all()
        item = db.session.scalar(select(SuspenseItem))
        assert rows == [("in", "static", vendor_id, True), ("out", "reversal", vendor_id, False)]
        assert (item.status, item.resolution) == ("resolved", "auto_matched")
