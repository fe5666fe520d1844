"""Hostile input at the service's edges (issue 18): each is a clear 4xx, never a 500."""
import http.client
import json
import time
import urllib.parse

import pytest
from sqlalchemy import func, select

from market_pay.extensions import db
from market_pay.payments.models import BankTransaction, InboxEntry
from tests.conftest import PG_URL
from tests.factories import account_data, auth_header, make_user, make_vendor
from tests.payments.helpers import SIMBANK_SECRET, set_partners, simbank_transfer
from tests.servers import cli, fresh_database_url, gunicorn, service_env

@pytest.fixture
def stall(app):
    set_partners()
    return make_vendor(accounts=[account_data("970436", "0011001234567", "NGUYEN THI HOA")])


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- 1. signatures with non-ASCII characters -------------------------------------------------

NON_ASCII_SIGNED = {
    "simbank": lambda now: {"X-Signature": f"t={now},v1=é"},
    "simbank-many": lambda now: {"X-Signature": f"t={now},v1=ab,v1=\u00ff\u00fe"},
    "sepay": lambda now: {"X-SePay-Timestamp": str(now), "X-SePay-Signature": "sha256=é"},
    "sepay-apikey": lambda now: {"Authorization": "Apikey clé"},
}
REJECTED_FORMAT = {"simbank": lambda b: b["status"] == "rejected", "sepay": lambda b: b["success"] is False,
                   "payos": lambda b: b["success"] is False}


@pytest.mark.parametrize("case", sorted(NON_ASCII_SIGNED))
def test_a_non_ascii_signature_header_is_401_and_kept_as_rejected(client, stall, case):
    partner = case.split("-")[0]
    body = json.dumps(simbank_transfer(stall.accounts[0])).encode()
    response = client.post(f"/api/v1/callbacks/{partner}", data=body, content_type="application/json",
                           headers=NON_ASCII_SIGNED[case](int(time.time())))
    assert response.status_code == 401 and REJECTED_FORMAT[partner](response.get_json())
    assert count(BankTransaction) == 0
    entry = db.session.scalar(select(InboxEntry))
    assert entry.outcome == "rejected" and entry.reason


@pytest.mark.parametrize("signature", ["é", "\ud800", "ab\u00e9cd" * 8])
def test_a_payos_body_with_a_non_ascii_signature_is_401_and_kept_as_rejected(client, stall, signature):
    data = {"orderCode": 5, "amount": 45_000, "description": "thanh toan", "accountNumber": "0011001234567",
            "reference": "FT-PAYOS-1", "transactionDateTime": "2026-11-22 11:00:00", "paymentLinkId": "l-1",
            "code": "00", "desc": "success"}
    body = json.dumps({"code": "00", "desc": "success", "success": True, "data": data, "signature": signature})
    response = client.post("/api/v1/callbacks/payos", data=body, content_type="application/json")
    assert response.status_code == 401 and response.get_json()["success"] is False
    assert count(BankTransaction) == 0
    assert db.session.scalar(select(InboxEntry.outcome)) == "rejected"


@pytest.fixture(params=["sqlite"] + (["postgresql"] if PG_URL else []))
def served(request, tmp_path):
    """A real gunicorn with simbank and SePay credentials."""
    env = service_env(fresh_database_url(request.param, tmp_path, PG_URL))
    cli(env, "db", "upgrade")
    cli(env, "partners", "set", "simbank", "--secret", SIMBANK_SECRET)
    cli(env, "partners", "set", "sepay", "--secret", "sepay-secret", "--api-key", "sepay-key")
    with gunicorn(env, workers=1, threads=1) as base:
        yield base


def raw_post(base: str, path: str, header_lines: list[bytes], body: bytes) -> tuple[int, bytes]:
    """POST with header bytes exactly as given (http.client would refuse to send non-ASCII)."""
    parsed = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    connection.putrequest("POST", path)
    for line in header_lines:
        name, _, value = line.partition(b": ")
        connection.putheader(name.decode(), value)  # bytes values go on the wire untouched
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    try:
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.slow
def test_non_ascii_signature_bytes_over_real_http_are_401_in_the_partners_format(served):
    now = str(int(time.time())).encode()
    body = json.dumps({"transaction_id": "SIM1", "amount": 1000}).encode()
    for path, lines in [
        ("/api/v1/callbacks/simbank", [b"X-Signature: t=" + now + b",v1=\xc3\xa9"]),  # é in UTF-8
        ("/api/v1/callbacks/simbank", [b"X-Signature: t=" + now + b",v1=\xe9"]),  # é in latin-1
        ("/api/v1/callbacks/sepay", [b"X-SePay-Timestamp: " + now, b"X-SePay-Signature: sha256=\xe9\xff"]),
        ("/api/v1/callbacks/sepay", [b"Authorization: Apikey \xc3\xa9"]),
    ]:
        status, answer = raw_post(served, path, lines, body)
        assert status == 401, (path, lines, status, answer)
        decoded = json.loads(answer)
        assert decoded.get("status") == "rejected" or decoded.get("success") is False


# --- 2. deeply nested JSON -----------------------------------------------------------------

DEEP = [b"[" * 100_000, b"[" * 900 + b"]" * 900, b'{"a":' * 40 + b"1" + b"}" * 40,
        b'{"code": "X", "name": ' + b"[" * 50 + b"]" * 50 + b"}"]


def assert_error_shape(response, code):
    body = response.get_json()
    assert response.status_code == code, (response.status_code, body)
    assert set(body) == {"code", "status", "message", "errors"} and body["code"] == code
    return body


@pytest.mark.parametrize("raw", DEEP, ids=["open-100k", "balanced-900", "objects-40", "inside-a-field"])
@pytest.mark.parametrize("path,role", [("/api/v1/auth/token", None), ("/api/v1/markets", "admin"),
                                       ("/api/v1/vendors", "admin"), ("/api/v1/qr/decode", "admin"),
                                       ("/api/v1/users", "admin")])
def test_deeply_nested_json_is_400_with_the_error_shape(client, app, raw, path, role):
    headers = auth_header(make_user(role)) if role else {}
    response = client.post(path, data=raw, content_type="application/json", headers=headers)
    assert_error_shape(response, 400)


def test_json_nested_as_deep_as_the_bound_is_still_read(client, app):
    from market_pay.common.jsontext import MAX_DEPTH, loads
    assert loads(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None
    assert loads(b'"' + b"[" * 100 + b'"') == "[" * 100  # brackets inside a string are not nesting


@pytest.mark.parametrize("raw", DEEP[:3], ids=["open-100k", "balanced-900", "objects-40"])
def test_deeply_nested_callbacks_are_refused_in_the_partners_format_and_kept(client, stall, raw):
    for partner in ("simbank", "sepay", "payos"):
        response = client.post(f"/api/v1/callbacks/{partner}", data=raw, content_type="application/json")
        assert response.status_code == 401 and REJECTED_FORMAT[partner](response.get_json()), partner
    assert count(InboxEntry, InboxEntry.outcome == "rejected") == 3
    # Signed but unreadable: authentic, so kept and filed as malformed (never a 500).
    from tests.payments.helpers import post_simbank
    signed = post_simbank(client, None, raw=raw)
    assert signed.status_code == 200
    assert count(InboxEntry, InboxEntry.outcome == "malformed") == 1 and count(BankTransaction) == 0


def test_a_payos_body_with_deeply_nested_data_is_refused_not_a_server_error(client, stall):
    nested = json.loads(b"[" * 200 + b"]" * 200)
    body = json.dumps({"data": {"amount": 1, "extra": nested}, "signature": "00"})
    response = client.post("/api/v1/callbacks/payos", data=body, content_type="application/json")
    assert response.status_code == 401 and response.get_json()["success"] is False
