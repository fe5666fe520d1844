"""Each partner's signature scheme against known-answer vectors and tampering."""

import json

import pytest

from market_pay.payments.signatures import (
    SignatureInvalid,
    hmac_sha256_hex,
    payos_signature,
    sign_sepay,
    sign_simbank,
    verify_payos,
    verify_sepay,
    verify_simbank,
)

NOW = 1_763_800_000
# payOS's own SDK test case (payos-lib-python, tests/_crypto/testCases.json, key "test_checksum_key").
PAYOS_KEY = "test_checksum_key"
PAYOS_WEBHOOK_DATA = {
    "accountNumber": "0123456789",
    "amount": 20000,
    "description": "thanh toan",
    "reference": "FT-REFERENCE",
    "transactionDateTime": "2025-12-12 09:00:00",
    "virtualAccountNumber": "",
    "counterAccountBankId": "01202001",
    "counterAccountBankName": "",
    "counterAccountName": "NGUYEN VAN A",
    "counterAccountNumber": "9876543210",
    "virtualAccountName": "",
    "currency": "VND",
    "orderCode": 0,
    "paymentLinkId": "payment-link-id",
    "code": "00",
    "desc": "success",
}
PAYOS_WEBHOOK_SIGNATURE = "302b3becca1672dff99daafae2965f40e48ea3ca39453e4bf37fbcc26807a0e8"
# Same source: a body with a list of objects and nulls ("paid payment link with 1 transaction").
PAYOS_NESTED = {
    "id": "payment-link-id",
    "orderCode": 0,
    "amount": 2000,
    "amountPaid": 2000,
    "amountRemaining": 0,
    "status": "PAID",
    "createdAt": "2025-12-12T09:00:00+07:00",
    "transactions": [
        {
            "accountNumber": "0123456789",
            "amount": 2000,
            "counterAccountBankId": "01202001",
            "counterAccountBankName": None,
            "counterAccountName": "NGUYEN VAN A",
            "counterAccountNumber": "9876543210",
            "description": "TRANSACTION DESCRIPTION",
            "reference": "FT-REFERENCE",
            "transactionDateTime": "2025-12-12T09:00:00+07:00",
            "virtualAccountName": None,
            "virtualAccountNumber": None,
        }
    ],
    "canceledAt": None,
    "cancellationReason": None,
}


def test_hmac_sha256_matches_githubs_published_vector():
    assert (
        hmac_sha256_hex("It's a Secret to Everybody", b"Hello, World!")
        == "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


def test_payos_signature_matches_the_sdk_webhook_vector():
    assert payos_signature(PAYOS_KEY, PAYOS_WEBHOOK_DATA) == PAYOS_WEBHOOK_SIGNATURE
    verify_payos({"data": PAYOS_WEBHOOK_DATA, "signature": PAYOS_WEBHOOK_SIGNATURE}, [PAYOS_KEY])


def test_payos_signature_matches_the_sdk_vector_with_lists_and_nulls():
    assert (
        payos_signature(PAYOS_KEY, PAYOS_NESTED) == "6af5e2c9a28256c140169ed624114b43295915d7b6e2fa6278b17a7c43aadefd"
    )


def test_payos_tolerates_fields_it_does_not_know_yet():
    data = {**PAYOS_WEBHOOK_DATA, "newFieldFromPayOS": "x", "flag": True, "nested": {"b": 1, "a": None}}
    verify_payos({"data": data, "signature": payos_signature(PAYOS_KEY, data)}, [PAYOS_KEY])


def test_payos_refuses_tampered_data_and_a_wrong_key():
    with pytest.raises(SignatureInvalid):
        verify_payos(
            {"data": {**PAYOS_WEBHOOK_DATA, "amount": 2000000}, "signature": PAYOS_WEBHOOK_SIGNATURE}, [PAYOS_KEY]
        )
    with pytest.raises(SignatureInvalid):
        verify_payos({"data": PAYOS_WEBHOOK_DATA, "signature": PAYOS_WEBHOOK_SIGNATURE}, ["another-key"])
    with pytest.raises(SignatureInvalid):
        verify_payos({"data": PAYOS_WEBHOOK_DATA}, [PAYOS_KEY])


BODY = json.dumps({"transaction_id": "T1", "amount": 50000}).encode()


def test_simbank_signature_round_trips_and_accepts_any_live_secret():
    header = sign_simbank("old-secret-123", BODY, NOW)
    verify_simbank(header, BODY, ["new-secret-456", "old-secret-123"], NOW + 10)


def test_simbank_accepts_several_v1_entries():
    header = sign_simbank("new-secret-456", BODY, NOW) + ",v1=" + "0" * 64
    verify_simbank(header, BODY, ["new-secret-456"], NOW)


@pytest.mark.parametrize(
    "case",
    [
        "tampered body",
        "wrong secret",
        "stale",
        "future",
        "no header",
        "no v1",
        "garbage timestamp",
        "other partner's secret",
    ],
)
def test_simbank_refuses(case):
    header, body, secrets, now = sign_simbank("secret-one-1", BODY, NOW), BODY, ["secret-one-1"], NOW
    if case == "tampered body":
        body = BODY.replace(b"50000", b"500000")
    elif case == "wrong secret":
        secrets = ["secret-two-2"]
    elif case == "stale":
        now = NOW + 301
    elif case == "future":
        now = NOW - 301
    elif case == "no header":
        header = None
    elif case == "no v1":
        header = f"t={NOW}"
    elif case == "garbage timestamp":
        header = header.replace(f"t={NOW}", "t=abc")
    elif case == "other partner's secret":
        header = sign_simbank("sepay-secret", BODY, NOW)
    with pytest.raises(SignatureInvalid):
        verify_simbank(header, body, secrets, now)


def test_sepay_hmac_and_api_key_modes():
    headers = sign_sepay("sepay-secret-1", BODY, NOW)
    verify_sepay(headers, BODY, ["sepay-secret-1"], [], NOW)
    verify_sepay({"Authorization": "Apikey key-abc-123"}, BODY, [], ["key-abc-123"], NOW)
    with pytest.raises(SignatureInvalid):
        verify_sepay({"Authorization": "Apikey wrong"}, BODY, [], ["key-abc-123"], NOW)
    with pytest.raises(SignatureInvalid):
        verify_sepay(headers, BODY + b" ", ["sepay-secret-1"], [], NOW)
    with pytest.raises(SignatureInvalid):
        verify_sepay(headers, BODY, ["sepay-secret-1"], [], NOW + 400)
    with pytest.raises(SignatureInvalid):
        verify_sepay({}, BODY, ["sepay-secret-1"], [], NOW)
