"""The answers of the reads made lighter (issue 23: lists loaded with what they show, schemas built
once per process) are byte for byte what the code before gave: each is compared with the JSON of
a schema built afresh from the objects as loaded before, one lazy load at a time."""

import pytest
from flask import current_app

from market_pay.auth.schemas import UserSchema
from market_pay.auth.services import list_users
from market_pay.extensions import db
from market_pay.markets.schemas import MarketSchema
from market_pay.markets.services import list_markets
from market_pay.payments import feed, suspense
from market_pay.payments.privacy import hidden_payer_fields
from market_pay.payments.schemas import FeedSchema, SuspenseItemSchema
from market_pay.vendors.models import Vendor
from market_pay.vendors.schemas import VendorSchema
from market_pay.vendors.services import add_account, list_vendors
from tests.factories import account_data, auth_header, make_market, make_region, make_user, make_vendor, scope_of
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer

pytestmark = pytest.mark.usefixtures("app")


def as_before(payload) -> bytes:
    """The body Flask makes of `payload`, as for a route's return value."""
    return current_app.json.response(payload).get_data()


def answer(client, path: str, headers: dict) -> bytes:
    db.session.expunge_all()  # the request starts from an empty session, as in production
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data()


@pytest.fixture
def market_scene(client):
    """A market in a region: stalls with live, pending (asked by the manager) and second accounts,
    money for one of them and for an account nobody has; its manager, region staff, an admin."""
    set_partners()
    region = make_region()
    market = make_market(region=region)
    stalls = [
        make_vendor(market, accounts=[account_data("970436", f"00110012345{n}", "NGUYEN THI HOA"), account_data()])
        for n in range(3)
    ]
    manager = make_user("market_manager", market.code)
    add_account(manager, stalls[1].id, account_data(account_name="NGUYEN THI HOA"))
    db.session.commit()
    post_simbank(client, simbank_transfer(stalls[0].accounts[0], 40_000, description="TRAN VAN B chuyen tien"))
    post_simbank(client, simbank_transfer(stalls[0].accounts[0], 30_000, account_number="99990001"))
    users = {
        "vendor": make_user("vendor", scope_of(stalls[0])),
        "manager": manager,
        "region_staff": make_user("region_staff", region.code),
        "admin": make_user("admin"),
    }
    return (
        market.code,
        [stall.id for stall in stalls],
        {role: (user.id, auth_header(user)) for role, user in users.items()},
    )


def actor(user_id):
    from market_pay.auth.models import User

    return db.session.get(User, user_id)


def test_vendor_reads_answer_as_before(client, market_scene):
    code, stall_ids, users = market_scene
    for role in ("vendor", "manager", "admin"):
        user_id, headers = users[role]
        got = answer(client, f"/api/v1/vendors/{stall_ids[0]}", headers)
        assert got == as_before(VendorSchema().dump(db.session.get(Vendor, stall_ids[0])))
    for role, query in (("manager", f"?market_code={code}"), ("admin", ""), ("region_staff", "?limit=2")):
        user_id, headers = users[role]
        got = answer(client, f"/api/v1/vendors{query}", headers)
        limit = 2 if "limit" in query else None
        items, cursor = list_vendors(actor(user_id), code if "market" in query else None, None, limit, None)
        expected = {"items": VendorSchema(many=True).dump(items), "next": cursor}
        assert got == as_before(expected)
        assert b"requested_by" in got and (role != "region_staff" or cursor is not None)


def test_staff_lists_answer_as_before(client, market_scene):
    _code, _stall_ids, users = market_scene
    admin_id, admin = users["admin"]
    items, cursor = list_users(actor(admin_id), None, None, None)
    expected = as_before({"items": UserSchema(many=True).dump(items), "next": cursor})
    assert answer(client, "/api/v1/users", admin) == expected
    items, cursor = list_markets(actor(admin_id))
    expected = as_before({"items": MarketSchema(many=True).dump(items), "next": cursor})
    assert answer(client, "/api/v1/markets", admin) == expected


def test_money_reads_answer_as_before_with_and_without_the_payers(client, market_scene):
    _code, stall_ids, users = market_scene
    admin_id, admin = users["admin"]
    items, cursor = suspense.list_suspense(actor(admin_id))
    shown = SuspenseItemSchema(many=True, exclude=hidden_payer_fields(actor(admin_id), "suspense"))
    assert answer(client, "/api/v1/suspense", admin) == as_before({"items": shown.dump(items), "next": cursor})
    for role in ("vendor", "region_staff"):  # the payer shown, and hidden
        user_id, headers = users[role]
        items, cursor = feed.stall_feed(actor(user_id), stall_ids[0], None, 50)
        expected = FeedSchema(exclude=hidden_payer_fields(actor(user_id), "feed")).dump(
            {"items": items, "next": cursor}
        )
        got = answer(client, f"/api/v1/vendors/{stall_ids[0]}/payments", headers)
        assert got == as_before(expected)
        assert (b"TRAN VAN B" in got) == (role == "vendor")
