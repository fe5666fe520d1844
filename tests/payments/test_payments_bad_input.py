"""Junk sent to the payment endpoints gets a 4xx in the one error shape, never a 500."""

import pytest

from tests.factories import auth_header, make_user, make_vendor, scope_of

pytestmark = pytest.mark.usefixtures("app")
JUNK = [None, "", [], {}, -1, 0, 1.5, True, "x" * 5000, "\u0000", {"a": 1}]


@pytest.fixture
def headers(app):
    vendor = make_vendor()
    return vendor, auth_header(make_user("vendor", scope=scope_of(vendor)))


@pytest.mark.parametrize("field", ["amount", "account_id", "note", "expires_in", "surprise"])
def test_junk_in_a_payment_request_is_a_422(client, headers, field):
    vendor, auth = headers
    for junk in JUNK:
        if field == "note" and junk == "":
            continue  # an empty note is fine
        body = {"amount": 10_000, field: junk}
        if field in ("account_id", "expires_in") and junk is None:
            continue  # null means "use the default"
        response = client.post(f"/api/v1/vendors/{vendor.id}/payment-requests", json=body, headers=auth)
        assert response.status_code == 422, (field, junk, response.status_code)
        assert set(response.get_json()) == {"code", "status", "message", "errors"}


@pytest.mark.parametrize(
    "path, status",
    [
        ("/api/v1/payment-requests/" + "X" * 300, 404),
        ("/api/v1/payment-requests/%C3%A9%C3%A9", 404),
        ("/api/v1/payment-requests/CP%20%20/cancel", 404),
        ("/api/v1/suspense?status=maybe", 422),
        ("/api/v1/suspense?limit=-3", 422),
        ("/api/v1/suspense/999999/resolve", 404),
    ],
)
def test_odd_addresses_are_refused_exactly(client, headers, path, status):
    vendor, auth = headers
    if "/suspense" in path:  # the stall's manager may use suspense: only the address is wrong
        auth = auth_header(make_user("market_manager", vendor.market.code))
    response = (
        client.post(path, json={"action": "dismiss", "note": "x"}, headers=auth)
        if path.endswith(("cancel", "resolve"))
        else client.get(path, headers=auth)
    )
    assert response.status_code == status, (path, response.status_code, response.get_json())


@pytest.mark.parametrize("key", ["k" * 101, "", "sale\x0042", "bán-hàng-1"])
def test_an_overlong_or_unprintable_idempotency_key_is_a_422(client, headers, key):
    vendor, auth = headers
    response = client.post(
        f"/api/v1/vendors/{vendor.id}/payment-requests", json={"amount": 1000}, headers={**auth, "Idempotency-Key": key}
    )
    assert response.status_code == 422 and "Idempotency-Key" in response.get_json()["errors"]
