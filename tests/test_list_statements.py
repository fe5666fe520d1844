"""A page of a staff list costs the same number of statements whatever its size (issue 23):
what each item's answer shows (a vendor's market and accounts, a user's scope, a market's region,
a suspense item's transaction) comes with the page, never one statement per item. A vendor's own
read is one statement after the token's."""

import pytest

from market_pay.extensions import db
from market_pay.vendors.services import add_account
from tests.factories import account_data, auth_header, make_market, make_region, make_user, make_vendor, scope_of
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer
from tests.reports.test_pages import sign_in
from tests.statements import request_statements

pytestmark = pytest.mark.usefixtures("app")
FEW, MANY = 3, 30


def market_with_stalls(stalls: int, pending_by=None):
    """A market of `stalls` stalls, each with a live account; with `pending_by` (a role), each
    stall also has a pending account asked for by its own market manager of that role."""
    market = make_market()
    for _ in range(stalls):
        vendor = make_vendor(market)
        if pending_by:
            add_account(make_user(pending_by, market.code), vendor.id, account_data())
            db.session.commit()
    return market


def test_a_managers_vendor_list_costs_the_same_statements_for_3_and_for_30_stalls(client):
    few, many = market_with_stalls(FEW), market_with_stalls(MANY)
    counts = {}
    asked = [(market.code, auth_header(make_user("market_manager", market.code))) for market in (few, many)]
    for (code, manager), stalls in zip(asked, (FEW, MANY), strict=True):
        response, seen = request_statements(client, f"/api/v1/vendors?market_code={code}", manager)
        assert len(response.get_json()["items"]) == stalls
        counts[stalls] = len(seen)
    assert counts[MANY] == counts[FEW]


def test_an_admins_vendor_list_across_markets_and_requesters_costs_the_same_for_3_and_30(client):
    """One stall in each of 30 markets, each with an account its own manager asked for: neither
    the markets nor the requesters are loaded one by one."""
    for _ in range(MANY):
        market_with_stalls(1, pending_by="market_manager")
    admin = auth_header(make_user("admin"))
    few_response, few = request_statements(client, f"/api/v1/vendors?limit={FEW}", admin)
    many_response, many = request_statements(client, f"/api/v1/vendors?limit={MANY}", admin)
    assert len(few_response.get_json()["items"]) == FEW and len(many_response.get_json()["items"]) == MANY
    assert all(v["accounts"][1]["requested_by"] for v in many_response.get_json()["items"])
    assert len(many) == len(few)


def test_a_vendor_read_is_one_statement_after_the_token(client):
    market = make_market()
    vendor = make_vendor(market, accounts=[account_data(), account_data()])
    add_account(make_user("market_manager", market.code), vendor.id, account_data())
    db.session.commit()
    own = auth_header(make_user("vendor", scope_of(vendor)))
    manager = auth_header(make_user("market_manager", market.code))
    path = f"/api/v1/vendors/{vendor.id}"
    for headers in (own, manager):
        response, seen = request_statements(client, path, headers)
        assert len(response.get_json()["accounts"]) == 3
        assert len(seen) == 2, seen  # the token with its user; the vendor with its market and accounts


def test_the_user_list_costs_the_same_statements_for_3_and_for_30_users(client):
    """Users of every kind of scope (region, market, stall), each a different one."""
    for _ in range(MANY // 3):
        region = make_region()
        market = make_market(region=region)
        make_user("region_staff", region.code)
        make_user("market_manager", market.code)
        make_user("vendor", scope_of(make_vendor(market)))
    admin = auth_header(make_user("admin"))
    _, few = request_statements(client, f"/api/v1/users?limit={FEW}", admin)
    many_response, many = request_statements(client, f"/api/v1/users?limit={MANY}", admin)
    assert len(many_response.get_json()["items"]) == MANY
    assert all(user["scope"] for user in many_response.get_json()["items"])
    assert len(many) == len(few)


def test_the_admin_users_page_costs_the_same_statements_for_3_and_for_30_users(client):
    """3 region staff of 3 regions, 30 managers of 30 markets: each page one role's users."""
    for _ in range(FEW):
        make_user("region_staff", make_region().code)
    for _ in range(MANY):
        make_user("market_manager", make_market().code)
    assert sign_in(client, make_user("admin")).status_code == 302
    few_page, few = request_statements(client, "/admin/users?role=region_staff")
    many_page, many = request_statements(client, "/admin/users?role=market_manager")
    assert few_page.get_data(as_text=True).count("<tr") == FEW + 1  # a header row and the users
    assert many_page.get_data(as_text=True).count("<tr") == MANY + 1
    assert len(many) == len(few)


def test_the_market_list_costs_the_same_statements_for_3_and_for_30_markets(client):
    for _ in range(MANY):
        make_market()  # each in a region of its own
    admin = auth_header(make_user("admin"))
    _, few = request_statements(client, f"/api/v1/markets?limit={FEW}", admin)
    many_response, many = request_statements(client, f"/api/v1/markets?limit={MANY}", admin)
    assert len(many_response.get_json()["items"]) == MANY
    assert len(many) == len(few)


def test_the_suspense_list_costs_the_same_statements_for_3_and_for_30_items(client):
    set_partners()
    stall = make_vendor(accounts=[account_data("970436", "0011001234567", "NGUYEN THI HOA")])
    for n in range(MANY):  # money for an account nobody has: one suspense item each
        post_simbank(client, simbank_transfer(stall.accounts[0], 30_000, account_number=f"99{n:04d}"))
    admin = auth_header(make_user("admin"))
    _, few = request_statements(client, f"/api/v1/suspense?limit={FEW}", admin)
    many_response, many = request_statements(client, f"/api/v1/suspense?limit={MANY}", admin)
    assert len(many_response.get_json()["items"]) == MANY
    assert all(item["transaction"]["amount"] == 30_000 for item in many_response.get_json()["items"])
    assert len(many) == len(few)
