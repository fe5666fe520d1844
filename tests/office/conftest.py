"""Two markets in two communes, a manager each, region staff over the first, an administrator;
helpers to sign in to the office and post its forms with (or without) the session's token."""

import re
from dataclasses import dataclass

import pytest

from tests.factories import STAFF_PASSWORD, account_data, make_market, make_region, make_user, make_vendor


@dataclass
class Office:
    market_a: object
    market_b: object
    stall_a: object
    stall_b: object
    manager_a: object
    manager_b: object
    staff_a: object
    admin: object


@pytest.fixture
def office(app):
    region_a, region_b = make_region(), make_region()
    market_a, market_b = make_market(region=region_a), make_market(region=region_b)
    stall_a = make_vendor(market_a, "A-01", [account_data(account_number="111100001111")], phone="0912000001")
    stall_b = make_vendor(market_b, "B-01", [account_data(account_number="222200002222")], phone="0912000002")
    return Office(
        market_a,
        market_b,
        stall_a,
        stall_b,
        make_user("market_manager", market_a.code),
        make_user("market_manager", market_b.code),
        make_user("region_staff", region_a.code),
        make_user("admin"),
    )


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def sign_in(client, user, password=STAFF_PASSWORD):
    """Sign in on /office/login; returns the session's CSRF token."""
    token = csrf_of(client.get("/office/login").get_data(as_text=True))
    response = client.post("/office/login", data={"username": user.username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return csrf_of(client.get("/office/login?lang=vi", follow_redirects=True).get_data(as_text=True))


def post(client, path, token, **fields):
    return client.post(path, data={**fields, "csrf_token": token})
