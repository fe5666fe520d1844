"""Creating users with a role and scope, from the API and the CLI."""

from sqlalchemy import select
from werkzeug.security import check_password_hash

from market_pay.audit.models import AuditLog
from market_pay.auth.models import User
from market_pay.extensions import db
from tests.factories import auth_header, make_market, make_region, make_user, make_vendor, scope_of


def test_admin_creates_a_market_manager_scoped_to_a_market(client):
    market = make_market()
    response = client.post(
        "/api/v1/users",
        headers=auth_header(make_user("admin")),
        json={"username": "ql.cho", "password": "a-long-password", "role": "market_manager", "scope": market.code},
    )
    assert response.status_code == 201
    assert response.get_json()["scope"] == market.code
    user = db.session.scalar(select(User).where(User.username == "ql.cho"))
    assert user.market_id == market.id
    assert check_password_hash(user.password_hash, "a-long-password")
    assert "a-long-password" not in user.password_hash


def test_user_creation_is_audited_without_the_password(client):
    region = make_region()
    client.post(
        "/api/v1/users",
        headers=auth_header(make_user("admin")),
        json={"username": "xa.staff", "password": "a-long-password", "role": "region_staff", "scope": region.code},
    )
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.create").order_by(AuditLog.id.desc()))
    assert entry.details["username"] == "xa.staff"
    assert "a-long-password" not in str(entry.details)


def test_scope_must_fit_the_role(client):
    headers = auth_header(make_user("admin"))
    cases = [
        ({"role": "market_manager", "scope": None}, "scope"),
        ({"role": "market_manager", "scope": "NO-SUCH"}, "scope"),
        ({"role": "admin", "scope": "X"}, "scope"),
        ({"role": "region_staff", "scope": "NOPE"}, "scope"),
        ({"role": "vendor", "scope": "M/unknown"}, "scope"),
        ({"role": "wizard", "scope": None}, "role"),
    ]
    for extra, field in cases:
        username = "0912111222" if extra["role"] == "vendor" else "someone"
        password = "480257" if extra["role"] == "vendor" else "a-long-password"
        response = client.post(
            "/api/v1/users", headers=headers, json={"username": username, "password": password, **extra}
        )
        assert response.status_code == 422, extra
        assert field in response.get_json()["errors"], extra


def test_vendor_logins_need_a_phone_and_a_pin_of_six_digits(client):
    vendor = make_vendor()
    headers = auth_header(make_user("admin"))
    bad_phone = client.post(
        "/api/v1/users",
        headers=headers,
        json={"username": "hoa", "password": "123456", "role": "vendor", "scope": scope_of(vendor)},
    )
    short_pin = client.post(
        "/api/v1/users",
        headers=headers,
        json={"username": "0912111222", "password": "12345", "role": "vendor", "scope": scope_of(vendor)},
    )
    assert "username" in bad_phone.get_json()["errors"]
    assert "password" in short_pin.get_json()["errors"]


def test_duplicate_username_is_a_409(client):
    make_user("admin", username="boss")
    response = client.post(
        "/api/v1/users",
        headers=auth_header(make_user("admin")),
        json={"username": "boss", "password": "a-long-password", "role": "admin"},
    )
    assert response.status_code == 409
    assert "username" in response.get_json()["errors"]


def test_only_admins_create_or_list_users(client):
    market = make_market()
    manager = make_user("market_manager", scope=market.code)
    response = client.post(
        "/api/v1/users",
        headers=auth_header(manager),
        json={"username": "x.y", "password": "a-long-password", "role": "admin"},
    )
    assert response.status_code == 403
    assert client.get("/api/v1/users", headers=auth_header(manager)).status_code == 403


def test_cli_creates_the_first_admin(runner):
    result = runner.invoke(
        args=["users", "create", "--username", "root", "--password", "first-admin-pw", "--role", "admin"]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.role).where(User.username == "root")) == "admin"


def test_cli_reports_a_bad_scope_and_exits_1(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--username",
            "mgr",
            "--password",
            "first-admin-pw",
            "--role",
            "market_manager",
            "--scope",
            "NOPE",
        ]
    )
    assert result.exit_code == 1
    assert "scope" in result.output
    assert db.session.scalar(select(User.id).where(User.username == "mgr")) is None
