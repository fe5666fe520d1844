"""The stall and staff sign-in pages: throttling answers a 429 page (not a 500) with the wait; a
vendor's own phone is never locked out by others' guesses; the session cookie opens no API."""

import base64
import json
import re
import zlib

import pytest

from tests.factories import STAFF_PASSWORD, VENDOR_PIN, make_user, make_vendor, scope_of

pytestmark = pytest.mark.usefixtures("app")


def csrf_of(client, path):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def post_form(client, path, fields, query=""):
    return client.post(
        path + query, data={**fields, "csrf_token": csrf_of(client, path)}, environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )


@pytest.mark.parametrize(
    "path, login_field, secret_field, role",
    [("/stall/login", "phone", "pin", "vendor"), ("/staff/login", "username", "password", "admin")],
)
def test_a_throttled_sign_in_page_answers_429_with_the_wait_in_vietnamese(
    client, path, login_field, secret_field, role
):
    user = make_user(role, scope_of(make_vendor()) if role == "vendor" else None)
    wrong = {login_field: user.username, secret_field: "999999999x"}
    answers = [post_form(client, path, wrong).status_code for _ in range(5)]
    assert answers == [401] * 5
    throttled = post_form(client, path, wrong)
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= 15 * 60
    html = throttled.get_data(as_text=True)
    assert "Thử lại sau" in html and "phút" in html
    english = post_form(client, path, wrong, "?lang=en")
    assert english.status_code == 429 and "Try again in" in english.get_data(as_text=True)
    assert int(english.headers["Retry-After"]) > 0


def page_session_values(client) -> set[str]:
    """Every string inside the signed session cookie, and every token-looking run in it."""
    cookie = client.get_cookie("market_pay_session").value
    compressed = cookie.startswith(".")
    payload = cookie.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    text = (zlib.decompress(raw) if compressed else raw).decode()
    strings = {value for value in json.loads(text).values() if isinstance(value, str)}
    return strings | set(re.findall(r"[A-Za-z0-9_\-]{16,}", text))


@pytest.mark.parametrize(
    "path, login_field, secret_field, role",
    [("/stall/login", "phone", "pin", "vendor"), ("/staff/login", "username", "password", "admin")],
)
def test_nothing_in_a_page_session_cookie_opens_the_api(client, path, login_field, secret_field, role):
    user = make_user(role, scope_of(make_vendor()) if role == "vendor" else None)
    secret = VENDOR_PIN if role == "vendor" else STAFF_PASSWORD
    assert post_form(client, path, {login_field: user.username, secret_field: secret}).status_code == 302
    values = page_session_values(client)
    assert any(value.startswith("mps_") for value in values)  # the page's own session id is there
    for value in values:
        answer = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {value}"})
        assert answer.status_code == 401, value
    assert client.get(path).status_code == 302  # the page itself is signed in: on to its home


def stall_sign_in(client, user, pin, address):
    return client.post(
        "/stall/login",
        data={"phone": user.username, "pin": pin, "csrf_token": csrf_of(client, "/stall/login")},
        environ_base={"REMOTE_ADDR": address},
    )


def test_others_guesses_never_lock_a_vendor_out_of_their_own_phone(app, client):
    user = make_user("vendor", scope_of(make_vendor()))
    phone = app.test_client()
    assert stall_sign_in(phone, user, VENDOR_PIN, "10.0.0.7").status_code == 302
    phone.post("/stall/logout", data={"csrf_token": csrf_of(phone, "/stall")})
    # An attacker on the same carrier address, then from many addresses: both limits reached.
    for _ in range(5):
        assert stall_sign_in(client, user, "975310", "10.0.0.7").status_code == 401
    for n in range(15):  # 20 in all: the account's ceiling
        assert stall_sign_in(app.test_client(), user, "975310", f"10.8.{n}.1").status_code == 401
    assert stall_sign_in(app.test_client(), user, VENDOR_PIN, "10.0.0.7").status_code == 429
    assert stall_sign_in(app.test_client(), user, VENDOR_PIN, "10.9.9.9").status_code == 429
    # The vendor's own phone (it signed in there before) still gets in.
    assert stall_sign_in(phone, user, VENDOR_PIN, "10.0.0.7").status_code == 302
    assert phone.get("/stall").status_code == 200


def test_a_trusted_phone_still_has_its_own_limit(app):
    user = make_user("vendor", scope_of(make_vendor()))
    phone = app.test_client()
    assert stall_sign_in(phone, user, VENDOR_PIN, "10.0.0.7").status_code == 302
    phone.post("/stall/logout", data={"csrf_token": csrf_of(phone, "/stall")})
    answers = [stall_sign_in(phone, user, "975310", "10.0.0.7").status_code for _ in range(6)]
    assert answers == [401] * 5 + [429]


def test_an_api_client_with_a_live_token_is_not_locked_out_by_others(client):
    user = make_user("vendor", scope_of(make_vendor()))
    own_token = api_sign_in(client, user.username, VENDOR_PIN, "10.0.0.7").get_json()["token"]
    for _ in range(5):
        assert api_sign_in(client, user.username, "975310", "10.0.0.7").status_code == 401
    for n in range(15):
        assert api_sign_in(client, user.username, "975310", f"10.8.{n}.1").status_code == 401
    assert api_sign_in(client, user.username, VENDOR_PIN, "10.0.0.7").status_code == 429
    trusted = api_sign_in(client, user.username, VENDOR_PIN, "10.0.0.7", {"Authorization": f"Bearer {own_token}"})
    assert trusted.status_code == 201


def api_sign_in(client, username, password, address, headers=None):
    return client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        headers=headers or {},
        environ_base={"REMOTE_ADDR": address},
    )
