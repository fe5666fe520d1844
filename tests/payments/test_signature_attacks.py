"""Attacks on the callback endpoints: each is refused (or, for an exact replay, changes nothing),
none becomes money, and every refused attempt is kept in the inbox for forensics."""

import json
import time

import pytest
from sqlalchemy import func, select

from market_pay.extensions import db
from market_pay.payments.models import BankTransaction, InboxEntry
from market_pay.payments.signatures import hmac_sha256_hex, sign_sepay, sign_simbank
from tests.factories import account_data, make_vendor
from tests.payments.helpers import PAYOS_KEY, SEPAY_SECRET, SIMBANK_SECRET, post_simbank, set_partners, simbank_transfer

pytestmark = pytest.mark.usefixtures("app")
PATH = "/api/v1/callbacks/simbank"


@pytest.fixture
def account(app):
    set_partners()
    return make_vendor(accounts=[account_data("970436", "0011001234567")]).accounts[0]


def money():
    return db.session.scalar(select(func.coalesce(func.sum(BankTransaction.amount), 0)))


def rejected():
    return db.session.scalars(select(InboxEntry.reason).where(InboxEntry.outcome == "rejected")).all()


def send(client, raw: bytes, header: str, **extra_headers):
    return client.post(
        PATH, data=raw, content_type="application/json", headers={"X-Signature": header, **extra_headers}
    )


def test_a_body_changed_after_signing_is_refused(client, account):
    raw = json.dumps(simbank_transfer(account, 50_000)).encode()
    header = sign_simbank(SIMBANK_SECRET, raw, int(time.time()))
    response = send(client, raw.replace(b"50000", b"5000000"), header)
    assert response.status_code == 401 and money() == 0 and rejected() == ["signature does not match"]


def test_an_old_delivery_replayed_is_refused_and_a_recent_one_changes_nothing(client, account):
    raw = json.dumps(simbank_transfer(account, 50_000)).encode()
    old = sign_simbank(SIMBANK_SECRET, raw, int(time.time()) - 3600)
    assert send(client, raw, old).status_code == 401 and money() == 0
    fresh = sign_simbank(SIMBANK_SECRET, raw, int(time.time()))
    assert send(client, raw, fresh).get_json() == {"status": "accepted"}
    for _ in range(3):  # the attacker captured it and sends it again
        assert send(client, raw, fresh).get_json() == {"status": "duplicate"}
    assert money() == 50_000


def test_a_future_timestamp_is_refused(client, account):
    raw = json.dumps(simbank_transfer(account)).encode()
    assert send(client, raw, sign_simbank(SIMBANK_SECRET, raw, int(time.time()) + 3600)).status_code == 401
    assert money() == 0


@pytest.mark.parametrize("secret", [SEPAY_SECRET, PAYOS_KEY, "", "simbank-test-secre"])
def test_another_partners_secret_or_a_near_miss_is_refused(client, account, secret):
    raw = json.dumps(simbank_transfer(account)).encode()
    assert send(client, raw, sign_simbank(secret, raw, int(time.time()))).status_code == 401
    assert money() == 0


def test_a_delivery_signed_for_sepay_is_refused_at_simbank(client, account):
    raw = json.dumps(simbank_transfer(account)).encode()
    sepay_headers = sign_sepay(SEPAY_SECRET, raw, int(time.time()))
    response = client.post(PATH, data=raw, content_type="application/json", headers=sepay_headers)
    assert response.status_code == 401 and money() == 0


@pytest.mark.parametrize(
    "forge",
    [
        lambda t, sig: f"t={t - 3600},t={t},v1={sig}",  # two timestamps: the signed one must be the one checked
        lambda t, sig: f"t={t},v1={sig[:-1]}",  # one digit short
        lambda t, sig: f"t={t},v1={sig.upper()}x",  # case games and junk
        lambda t, sig: f"t={t}," + ",".join(f"v1={n:064x}" for n in range(500)),  # a flood of guesses
        lambda t, sig: f"t={t};v1={sig}",  # the wrong separator
        lambda t, sig: f"t=١٧٠٠٠٠٠٠٠٠,v1={sig}",  # non-ASCII digits
        lambda t, sig: f"v1={sig},t={t}\x00",  # a NUL
    ],
)
def test_forged_or_injected_signature_headers_are_refused(client, account, forge):
    raw = json.dumps(simbank_transfer(account)).encode()
    now = int(time.time())
    signed_for_old = hmac_sha256_hex(SIMBANK_SECRET, f"{now - 3600}.".encode() + raw)
    response = send(client, raw, forge(now, signed_for_old))
    assert response.status_code == 401 and money() == 0
    assert len(rejected()) == 1  # kept for forensics (a NUL included: PostgreSQL once refused it)


def test_a_huge_signature_header_is_refused_and_not_stored_whole(client, account):
    raw = json.dumps(simbank_transfer(account)).encode()
    response = send(client, raw, "t=1,v1=" + "a" * 200_000)
    assert response.status_code == 401 and money() == 0
    stored = db.session.scalar(select(InboxEntry.auth_header))
    assert len(stored) <= 600


def test_a_huge_body_is_refused_before_parsing(client, account):
    raw = b'{"pad": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    response = send(client, raw, sign_simbank(SIMBANK_SECRET, raw, int(time.time())))
    assert response.status_code == 413 and money() == 0


def test_the_right_signature_on_a_rewritten_account_is_still_refused(client, account):
    """The signature covers the body, so moving the money to another account breaks it."""
    body = simbank_transfer(account, 80_000)
    raw = json.dumps(body).encode()
    header = sign_simbank(SIMBANK_SECRET, raw, int(time.time()))
    moved = json.dumps({**body, "account_number": "9999999999"}).encode()
    assert send(client, moved, header).status_code == 401
    assert post_simbank(client, body).status_code == 200 and money() == 80_000
