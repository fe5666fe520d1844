"""Bad input gets one clear JSON error shape and never a 500; nothing half-written stays."""

import json

import pytest
from sqlalchemy import func, select

from market_pay.extensions import db
from market_pay.vendors.models import Vendor
from tests.factories import account_data, auth_header, make_market, make_user

pytestmark = pytest.mark.usefixtures("app")


def assert_error_shape(response, code):
    body = response.get_json()
    assert response.status_code == code, body
    assert set(body) == {"code", "status", "message", "errors"}
    assert body["code"] == code and isinstance(body["errors"], dict) and body["message"]
    return body


@pytest.fixture
def admin(app):
    return auth_header(make_user("admin"))


def test_wrong_content_type_is_415(client, admin):
    response = client.post(
        "/api/v1/markets", data="code=X", content_type="application/x-www-form-urlencoded", headers=admin
    )
    assert_error_shape(response, 415)


def test_unreadable_json_is_400(client, admin):
    response = client.post("/api/v1/markets", data="{not json", content_type="application/json", headers=admin)
    assert_error_shape(response, 400)


def test_json_that_is_not_an_object_is_400(client, admin):
    response = client.post("/api/v1/markets", data="[1, 2]", content_type="application/json", headers=admin)
    assert_error_shape(response, 400)


def test_unknown_fields_are_422_naming_each(client, admin):
    market = make_market()
    response = client.post(
        "/api/v1/markets",
        headers=admin,
        json={"code": "X", "name": "Chợ", "region_code": market.region_code, "colour": "red", "size": 3},
    )
    body = assert_error_shape(response, 422)
    assert set(body["errors"]) == {"colour", "size"}


@pytest.mark.parametrize("floor", ["1000", 10.5, True, -1, 10**12, [], {}])
def test_wrong_types_and_out_of_range_values_are_422(client, admin, floor):
    market = make_market()
    response = client.post(
        "/api/v1/vendors",
        headers=admin,
        json={
            "market_code": market.code,
            "stall_code": "A",
            "display_name": "X",
            "phone": "0912345678",
            "floor_amount": floor,
            "accounts": [account_data()],
        },
    )
    assert "floor_amount" in assert_error_shape(response, 422)["errors"]


def test_missing_required_fields_are_each_named(client, admin):
    body = assert_error_shape(client.post("/api/v1/vendors", headers=admin, json={}), 422)
    assert set(body["errors"]) == {"market_code", "stall_code", "display_name", "legal_name", "phone", "accounts"}


def test_body_over_the_limit_is_413(client, admin):
    huge = json.dumps({"code": "X", "name": "x" * (3 * 1024 * 1024)})
    response = client.post("/api/v1/markets", data=huge, content_type="application/json", headers=admin)
    assert_error_shape(response, 413)


def test_unknown_ids_are_404(client, admin):
    assert_error_shape(client.get("/api/v1/vendors/999999", headers=admin), 404)
    assert_error_shape(client.get("/api/v1/vendors/not-a-number", headers=admin), 404)
    assert_error_shape(client.get("/api/v1/nothing-here", headers=admin), 404)


def test_wrong_method_is_405_with_allow(client, admin):
    response = client.delete("/api/v1/markets", headers=admin)
    assert_error_shape(response, 405)
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=abc", "limit=100000", "colour=red", "cursor=forged", "status=gone"]
)
def test_bad_query_parameters_are_422(client, admin, query):
    assert_error_shape(client.get(f"/api/v1/vendors?{query}", headers=admin), 422)


def test_no_token_is_401_in_the_same_shape(client):
    assert_error_shape(client.get("/api/v1/vendors"), 401)


JUNK = [None, "", " ", [], {}, 0, -1, 1.5, True, "x" * 5000, "\u0000", "Đ" * 300, {"a": [1]}, ["a"]]


@pytest.mark.parametrize("field", ["market_code", "stall_code", "display_name", "phone", "floor_amount", "accounts"])
def test_junk_in_any_vendor_field_is_a_422_on_that_field_and_writes_nothing(client, admin, field):
    market = make_market()
    valid = {
        "market_code": market.code,
        "stall_code": "A-1",
        "display_name": "X",
        "legal_name": "NGUYỄN THỊ HOA",
        "phone": "0912345678",
        "accounts": [account_data()],
    }
    # 0 and null are valid floors; everything else here is junk for every field.
    for junk in [j for j in JUNK if not (field == "floor_amount" and j in (None, 0))]:
        response = client.post("/api/v1/vendors", headers=admin, json={**valid, field: junk})
        assert_error_shape(response, 422)
        assert field in response.get_json()["errors"], (field, junk, response.get_json())
    assert db.session.scalar(select(func.count(Vendor.id))) == 0
    # Only the junk was refused: the same body without it is accepted.
    assert client.post("/api/v1/vendors", headers=admin, json=valid).status_code == 201


@pytest.mark.parametrize("account_field", ["bin", "account_number", "account_name"])
def test_junk_in_account_fields_is_a_422(client, admin, account_field):
    market = make_market()
    for junk in JUNK:
        account = {**account_data(), account_field: junk}
        response = client.post(
            "/api/v1/vendors",
            headers=admin,
            json={
                "market_code": market.code,
                "stall_code": "A-1",
                "display_name": "X",
                "phone": "0912345678",
                "accounts": [account],
            },
        )
        assert response.status_code == 422, (account_field, junk, response.status_code)


def test_pages_answer_errors_in_html(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html" and "404" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/markets/%00",
        "/api/v1/vendors?market_code=%00",
        "/api/v1/regions/a%00b",
        "/api/v1/regions?parent_code=%00",
    ],
)
def test_nul_characters_in_the_address_are_400_on_every_database(client, admin, url):
    assert_error_shape(client.get(url, headers=admin), 400)
