"""Every HTML form refuses a request without the session's CSRF token; every page carries the
security headers; the session cookie is HttpOnly, SameSite and (in production) Secure."""

import pytest

from tests.conftest import make_app

pytestmark = pytest.mark.usefixtures("app")


def page_post_routes(app):
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and not rule.rule.startswith("/api/") and not rule.rule.startswith("/bench")
    )


# The market office (market_pay/office).
OFFICE_FORMS = [
    "/office/login",
    "/office/logout",
    "/office/m/<code>/cash-survey",
    "/office/m/<code>/import",
    "/office/m/<code>/reconciliation",
    "/office/m/<code>/stalls/<int:vendor_id>/accounts",
    "/office/m/<code>/stalls/<int:vendor_id>/accounts/<int:account_id>/<any(deactivate, withdraw, approve):what>",
    "/office/m/<code>/stalls/<int:vendor_id>/edit",
    "/office/m/<code>/stalls/<int:vendor_id>/logins",
    "/office/m/<code>/stalls/<int:vendor_id>/logins/<int:user_id>/reset-pin",
    "/office/m/<code>/stalls/<int:vendor_id>/status",
    "/office/m/<code>/stalls/new",
    "/office/m/<code>/suspense/<int:item_id>",
]


def test_every_form_route_is_known_and_refuses_a_missing_csrf_token(app, client):
    routes = page_post_routes(app)
    assert routes == [
        "/admin/partners/<partner>/add",
        "/admin/partners/<partner>/retire",
        "/admin/regions/<code>/move",
        "/admin/regions/<code>/rename",
        "/admin/users/<int:user_id>/deactivate",
        "/admin/users/<int:user_id>/reactivate",
        "/admin/users/<int:user_id>/reset",
        "/admin/users/new",
        *OFFICE_FORMS,
        "/staff/login",
        "/staff/logout",
        "/staff/password",
        "/stall/accounts/<int:account_id>/<any(confirm, reject):decision>",
        "/stall/cash",
        "/stall/cash/<int:sale_id>/undo",
        "/stall/login",
        "/stall/logout",
        "/stall/pin",
        "/stall/qr",
        "/verify",
    ]  # a new form must be added here
    client.get("/stall/login")  # a session with a CSRF token exists; the request below does not echo it
    for route in routes:
        path = route.replace("<int:sale_id>", "1").replace("<int:account_id>", "1").replace("<int:user_id>", "1")
        path = path.replace("<partner>", "simbank").replace("<code>", "C1")
        path = path.replace("<int:vendor_id>", "1").replace("<int:item_id>", "1")
        path = path.replace("<any(deactivate, withdraw, approve):what>", "deactivate")
        response = client.post(
            path.replace("<any(confirm, reject):decision>", "confirm"), data={"phone": "x", "pin": "y"}
        )
        assert response.status_code == 403, route


@pytest.mark.parametrize("path", ["/stall/login", "/staff/login", "/verify", "/pay/QRNOSUCH1"])
def test_pages_carry_the_security_headers(client, path):
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    if response.mimetype == "text/html":
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe" not in policy


def test_the_session_cookie_is_httponly_samesite_and_secure_in_production(client, monkeypatch, tmp_path):
    cookie = client.get("/stall/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    monkeypatch.setenv("MARKET_PAY_SECURE_COOKIES", "1")
    production = make_app(f"sqlite:///{tmp_path / 'p.db'}")
    assert production.config["SESSION_COOKIE_SECURE"] is True
    with production.test_client() as https_client:
        cookie = https_client.get("/stall/login", base_url="https://localhost").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


@pytest.mark.parametrize(
    "path, fields",
    [
        ("/staff/login", {"username": "a\x00b", "password": "x"}),
        ("/stall/login", {"phone": "09\x0012", "pin": "123456"}),
        ("/verify", {"payload": "0002\x0001"}),
    ],
)
def test_a_nul_in_a_form_field_is_a_400_not_a_database_error(client, path, fields):
    """PostgreSQL text cannot hold NUL; the sign-in would otherwise record it as a failure key."""
    import re

    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post(path, data={**fields, "csrf_token": token})
    assert response.status_code == 400
