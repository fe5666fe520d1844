"""Changing one's own PIN or password on a page; after a manager's reset the board asks for a PIN."""

import re

import pytest

from market_pay.auth.accounts import reset_pin
from market_pay.extensions import db
from tests.factories import STAFF_PASSWORD, VENDOR_PIN, make_user, make_vendor, scope_of

pytestmark = pytest.mark.usefixtures("app")
NEW_PIN = "274915"


def csrf_of(client, path):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def post(client, path, fields, form_page=None):
    return client.post(path, data={**fields, "csrf_token": csrf_of(client, form_page or path)})


def test_a_vendor_changes_their_pin_on_the_page(client):
    user = make_user("vendor", scope_of(make_vendor()))
    post(client, "/stall/login", {"phone": user.username, "pin": VENDOR_PIN})
    assert "/stall/pin" in client.get("/stall").get_data(as_text=True)  # the board links to it
    weak = post(client, "/stall/pin", {"old_pin": VENDOR_PIN, "new_pin": "111111"})
    assert weak.status_code == 422 and "quá dễ đoán" in weak.get_data(as_text=True)
    wrong = post(client, "/stall/pin", {"old_pin": "975310", "new_pin": NEW_PIN})
    assert wrong.status_code == 422 and "không đúng" in wrong.get_data(as_text=True)
    done = post(client, "/stall/pin", {"old_pin": VENDOR_PIN, "new_pin": NEW_PIN})
    assert done.status_code == 302 and done.headers["Location"].endswith("/stall")
    assert client.get("/stall").status_code == 200  # this page stays signed in
    post(client, "/stall/logout", {}, "/stall")
    assert post(client, "/stall/login", {"phone": user.username, "pin": NEW_PIN}).status_code == 302


def test_after_a_reset_the_stall_page_asks_for_a_new_pin_before_the_board(client):
    vendor = make_vendor()
    user = make_user("vendor", scope_of(vendor))
    _, pin = reset_pin(make_user("market_manager", vendor.market.code), user.id)
    db.session.commit()
    signed_in = post(client, "/stall/login", {"phone": user.username, "pin": pin})
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/stall/pin")
    assert client.get("/stall").status_code == 302  # no board yet
    page = client.get("/stall/pin").get_data(as_text=True)
    assert "đã cấp lại mã PIN" in page
    assert post(client, "/stall/pin", {"old_pin": pin, "new_pin": NEW_PIN}).status_code == 302
    assert client.get("/stall").status_code == 200


def test_staff_change_their_password_on_the_page_and_strangers_are_sent_to_sign_in(client):
    user = make_user("admin", username="boss.page")
    assert client.get("/staff/password").headers["Location"].endswith("/staff/login")
    post(client, "/staff/login", {"username": "boss.page", "password": STAFF_PASSWORD})
    done = post(client, "/staff/password", {"old_password": STAFF_PASSWORD, "new_password": "another-long-one"})
    assert done.status_code == 302
    post(client, "/staff/logout", {}, "/staff/password")
    assert post(client, "/staff/login", {"username": user.username, "password": "another-long-one"}).status_code == 302
    # A stall session does not open the staff form.
    assert client.get("/stall/pin").headers["Location"].endswith("/stall/login")


@pytest.mark.parametrize(
    "kind, login, secret_fields, secret",
    [
        ("stall", {"phone": None, "pin": VENDOR_PIN}, ("old_pin", "new_pin"), "pin"),
        ("staff", {"username": None, "password": STAFF_PASSWORD}, ("old_password", "new_password"), "password"),
    ],
)
def test_too_many_wrong_old_secrets_answer_the_form_page_with_429_and_the_wait(
    client, kind, login, secret_fields, secret
):
    """The change form counts a wrong old secret like a sign-in; past the limit the page itself says
    how long to wait (its 429 path builds the page from the throttle's wait: no 500)."""
    user = make_user("vendor", scope_of(make_vendor())) if kind == "stall" else make_user("admin")
    login_field = next(field for field, value in login.items() if value is None)
    post(client, f"/{kind}/login", {**login, login_field: user.username})
    path = f"/{kind}/{secret}"
    wrong = {secret_fields[0]: "975310-wrong", secret_fields[1]: "a-new-and-long-975310"}
    assert [post(client, path, wrong).status_code for _ in range(5)] == [422] * 5
    throttled = post(client, path, wrong)
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= 15 * 60
    html = throttled.get_data(as_text=True)
    assert "Thử lại sau" in html and "phút" in html
    english = client.post(path + "?lang=en", data={**wrong, "csrf_token": csrf_of(client, path)})
    assert english.status_code == 429 and "Try again in" in english.get_data(as_text=True)
