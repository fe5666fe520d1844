"""Trivially guessable PINs and weak staff passwords are refused (pure rules), at creation too."""

import pytest

from market_pay.auth.credential_rules import password_problem, pin_problem
from tests.factories import auth_header, make_user, make_vendor, scope_of

GUESSABLE_PINS = [
    "000000",
    "111111",
    "999999",
    "123456",
    "654321",
    "234567",
    "567890",
    "098765",
    "012345",
    "135791",
    "246802",
    "121212",
    "123123",
    "505050",
    "112233",
    "147258",
    "159753",
    "123321",
    "1234567890",
    "111111111111",
    "123456789",
]


@pytest.mark.parametrize("pin", GUESSABLE_PINS)
def test_guessable_pins_are_refused(pin):
    assert pin_problem(pin) is not None


@pytest.mark.parametrize("pin", ["246810", "135790", "480257", "274915", "150389", "8392017465"])
def test_ordinary_pins_pass(pin):
    assert pin_problem(pin, "0912345678") is None


def test_a_pin_taken_from_the_phone_number_is_refused():
    assert pin_problem("245678", "0912245678") is not None  # its last six digits
    assert pin_problem("912245", "+84912245678") is not None
    assert pin_problem("245678", "0987000111") is None


@pytest.mark.parametrize("pin", ["12345", "1234567890123", "12a456", ""])
def test_pins_of_the_wrong_shape_are_refused(pin):
    assert pin_problem(pin) == "A PIN is 6 to 12 digits."


@pytest.mark.parametrize(
    "password",
    [
        "short-pw",
        "ql.cho.market",
        "QL.CHO.MARKET",
        "aaaaaaaaaaaa",
        "abababababab",
        "password123",
        "Matkhau123",
        "1234567890",
        "qwertyuiop",
    ],
)
def test_weak_staff_passwords_are_refused(password):
    assert password_problem(password, "ql.cho.market") is not None


def test_a_sensible_staff_password_passes():
    assert password_problem("correct-horse-battery", "ql.cho") is None


@pytest.mark.parametrize(
    "role, username, password, field",
    [
        ("vendor", "0912111222", "123456", "password"),
        ("vendor", "0912111222", "111222", "password"),
        ("vendor", "0912111222", "654321", "password"),
        ("vendor", "0912345679", "345679", "password"),
        ("admin", "boss.new", "password123", "password"),
        ("admin", "boss.new.one", "boss.new.one", "password"),
    ],
)
def test_creating_a_user_with_a_guessable_secret_is_refused(client, role, username, password, field):
    vendor = make_vendor()
    response = client.post(
        "/api/v1/users",
        headers=auth_header(make_user("admin")),
        json={
            "username": username,
            "password": password,
            "role": role,
            "scope": scope_of(vendor) if role == "vendor" else None,
        },
    )
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_the_demo_logins_follow_the_rules():
    from market_pay.demo.loader import DEMO_LOGINS

    for username, password, role, _, _ in DEMO_LOGINS:
        problem = (
            pin_problem(password, username)
            if role in ("vendor", "vendor_assistant")
            else password_problem(password, username)
        )
        assert problem is None, (username, problem)
