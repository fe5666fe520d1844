"""Stall codes, QR images, decode and the public verify check, over HTTP."""

import pytest

from market_pay.vietqr.check_code import ALPHABET, check_code
from market_pay.vietqr.codec import build, parse
from tests.factories import account_data, auth_header, make_market, make_user, make_vendor, scope_of
from tests.qr_reader import decoded_texts

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def stall(app):
    market = make_market(name="Chợ Đồng Văn")
    return make_vendor(
        market,
        stall_code="A-01",
        accounts=[
            account_data("970405", "1234567890", "Đặng Thị Hoà"),
            account_data("970422", "0352350917", "DANG THI HOA"),
        ],
    )


def test_stall_codes_list_each_active_account_with_payload_and_check_code(client, stall):
    headers = auth_header(make_user("vendor", scope=scope_of(stall)))
    items = client.get(f"/api/v1/vendors/{stall.id}/qr", headers=headers).get_json()["items"]
    assert [(i["bank"], i["account_number"], i["account_name"]) for i in items] == [
        ("Agribank", "1234567890", "Đặng Thị Hoà"),
        ("MBBank", "0352350917", "DANG THI HOA"),
    ]
    first = items[0]
    assert first["payload"] == build("970405", "1234567890")
    assert parse(first["payload"]).point_of_initiation == "11"
    assert first["check_code"] == check_code(first["payload"])
    assert 4 <= len(first["check_code"]) <= 6 and set(first["check_code"]) <= set(ALPHABET)
    assert set(first) == {"account_id", "bin", "bank", "account_number", "account_name", "payload", "check_code"}


def test_deactivated_accounts_have_no_code(client, stall):
    admin = auth_header(make_user("admin"))
    client.post(f"/api/v1/vendors/{stall.id}/accounts/{stall.accounts[1].id}/deactivate", headers=admin)
    items = client.get(f"/api/v1/vendors/{stall.id}/qr", headers=admin).get_json()["items"]
    assert [i["bank"] for i in items] == ["Agribank"]
    assert client.get(f"/api/v1/accounts/{stall.accounts[1].id}/qr.png", headers=admin).status_code == 404


@pytest.mark.parametrize("image_format, mimetype", [("png", "image/png"), ("svg", "image/svg+xml")])
def test_account_image_reads_back_to_the_registered_payload(client, stall, image_format, mimetype):
    headers = auth_header(make_user("market_manager", scope=stall.market.code))
    response = client.get(f"/api/v1/accounts/{stall.accounts[0].id}/qr.{image_format}?size=360", headers=headers)
    assert response.status_code == 200 and response.mimetype == mimetype
    assert decoded_texts(response.data, image_format) == [build("970405", "1234567890")]


def test_repeat_image_requests_are_answered_304_from_the_etag(client, stall):
    headers = auth_header(make_user("admin"))
    url = f"/api/v1/accounts/{stall.accounts[0].id}/qr.png"
    first = client.get(url, headers=headers)
    assert first.headers["ETag"] and "max-age" in first.headers["Cache-Control"]
    again = client.get(url, headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    other_size = client.get(url + "?size=200", headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert other_size.status_code == 200


@pytest.mark.parametrize("query", ["size=10", "size=99999", "size=big", "colour=red"])
def test_bad_image_parameters_are_422(client, stall, query):
    response = client.get(
        f"/api/v1/accounts/{stall.accounts[0].id}/qr.png?{query}", headers=auth_header(make_user("admin"))
    )
    assert response.status_code == 422


@pytest.mark.parametrize("query", ["size=10", "size=big", "colour=red"])
def test_another_stall_s_image_is_refused_before_its_query_is_read(client, stall, query):
    """Scope before the query: another stall's vendor is refused (403) and told nothing of it."""
    headers = auth_header(make_user("vendor", scope=scope_of(make_vendor())))
    refused = client.get(f"/api/v1/accounts/{stall.accounts[0].id}/qr.png?{query}", headers=headers)
    assert refused.status_code == 403 and set(refused.get_json()["errors"]) <= {"who_can"}, refused.get_json()


def test_other_stalls_codes_and_images_are_forbidden(client, stall):
    other = make_vendor()
    headers = auth_header(make_user("vendor", scope=scope_of(other)))
    assert client.get(f"/api/v1/vendors/{stall.id}/qr", headers=headers).status_code == 403
    assert client.get(f"/api/v1/accounts/{stall.accounts[0].id}/qr.svg", headers=headers).status_code == 403
    assert client.get(f"/api/v1/accounts/{stall.accounts[0].id}/qr.svg").status_code == 401


def test_staff_decode_a_payload(client):
    payload = build("970436", "0011001234567", amount=50_000, purpose="THANH TOAN SAP 12")
    response = client.post("/api/v1/qr/decode", json={"payload": payload}, headers=auth_header(make_user("admin")))
    assert response.get_json() == {
        "point_of_initiation": "dynamic",
        "bin": "970436",
        "bank": "Vietcombank",
        "account": "0011001234567",
        "service_code": "QRIBFTTA",
        "amount": 50000,
        "currency": "704",
        "country": "VN",
        "merchant_name": None,
        "merchant_city": None,
        "bill_number": None,
        "reference_label": None,
        "terminal_label": None,
        "purpose": "THANH TOAN SAP 12",
        "crc": payload[-4:],
    }


def test_decode_reports_what_is_wrong_and_is_for_staff_only(client, stall):
    bad = client.post(
        "/api/v1/qr/decode", json={"payload": "000201010211630400000"}, headers=auth_header(make_user("admin"))
    )
    assert bad.status_code == 422 and "63" in bad.get_json()["errors"]["payload"][0]
    vendor = auth_header(make_user("vendor", scope=scope_of(stall)))
    assert client.post("/api/v1/qr/decode", json={"payload": build("970405", "1")}, headers=vendor).status_code == 403


def test_verify_confirms_a_genuine_stall_code_without_leaking_private_data(client, stall):
    response = client.get("/api/v1/verify", query_string={"payload": build("970405", "1234567890")})
    body = response.get_json()
    assert response.status_code == 200
    assert body["registered"] is True and body["genuine"] is True and body["status"] == "genuine"
    assert (body["market_name"], body["stall_code"], body["account_name"], body["bank"]) == (
        "Chợ Đồng Văn",
        "A-01",
        "Đặng Thị Hoà",
        "Agribank",
    )
    assert body["account_number_masked"].endswith("7890") and "1234567890" not in str(body)
    assert "0912345678" not in str(body) and "id" not in body
    assert body["check_code"] == check_code(build("970405", "1234567890"))
    assert "Mã QR đúng của sạp A-01" in body["message"]


def test_verify_accepts_the_banks_own_lower_case_crc(client, stall):
    payload = build("970422", "0352350917")
    assert client.get("/api/v1/verify", query_string={"payload": payload[:-4] + payload[-4:].lower()}).get_json()[
        "genuine"
    ]


def test_verify_warns_plainly_about_an_added_amount_or_content(client, stall):
    altered = build("970405", "1234567890", amount=200, purpose="tien rau", dynamic=False)
    body = client.get("/api/v1/verify", query_string={"payload": altered}).get_json()
    assert body["registered"] is True and body["genuine"] is False and body["status"] == "modified"
    assert body["differences"] == ["amount", "purpose"]
    assert "Cảnh báo" in body["message"] and "200 ₫" in body["message"] and "tien rau" in body["message"]
    english = client.get("/api/v1/verify", query_string={"payload": altered, "lang": "en"}).get_json()
    assert english["message"].startswith("Warning")


def test_verify_says_an_unknown_account_is_not_registered(client, stall):
    body = client.get("/api/v1/verify", query_string={"payload": build("970405", "999999")}).get_json()
    assert body == {
        "registered": False,
        "genuine": False,
        "status": "unknown_account",
        "message": "Mã QR này không thuộc sạp nào đã đăng ký. Đừng thanh toán nếu không chắc chắn.",
    }


def test_verify_flags_a_suspended_stall(client, stall):
    client.post(
        f"/api/v1/vendors/{stall.id}/suspend", json={"reason": "bỏ sạp"}, headers=auth_header(make_user("admin"))
    )
    body = client.get("/api/v1/verify", query_string={"payload": build("970405", "1234567890")}).get_json()
    assert body["registered"] is True and body["genuine"] is False and body["status"] == "suspended"


def test_verify_rejects_garbage_with_a_clear_422(client):
    response = client.get("/api/v1/verify", query_string={"payload": "hello"})
    assert response.status_code == 422 and "payload" in response.get_json()["errors"]
    assert client.get("/api/v1/verify").status_code == 422


def test_verify_is_rate_limited_per_client_address(client, app):
    app.config["VERIFY_RATE_LIMIT"] = 3
    try:
        statuses = [
            client.get(
                "/api/v1/verify", query_string={"payload": "x"}, environ_base={"REMOTE_ADDR": "10.1.1.1"}
            ).status_code
            for _ in range(5)
        ]
        other = client.get("/api/v1/verify", query_string={"payload": "x"}, environ_base={"REMOTE_ADDR": "10.1.1.2"})
    finally:
        app.config["VERIFY_RATE_LIMIT"] = 30
    assert statuses == [422, 422, 422, 429, 429]
    assert other.status_code == 422
