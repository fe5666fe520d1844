"""A stall's assistant refused something the stall's owner or the market office does is told so
plainly, in Vietnamese first: what they cannot do and who can, in the API's one error shape
(`message`, and `errors.who_can` for a program) and on the board's pages, never a bare 403."""

import re

import pytest
from flask import g

from market_pay.auth.assistant import NotForAssistant, for_the_reader
from market_pay.common.web import FormExpired
from market_pay.errors import Forbidden
from market_pay.payments.payment_requests import create_payment_request
from tests.factories import VENDOR_PIN, account_data, auth_header, make_user, make_vendor, scope_of

OWNER_AND_OFFICE = ["vendor", "market_manager"]


@pytest.fixture
def stall(app):
    vendor = make_vendor(accounts=[account_data(account_number="123412341234")])
    return vendor, make_user("vendor_assistant", scope_of(vendor))


# (method, path for the stall, the words that must be said, who can); every one is 403.
API_REFUSALS = [
    ("get", "/api/v1/vendors/{v}/revenue?from=2026-01-01&to=2026-03-31", "sổ doanh thu", ["vendor"]),
    ("get", "/api/v1/vendors/{v}/kit.pdf", "in thẻ QR", OWNER_AND_OFFICE),
    ("post", "/api/v1/accounts/{a}/confirm", "xác nhận hay từ chối", ["vendor"]),
    ("post", "/api/v1/accounts/{a}/reject", "xác nhận hay từ chối", ["vendor"]),
    ("patch", "/api/v1/vendors/{v}", "sửa thông tin sạp", ["market_manager"]),
    ("post", "/api/v1/vendors/{v}/accounts", "sửa thông tin sạp", ["market_manager"]),
    ("post", "/api/v1/vendors/{v}/suspend", "sửa thông tin sạp", ["market_manager"]),
]
BODIES = {
    "/api/v1/vendors/{v}": {"display_name": "Rau mới"},
    "/api/v1/vendors/{v}/accounts": account_data(account_number="5678567856785678"),
    "/api/v1/vendors/{v}/suspend": {"reason": "thử"},
    "/api/v1/accounts/{a}/confirm": {"pin": VENDOR_PIN},
    "/api/v1/accounts/{a}/reject": {"pin": VENDOR_PIN},
}


@pytest.mark.parametrize("method, path, words, who", API_REFUSALS, ids=[f"{m} {p}" for m, p, _, _ in API_REFUSALS])
def test_the_api_tells_an_assistant_what_they_cannot_do_and_who_can(client, stall, method, path, words, who):
    vendor, assistant = stall
    url = path.format(v=vendor.id, a=vendor.accounts[0].id)
    response = getattr(client, method)(url, headers=auth_header(assistant), json=BODIES.get(path))
    assert response.status_code == 403, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"} and body["code"] == 403
    assert words in body["message"] and "Người phụ sạp" in body["message"], body["message"]
    assert body["errors"] == {"who_can": who}
    client.set_cookie("lang", "en")  # the pages' language choice (a query's ?lang=en where it takes one)
    english = getattr(client, method)(url, headers=auth_header(assistant), json=BODIES.get(path))
    assert english.status_code == 403 and english.get_json()["message"].startswith("An assistant cannot")


def test_a_day_old_payment_request_names_the_owner(client, stall, monkeypatch):
    vendor, assistant = stall
    owner = make_user("vendor", scope_of(vendor))
    created, _ = create_payment_request(owner, vendor.id, {"amount": 25_000}, None)
    created.created_at = created.created_at.replace(year=created.created_at.year - 1)
    response = client.get(f"/api/v1/payment-requests/{created.reference}", headers=auth_header(assistant))
    assert response.status_code == 403
    assert "hôm nay" in response.get_json()["message"] and response.get_json()["errors"] == {"who_can": ["vendor"]}


def test_the_vendor_and_other_roles_keep_their_own_refusals(client, stall):
    """Only an assistant's refusals are reworded: a vendor asking another stall's book keeps the
    scope's answer, and an assistant's other-stall request says nothing of that stall."""
    vendor, _ = stall
    neighbour = make_vendor(vendor.market)
    owner = make_user("vendor", scope_of(vendor))
    other = client.get(
        f"/api/v1/vendors/{neighbour.id}/revenue?from=2026-01-01&to=2026-01-31", headers=auth_header(owner)
    )
    assert other.status_code == 403 and other.get_json()["message"] == "You can only see your own stall."
    assert "who_can" not in other.get_json()["errors"]


def _board_sign_in(client, user):
    page = client.get("/stall/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert (
        client.post("/stall/login", data={"phone": user.username, "pin": VENDOR_PIN, "csrf_token": token}).status_code
        == 302
    )


def test_the_board_s_revenue_page_says_it_is_the_owner_s_book(client, stall):
    _, assistant = stall
    _board_sign_in(client, assistant)
    for path in ("/stall/revenue", "/stall/revenue/download?period=2026-Q1&format=pdf"):
        page = client.get(path)
        html = page.get_data(as_text=True)
        assert page.status_code == 403 and page.mimetype == "text/html"
        assert "Người phụ sạp không xem được sổ doanh thu của sạp" in html and "chủ sạp" in html
        assert "Tài khoản này không được làm việc này" not in html  # not the generic refusal
    english = client.get("/stall/revenue?lang=en").get_data(as_text=True)
    assert "An assistant cannot read the stall" in english and "Ask the stall" in english


def test_an_assistant_s_expired_form_is_still_an_expired_form(app, stall):
    """A missing form token is fixed by reloading the page, whoever sent it: never reworded into
    "an assistant cannot do this", even where the route knows its actor before the token check."""
    _, assistant = stall
    with app.test_request_context("/stall/cash", method="POST"):
        g.actor = assistant
        assert type(for_the_reader(FormExpired())) is FormExpired
        assert isinstance(for_the_reader(Forbidden("Only this market's manager may do this.")), NotForAssistant)
