"""A signed reversal only ever reverses a credit on the same account (same BIN when both give one)."""

import pytest
from sqlalchemy import select

from market_pay.extensions import db
from market_pay.payments.models import BankTransaction, SuspenseItem
from tests.factories import account_data, make_vendor
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def stalls(app):
    set_partners()
    return (
        make_vendor(accounts=[account_data("970436", "0011001234567")]),
        make_vendor(accounts=[account_data("970422", "0352350917")]),
    )


def credit_of(partner_txn_id):
    return db.session.scalar(select(BankTransaction).where(BankTransaction.partner_txn_id == partner_txn_id))


def test_a_reversal_on_another_account_leaves_the_credit_and_goes_to_suspense(client, stalls):
    victim, attacker = stalls
    credit = simbank_transfer(victim.accounts[0], 70_000)
    post_simbank(client, credit)
    reversal = simbank_transfer(attacker.accounts[0], 70_000, direction="out", reverses=credit["transaction_id"])
    assert post_simbank(client, reversal).status_code == 200
    original = credit_of(credit["transaction_id"])
    assert (original.reversed, original.vendor_id) == (False, victim.id)
    item = db.session.scalar(select(SuspenseItem))
    assert item.reason == "unmatched_reversal" and "another account" in item.detail
    assert item.market_id == attacker.market_id
    out = credit_of(reversal["transaction_id"])
    assert (out.match_kind, out.vendor_id, out.reverses_id) == ("suspense", None, None)


def test_the_same_number_under_another_bin_is_another_account(client, stalls):
    victim, _ = stalls
    credit = simbank_transfer(victim.accounts[0], 70_000)
    post_simbank(client, credit)
    post_simbank(
        client,
        simbank_transfer(victim.accounts[0], 70_000, direction="out", bin="970422", reverses=credit["transaction_id"]),
    )
    assert credit_of(credit["transaction_id"]).reversed is False
    assert db.session.scalar(select(SuspenseItem.reason)) == "unmatched_reversal"


def test_an_early_reversal_on_another_account_is_not_applied_when_the_credit_arrives(client, stalls):
    victim, attacker = stalls
    credit = simbank_transfer(victim.accounts[0], 70_000)
    reversal = simbank_transfer(attacker.accounts[0], 70_000, direction="out", reverses=credit["transaction_id"])
    post_simbank(client, reversal)
    assert post_simbank(client, credit).status_code == 200
    original = credit_of(credit["transaction_id"])
    assert (original.reversed, original.vendor_id, original.match_kind) == (False, victim.id, "static")
    item = db.session.scalar(select(SuspenseItem))
    assert (item.status, item.reason) == ("open", "unmatched_reversal")


def test_a_reversal_on_the_same_account_still_undoes_its_credit(client, stalls):
    victim, _ = stalls
    credit = simbank_transfer(victim.accounts[0], 70_000)
    post_simbank(client, credit)
    post_simbank(
        client, simbank_transfer(victim.accounts[0], 70_000, direction="out", reverses=credit["transaction_id"])
    )
    assert credit_of(credit["transaction_id"]).reversed is True
    assert db.session.scalar(select(SuspenseItem)) is None
