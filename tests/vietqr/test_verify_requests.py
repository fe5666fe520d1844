"""/api/v1/verify and /verify on the dynamic codes this service issues (issue 19, Verify):
our own code is genuine with its amount, stall and validity; a changed one is the warning."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from market_pay.common.types import utcnow
from market_pay.extensions import db
from market_pay.payments.models import PaymentRequest
from market_pay.payments.references import new_reference
from market_pay.vietqr.check_code import check_code
from market_pay.vietqr.codec import build, parse
from tests.factories import account_data, auth_header, make_market, make_user, make_vendor, scope_of
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def stall(app):
    set_partners()
    return make_vendor(
        make_market(name="Chợ Đồng Văn"),
        stall_code="A-01",
        accounts=[account_data("970436", "0011001234567", "Đặng Thị Hoà")],
    )


@pytest.fixture
def issued(client, stall):
    headers = auth_header(make_user("vendor", scope=scope_of(stall)))
    response = client.post(
        f"/api/v1/vendors/{stall.id}/payment-requests", json={"amount": 50_000, "note": "rau"}, headers=headers
    )
    assert response.status_code == 201
    return response.get_json() | {"headers": headers}


def verify(client, payload, **query):
    response = client.get("/api/v1/verify", query_string={"payload": payload, **query})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_pending_request_we_issued_is_genuine_with_amount_stall_and_validity(client, stall, issued):
    body = verify(client, issued["payload"])
    assert body["genuine"] is True and body["status"] == "genuine" and body["registered"] is True
    assert body["payment_request"]["reference"] == issued["reference"]
    assert body["payment_request"]["amount"] == 50_000 and body["payment_request"]["validity"] == "pending"
    assert (body["stall_code"], body["market_name"], body["account_name"]) == ("A-01", "Chợ Đồng Văn", "Đặng Thị Hoà")
    assert body["check_code"] == check_code(build("970436", "0011001234567"))
    assert "Mã thanh toán đúng của sạp A-01" in body["message"] and "50.000 ₫" in body["message"]
    assert "Cảnh báo" not in body["message"] and "0011001234567" not in str(body)


def test_a_paid_request_is_still_ours_but_says_not_to_pay_again(client, stall, issued):
    transfer = simbank_transfer(stall.accounts[0], amount=50_000, description=f"MBVCB.1 {issued['reference']}")
    assert post_simbank(client, transfer).status_code == 200
    body = verify(client, issued["payload"])
    assert body["genuine"] is True and body["payment_request"]["validity"] == "paid"
    assert "đã được thanh toán" in body["message"]


def test_an_expired_or_cancelled_request_says_so(client, stall, issued):
    db.session.execute(update(PaymentRequest).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    expired = verify(client, issued["payload"])
    assert expired["genuine"] is True and expired["payment_request"]["validity"] == "expired"
    assert "hết hạn" in expired["message"]
    cancel = client.post(f"/api/v1/payment-requests/{issued['reference']}/cancel", headers=issued["headers"])
    assert cancel.status_code == 200
    cancelled = verify(client, issued["payload"], lang="en")
    assert cancelled["payment_request"]["validity"] == "cancelled" and "cancelled" in cancelled["message"]


def test_our_reference_with_another_amount_or_account_is_the_warning(client, stall, issued):
    purpose = parse(issued["payload"]).purpose
    more = verify(client, build("970436", "0011001234567", amount=500_000, purpose=purpose))
    assert more["genuine"] is False and more["status"] == "modified" and more["differences"] == ["amount"]
    assert "Cảnh báo" in more["message"] and "số tiền" in more["message"] and "payment_request" not in more
    elsewhere = verify(client, build("970422", "9990001112223", amount=50_000, purpose=purpose))
    assert elsewhere["genuine"] is False and elsewhere["differences"] == ["account"]


def test_a_reference_we_never_issued_is_the_warning(client, stall, issued):
    forged = build("970436", "0011001234567", amount=50_000, purpose=new_reference())
    body = verify(client, forged)
    assert body["genuine"] is False and body["status"] == "modified"


def test_a_request_whose_account_is_no_longer_active_is_not_genuine(client, stall, issued):
    admin = auth_header(make_user("admin"))
    client.post(f"/api/v1/vendors/{stall.id}/accounts", headers=admin, json=account_data("970422", "0352350917"))
    response = client.post(f"/api/v1/vendors/{stall.id}/accounts/{stall.accounts[0].id}/deactivate", headers=admin)
    assert response.status_code == 200 and response.get_json()["active"] is False
    body = verify(client, issued["payload"])
    assert body["genuine"] is False and body["status"] == "unknown_account"


def test_the_verify_page_shows_the_same_verdict_for_our_dynamic_code(client, stall, issued):
    import re

    page = client.get("/verify", query_string={"payload": issued["payload"]}).get_data(as_text=True)
    assert '<span class="nowrap">A-01</span>' in page and '<span class="nowrap">50.000 ₫</span>' in page
    assert 'data-status="genuine"' in page
    page = re.sub(r"<[^>]+>", "", page)
    assert "Mã thanh toán đúng của sạp A-01" in page and "50.000 ₫" in page
    assert "altered" not in page and "thêm số tiền" not in page


def test_the_verdict_shows_the_check_code_printed_on_the_stalls_card(client, stall, issued):
    card_code = check_code(build("970436", "0011001234567"))
    for payload in (build("970436", "0011001234567"), issued["payload"]):
        page = client.get("/verify", query_string={"payload": payload}).get_data(as_text=True)
        assert f'<strong id="check-code">{card_code}</strong>' in page and "Mã kiểm tra in trên thẻ" in page
    unknown = client.get("/verify", query_string={"payload": build("970436", "42")}).get_data(as_text=True)
    assert 'id="check-code"' not in unknown


def test_the_page_speaks_plainly_with_one_heading_and_one_check_button(client, stall):
    for payload in ("hello", build("970436", "0011001234567")[:-4] + "0000", "000201010211"):
        page = client.get("/verify", query_string={"payload": payload}).get_data(as_text=True)
        assert 'data-status="invalid"' in page and "Mã này không đọc được. Hãy thử chụp lại" in page
        assert "field" not in page and "position" not in page and "CRC" not in page
        assert page.count("<h1") == 1 and page.count('type="submit"') == 1 and "<h1>Không đọc được mã</h1>" in page
    genuine = client.get("/verify", query_string={"payload": build("970436", "0011001234567")}).get_data(as_text=True)
    assert genuine.count("<h1") == 1 and "<h1>Mã thật</h1>" in genuine
    empty = client.get("/verify").get_data(as_text=True)
    assert empty.count("<h1") == 1 and empty.count('type="submit"') == 1 and ">Kiểm tra</button>" in empty
    # The camera is promised only by verify.js, where the browser can scan.
    assert '<button id="scan" type="button" hidden>' in empty and "camera" not in empty.split('id="scan"')[0].lower()


def test_the_one_form_checks_pasted_content_as_well_as_a_photo(client, stall):
    import re

    page = client.get("/verify").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    pasted = client.post("/verify", data={"payload": build("970436", "0011001234567"), "csrf_token": token})
    assert pasted.status_code == 200 and 'data-status="genuine"' in pasted.get_data(as_text=True)
    nothing = client.post("/verify", data={"payload": "  ", "csrf_token": token})
    assert nothing.status_code == 422 and "Hãy chọn ảnh mã QR hoặc dán nội dung mã." in nothing.get_data(as_text=True)


def test_the_api_keeps_the_technical_detail(client):
    response = client.get("/api/v1/verify", query_string={"payload": "000201010211"})
    assert response.status_code == 422 and "63" in response.get_json()["errors"]["payload"][0]


def test_a_banks_merchant_code_is_not_a_registered_stall_not_invalid(client, stall):
    from tests.vietqr.test_read_wild import merchant_code

    body = verify(client, merchant_code(name="CỬA HÀNG ĐỒNG XANH"))
    assert body["status"] == "foreign_merchant" and body["genuine"] is False and body["registered"] is False
    assert body["message"].startswith("Không phải mã của sạp đã đăng ký ở chợ này")
    assert "Vietcombank" in body["message"] and "CỬA HÀNG ĐỒNG XANH" in body["message"]
    assert any("UTF-8" in warning for warning in body["warnings"])
    page = client.get("/verify", query_string={"payload": merchant_code()}).get_data(as_text=True)
    assert 'data-status="foreign_merchant"' in page and "<h1>Không phải mã của sạp đã đăng ký ở chợ này</h1>" in page
    assert "không đọc được" not in page


def test_an_atm_cash_code_is_not_a_stalls_code(client, stall):
    from tests.vietqr.test_read_wild import merchant_code

    body = verify(client, merchant_code(service="QRCASH"))
    assert body["status"] == "cash_code" and "ATM" in body["message"]


def test_staff_decode_reads_a_merchant_code_with_its_warnings(client):
    from tests.vietqr.test_read_wild import merchant_code

    response = client.post(
        "/api/v1/qr/decode",
        json={"payload": merchant_code(amount="120000.00")},
        headers=auth_header(make_user("admin")),
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["service_code"] == "QRPUSH" and body["amount"] == 120_000 and "field 54" in body["warnings"][0]


def test_the_heading_is_not_said_twice(client, stall, issued):
    import re

    purpose = parse(issued["payload"]).purpose
    page = client.get("/verify", query_string={"payload": build("970436", "0011001234567", amount=9, purpose=purpose)})
    text = re.sub(r"<[^>]+>", "", page.get_data(as_text=True))
    assert text.count("Cảnh báo") == 1 and "Mã này mang số tham chiếu" in text


def test_the_remainder_code_of_an_underpaid_request_is_ours_too(client, stall, issued):
    """The pay page shows an underpaid request's remainder with the same content: not altered."""
    transfer = simbank_transfer(stall.accounts[0], amount=20_000, description=f"MBVCB.1 {issued['reference']}")
    assert post_simbank(client, transfer).status_code == 200
    purpose = parse(issued["payload"]).purpose
    body = verify(client, build("970436", "0011001234567", amount=30_000, purpose=purpose))
    assert body["genuine"] is True and body["payment_request"]["validity"] == "underpaid"
    other = verify(client, build("970436", "0011001234567", amount=29_000, purpose=purpose))
    assert other["genuine"] is False and other["differences"] == ["amount"]
