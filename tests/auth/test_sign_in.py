"""Bearer tokens: sign-in for staff and vendors, revocation, expiry, throttling."""

from datetime import timedelta

from sqlalchemy import select, update

from market_pay.auth.models import ApiToken
from market_pay.common.types import utcnow
from market_pay.extensions import db
from market_pay.throttling.models import AttemptCounter
from tests.factories import STAFF_PASSWORD, VENDOR_PIN, auth_header, make_user, make_vendor, scope_of


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token", json={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_staff_sign_in_returns_a_token_that_opens_the_api(client):
    make_user("admin", username="boss")
    response = sign_in(client, "boss", STAFF_PASSWORD)
    assert response.status_code == 201
    body = response.get_json()
    assert body["token"].startswith("mp_") and body["expires_at"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["username"] == "boss"


def test_tokens_are_stored_hashed(client):
    make_user("admin", username="boss")
    token = sign_in(client, "boss", STAFF_PASSWORD).get_json()["token"]
    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64


def test_vendor_signs_in_with_phone_in_any_common_form_and_pin(client):
    vendor = make_vendor()
    make_user("vendor", scope=scope_of(vendor), username="0912000111")
    response = sign_in(client, "+84 912 000 111", VENDOR_PIN)
    assert response.status_code == 201
    assert response.get_json()["user"]["scope"] == scope_of(vendor)


def test_vendor_tokens_last_longer_than_staff_tokens(client):
    vendor = make_vendor()
    make_user("vendor", scope=scope_of(vendor), username="0912000111")
    make_user("admin", username="boss")
    vendor_expiry = sign_in(client, "0912000111", VENDOR_PIN).get_json()["expires_at"]
    staff_expiry = sign_in(client, "boss", STAFF_PASSWORD).get_json()["expires_at"]
    assert vendor_expiry > staff_expiry


def test_wrong_password_and_unknown_user_get_the_same_401(client):
    make_user("admin", username="boss")
    wrong = sign_in(client, "boss", "nope")
    unknown = sign_in(client, "ghost", "nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["message"] == unknown.get_json()["message"]
    assert wrong.headers["WWW-Authenticate"] == "Bearer"


def test_failed_sign_ins_are_throttled_per_username_and_address(client):
    make_user("admin", username="boss")
    for _ in range(5):
        assert sign_in(client, "boss", "wrong", address="10.0.0.1").status_code == 401
    blocked = sign_in(client, "boss", STAFF_PASSWORD, address="10.0.0.1")
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    assert blocked.get_json()["code"] == 429
    # Someone else's guesses do not lock the account out from another address.
    assert sign_in(client, "boss", STAFF_PASSWORD, address="10.9.9.9").status_code == 201


def test_guesses_spread_over_addresses_meet_a_slower_ceiling_per_account(client):
    make_user("admin", username="boss")
    for attempt in range(20):
        assert sign_in(client, "boss", "wrong", address=f"10.0.{attempt}.1").status_code == 401
    blocked = sign_in(client, "boss", STAFF_PASSWORD, address="10.9.9.9")
    assert blocked.status_code == 429 and 15 * 60 < int(blocked.headers["Retry-After"]) <= 3600


def test_failed_sign_ins_are_throttled_per_client_address(client, app):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    try:
        for n in range(3):
            sign_in(client, f"guess{n}", "wrong", address="10.6.6.6")
        make_user("admin", username="boss")
        assert sign_in(client, "boss", STAFF_PASSWORD, address="10.6.6.6").status_code == 429
        assert sign_in(client, "boss", STAFF_PASSWORD, address="10.7.7.7").status_code == 201
    finally:
        app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 30


def test_failures_are_kept_in_the_database_so_every_worker_sees_them(client):
    sign_in(client, "boss", "wrong")
    counts = dict(db.session.execute(select(AttemptCounter.key, AttemptCounter.count)).all())
    assert counts == {"acct-addr:boss|10.0.0.1": 1, "acct:boss": 1, "addr:10.0.0.1": 1}


def test_a_successful_sign_in_clears_the_username_failures(client):
    make_user("admin", username="boss")
    for _ in range(4):
        sign_in(client, "boss", "wrong")
    assert sign_in(client, "boss", STAFF_PASSWORD).status_code == 201
    for _ in range(4):
        sign_in(client, "boss", "wrong")
    assert sign_in(client, "boss", STAFF_PASSWORD).status_code == 201


def test_revoked_token_no_longer_works(client):
    headers = auth_header(make_user("admin"))
    assert client.post("/api/v1/auth/revoke", headers=headers).status_code == 204
    response = client.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert "revoked" in response.get_json()["message"]


def test_expired_token_no_longer_works(client):
    headers = auth_header(make_user("admin"))
    db.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_deactivated_user_loses_access_and_cannot_sign_in(client):
    admin_headers = auth_header(make_user("admin"))
    user = make_user("admin", username="leaver")
    user_headers = auth_header(user)
    response = client.post(f"/api/v1/users/{user.id}/deactivate", headers=admin_headers)
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert client.get("/api/v1/auth/me", headers=user_headers).status_code == 401
    assert sign_in(client, "leaver", STAFF_PASSWORD).status_code == 401


def test_missing_or_malformed_authorization_is_401(client):
    assert client.get("/api/v1/markets").status_code == 401
    assert client.get("/api/v1/markets", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get("/api/v1/markets", headers={"Authorization": "Bearer mp_forged"}).status_code == 401
