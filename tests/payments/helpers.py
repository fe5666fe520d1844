"""Helpers for callback tests: partner set-up and correctly signed deliveries."""

import itertools
import json
import time

from sqlalchemy import func, select

from market_pay.extensions import db
from market_pay.payments.partners import set_credentials
from market_pay.payments.signatures import payos_signature, sign_sepay, sign_simbank
from tests.factories import account_data, make_vendor

SIMBANK_SECRET = "simbank-test-secret"
SEPAY_SECRET = "sepay-test-secret"
SEPAY_KEY = "sepay-api-key-1"
PAYOS_KEY = "payos-checksum-key"
_ids = itertools.count(1)


def set_partners():
    set_credentials("simbank", [SIMBANK_SECRET], [])
    set_credentials("sepay", [SEPAY_SECRET], [SEPAY_KEY])
    set_credentials("payos", [PAYOS_KEY], [])
    db.session.commit()


def partner_stall():
    """A stall with one account at BIN 970436, every partner configured: callbacks can reach it."""
    set_partners()
    return make_vendor(accounts=[account_data("970436", "0011001234567", "NGUYEN THI HOA")])


def count(model, *where) -> int:
    """How many rows of `model` match."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def simbank_transfer(account, amount=50_000, description="chuyen tien", **overrides):
    n = next(_ids)
    body = {
        "transaction_id": f"SIM{n:08d}",
        "bank_reference": f"FT2432{n:07d}",
        "bin": account.bin,
        "account_number": account.account_number,
        "amount": amount,
        "direction": "in",
        "description": description,
        "booked_at": "2026-11-22T09:15:00+07:00",
        "payer_name": "TRAN VAN B",
    }
    body.update(overrides)
    return body


def post_simbank(client, body, secret=SIMBANK_SECRET, timestamp=None, raw=None):
    data = raw if raw is not None else json.dumps(body).encode()
    header = sign_simbank(secret, data, int(timestamp or time.time()))
    return client.post(
        "/api/v1/callbacks/simbank", data=data, headers={"X-Signature": header}, content_type="application/json"
    )


def post_sepay(client, body, api_key=None):
    data = json.dumps(body).encode()
    headers = {"Authorization": f"Apikey {api_key}"} if api_key else sign_sepay(SEPAY_SECRET, data, int(time.time()))
    return client.post("/api/v1/callbacks/sepay", data=data, headers=headers, content_type="application/json")


def post_payos(client, data, key=PAYOS_KEY):
    body = {"code": "00", "desc": "success", "success": True, "data": data, "signature": payos_signature(key, data)}
    return client.post("/api/v1/callbacks/payos", json=body)
