"""Accounts people manage: their own password or PIN, a manager's PIN reset, reactivation; audited."""

import pytest
from sqlalchemy import select

from market_pay.audit.models import AuditLog
from market_pay.extensions import db
from tests.factories import STAFF_PASSWORD, VENDOR_PIN, auth_header, make_market, make_user, make_vendor, scope_of

pytestmark = pytest.mark.usefixtures("app")
NEW_PIN = "274915"


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token", json={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def actions():
    return [row.action for row in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]


def test_staff_change_their_password_with_the_old_one_and_other_sessions_end(client):
    make_user("market_manager", make_market().code, username="ql.cho")
    phone, laptop = (sign_in(client, "ql.cho", STAFF_PASSWORD).get_json()["token"] for _ in range(2))
    response = client.post(
        "/api/v1/auth/password",
        headers=bearer(laptop),
        json={"old_password": STAFF_PASSWORD, "new_password": "a-brand-new-one"},
    )
    assert response.status_code == 200 and response.get_json()["username"] == "ql.cho"
    assert client.get("/api/v1/auth/me", headers=bearer(laptop)).status_code == 200
    assert client.get("/api/v1/auth/me", headers=bearer(phone)).status_code == 401
    assert sign_in(client, "ql.cho", STAFF_PASSWORD).status_code == 401
    assert sign_in(client, "ql.cho", "a-brand-new-one").status_code == 201
    assert "user.change_password" in actions()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"old_password": "not-the-password", "new_password": "a-brand-new-one"}, "old_password"),
        ({"old_password": STAFF_PASSWORD, "new_password": "short"}, "new_password"),
        ({"old_password": STAFF_PASSWORD, "new_password": "password123"}, "new_password"),
        ({"old_password": STAFF_PASSWORD, "new_password": STAFF_PASSWORD}, "new_password"),
    ],
)
def test_a_wrong_old_password_or_a_weak_new_one_is_refused(client, body, field):
    headers = auth_header(make_user("admin"))
    response = client.post("/api/v1/auth/password", headers=headers, json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_guessing_the_old_password_is_throttled(client):
    headers = auth_header(make_user("admin"))
    wrong = {"old_password": "not-the-password", "new_password": "a-brand-new-one"}
    answers = [client.post("/api/v1/auth/password", headers=headers, json=wrong).status_code for _ in range(6)]
    assert answers == [422] * 5 + [429]


def test_a_vendor_changes_their_pin_and_guessable_pins_are_refused(client):
    vendor_user = make_user("vendor", scope_of(make_vendor()))
    headers = auth_header(vendor_user)
    weak = client.post("/api/v1/auth/pin", headers=headers, json={"old_pin": VENDOR_PIN, "new_pin": "123456"})
    assert weak.status_code == 422 and "new_pin" in weak.get_json()["errors"]
    assert (
        client.post(
            "/api/v1/auth/password",
            headers=headers,
            json={"old_password": VENDOR_PIN, "new_password": "a-brand-new-one"},
        ).status_code
        == 403
    )
    changed = client.post("/api/v1/auth/pin", headers=headers, json={"old_pin": VENDOR_PIN, "new_pin": NEW_PIN})
    assert changed.status_code == 200
    assert sign_in(client, vendor_user.username, NEW_PIN).status_code == 201
    assert "user.change_pin" in actions()


def test_a_manager_resets_a_stall_pin_shown_once_and_it_must_be_changed(client):
    vendor = make_vendor()
    manager = make_user("market_manager", vendor.market.code)
    assistant = make_user("vendor_assistant", scope_of(vendor))
    old_token = sign_in(client, assistant.username, VENDOR_PIN).get_json()["token"]
    reset = client.post(f"/api/v1/users/{assistant.id}/reset-pin", headers=auth_header(manager))
    assert reset.status_code == 200 and reset.headers["Cache-Control"] == "no-store"
    body = reset.get_json()
    pin = body["pin"]
    assert len(pin) == 6 and pin.isdigit() and body["must_change_pin"] is True
    assert client.get("/api/v1/auth/me", headers=bearer(old_token)).status_code == 401  # signed out
    assert sign_in(client, assistant.username, VENDOR_PIN).status_code == 401
    signed_in = sign_in(client, assistant.username, pin).get_json()
    assert signed_in["must_change_pin"] is True
    token = signed_in["token"]
    blocked = client.get(f"/api/v1/vendors/{vendor.id}", headers=bearer(token))
    assert blocked.status_code == 403 and "must_change_pin" in blocked.get_json()["errors"]
    assert client.get("/api/v1/auth/me", headers=bearer(token)).get_json()["must_change_pin"] is True
    assert (
        client.post("/api/v1/auth/pin", headers=bearer(token), json={"old_pin": pin, "new_pin": NEW_PIN}).status_code
        == 200
    )
    assert client.get(f"/api/v1/vendors/{vendor.id}", headers=bearer(token)).status_code == 200
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "user.reset_pin")).one()
    assert pin not in str(audit.details) and audit.actor_user_id == manager.id


def test_pin_resets_outside_ones_market_or_of_staff_are_refused(client):
    here, there = make_vendor(), make_vendor(make_market())
    manager = make_user("market_manager", here.market.code)
    other_vendor = make_user("vendor", scope_of(there))
    staff = make_user("market_manager", here.market.code)
    assert client.post(f"/api/v1/users/{other_vendor.id}/reset-pin", headers=auth_header(manager)).status_code == 403
    assert client.post(f"/api/v1/users/{staff.id}/reset-pin", headers=auth_header(manager)).status_code == 403
    assert client.post("/api/v1/users/999999/reset-pin", headers=auth_header(manager)).status_code == 404
    vendor_user = make_user("vendor", scope_of(here))
    assert (
        client.post(
            f"/api/v1/users/{vendor_user.id}/reset-pin", headers=auth_header(make_user("vendor", scope_of(here)))
        ).status_code
        == 403
    )
    admin = auth_header(make_user("admin"))
    assert client.post(f"/api/v1/users/{staff.id}/reset-pin", headers=admin).status_code == 422
    assert client.post(f"/api/v1/users/{other_vendor.id}/reset-pin", headers=admin).status_code == 200


def test_an_admin_reactivates_a_deactivated_user(client):
    admin = auth_header(make_user("admin"))
    leaver = make_user("admin", username="leaver")
    client.post(f"/api/v1/users/{leaver.id}/deactivate", headers=admin)
    assert sign_in(client, "leaver", STAFF_PASSWORD).status_code == 401
    manager = auth_header(make_user("market_manager", make_market().code))
    assert client.post(f"/api/v1/users/{leaver.id}/reactivate", headers=manager).status_code == 403
    response = client.post(f"/api/v1/users/{leaver.id}/reactivate", headers=admin)
    assert response.status_code == 200 and response.get_json()["active"] is True
    assert sign_in(client, "leaver", STAFF_PASSWORD).status_code == 201
    assert client.post("/api/v1/users/999999/reactivate", headers=admin).status_code == 404
    assert actions()[-1] == "user.reactivate"
