"""The stall feed's cursor, and resolving the suspense queue."""

import pytest
from sqlalchemy import select

from market_pay.audit.models import AuditLog
from market_pay.extensions import db
from market_pay.payments.models import BankTransaction, SuspenseItem
from tests.factories import account_data, auth_header, make_market, make_user, make_vendor, scope_of
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def stall(app):
    set_partners()
    return make_vendor(accounts=[account_data("970405", "1111"), account_data("970422", "2222")], floor_amount=1000)


def feed(client, stall, headers, after=None, limit=100):
    query = f"?limit={limit}" + (f"&after={after}" if after is not None else "")
    return client.get(f"/api/v1/vendors/{stall.id}/payments{query}", headers=headers).get_json()


def test_the_feed_lists_credits_from_every_account_in_order_and_pages_without_gaps(client, stall):
    headers = auth_header(make_user("vendor_assistant", scope=scope_of(stall)))
    for n in range(7):
        post_simbank(client, simbank_transfer(stall.accounts[n % 2], 1000 * (n + 1)))
    seen, cursor = [], None
    while True:
        page = feed(client, stall, headers, cursor, limit=3)
        if not page["items"]:
            break
        seen += [item["amount"] for item in page["items"]]
        cursor = page["next"]
    assert seen == [1000 * (n + 1) for n in range(7)]
    assert feed(client, stall, headers, cursor)["next"] == cursor  # nothing new: same cursor back


def test_feed_items_carry_flags_payer_and_references(client, stall):
    headers = auth_header(make_user("vendor", scope=scope_of(stall)))
    post_simbank(client, simbank_transfer(stall.accounts[0], 200, payer_name="LE THI D"))
    item = feed(client, stall, headers)["items"][0]
    assert item["flags"] == ["below_floor"] and item["payer_name"] == "LE THI D" and item["kind"] == "credit"
    assert item["bank_reference"].startswith("FT") and item["request_reference"] is None


def test_a_reversal_appears_in_the_feed_and_flags_the_original(client, stall):
    headers = auth_header(make_user("vendor", scope=scope_of(stall)))
    credit = simbank_transfer(stall.accounts[0], 5000)
    post_simbank(client, credit)
    first = feed(client, stall, headers)
    post_simbank(client, simbank_transfer(stall.accounts[0], 5000, direction="out", reverses=credit["transaction_id"]))
    later = feed(client, stall, headers, first["next"])
    assert [i["kind"] for i in later["items"]] == ["reversal"]
    assert feed(client, stall, headers)["items"][0]["flags"] == ["reversed"]


def test_other_stalls_cannot_read_the_feed_and_bad_cursors_are_422(client, stall):
    stranger = auth_header(make_user("vendor", scope=scope_of(make_vendor())))
    assert client.get(f"/api/v1/vendors/{stall.id}/payments", headers=stranger).status_code == 403
    own = auth_header(make_user("vendor", scope=scope_of(stall)))
    assert client.get(f"/api/v1/vendors/{stall.id}/payments?after=-1", headers=own).status_code == 422
    assert client.get(f"/api/v1/vendors/{stall.id}/payments?after=abc", headers=own).status_code == 422


def suspense_item(client, stall, account_number="9999"):
    post_simbank(client, simbank_transfer(stall.accounts[0], 30_000, account_number=account_number))
    return db.session.scalar(select(SuspenseItem).order_by(SuspenseItem.id.desc()))


def test_admin_assigns_unknown_account_money_to_a_stall(client, stall):
    item = suspense_item(client, stall)
    admin = auth_header(make_user("admin"))
    listed = client.get("/api/v1/suspense", headers=admin).get_json()["items"]
    assert [(i["id"], i["reason"], i["account_number"]) for i in listed] == [(item.id, "unknown_account", "9999")]
    response = client.post(
        f"/api/v1/suspense/{item.id}/resolve",
        headers=admin,
        json={"action": "assign_stall", "vendor_id": stall.id, "note": "sạp đổi tài khoản"},
    )
    assert response.status_code == 200 and response.get_json()["resolution"] == "assigned"
    txn = db.session.scalar(select(BankTransaction))
    assert txn.vendor_id == stall.id and txn.feed_seq == 1
    assert client.get("/api/v1/suspense", headers=admin).get_json()["items"] == []
    assert (
        db.session.scalar(select(AuditLog.action).where(AuditLog.entity_type == "suspense_item"))
        == "suspense.assign_stall"
    )
    again = client.post(f"/api/v1/suspense/{item.id}/resolve", headers=admin, json={"action": "dismiss", "note": "x"})
    assert again.status_code == 409


def test_managers_see_and_resolve_only_their_markets_items(client, stall):
    stall.accounts[0].set_status("inactive")
    db.session.commit()
    post_simbank(client, simbank_transfer(stall.accounts[0], 10_000))  # inactive → stall's market
    suspense_item(client, stall)  # unknown account → admins only
    manager = auth_header(make_user("market_manager", scope=stall.market.code))
    items = client.get("/api/v1/suspense", headers=manager).get_json()["items"]
    assert [i["reason"] for i in items] == ["inactive_account"]
    other_manager = auth_header(make_user("market_manager", scope=make_market().code))
    assert client.get("/api/v1/suspense", headers=other_manager).get_json()["items"] == []
    assert (
        client.post(
            f"/api/v1/suspense/{items[0]['id']}/resolve", headers=other_manager, json={"action": "dismiss", "note": "x"}
        ).status_code
        == 403
    )
    refund = client.post(
        f"/api/v1/suspense/{items[0]['id']}/resolve",
        headers=manager,
        json={"action": "refund", "note": "trả lại người mua"},
    )
    assert refund.status_code == 200 and refund.get_json()["resolution"] == "refund"
    vendor = auth_header(make_user("vendor", scope=scope_of(stall)))
    assert client.get("/api/v1/suspense", headers=vendor).status_code == 403


def test_assigning_to_a_request_settles_it(client, stall):
    vendor = auth_header(make_user("vendor", scope=scope_of(stall)))
    reference = client.post(
        f"/api/v1/vendors/{stall.id}/payment-requests", json={"amount": 30_000}, headers=vendor
    ).get_json()["reference"]
    item = suspense_item(client, stall)
    response = client.post(
        f"/api/v1/suspense/{item.id}/resolve",
        headers=auth_header(make_user("admin")),
        json={"action": "assign_request", "reference": reference},
    )
    assert response.status_code == 200
    assert client.get(f"/api/v1/payment-requests/{reference}", headers=vendor).get_json()["status"] == "paid"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"action": "explode"}, "action"),
        ({"action": "dismiss"}, "note"),
        ({"action": "assign_stall"}, "vendor_id"),
        ({"action": "assign_request", "reference": "CPNOTHING"}, "reference"),
    ],
)
def test_resolutions_are_validated(client, stall, body, field):
    item = suspense_item(client, stall)
    response = client.post(f"/api/v1/suspense/{item.id}/resolve", headers=auth_header(make_user("admin")), json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_a_second_resolution_of_one_item_is_409_and_credits_nothing_more(client, stall):
    item = suspense_item(client, stall)
    admin = auth_header(make_user("admin"))
    first = client.post(
        f"/api/v1/suspense/{item.id}/resolve",
        headers=admin,
        json={"action": "assign_stall", "vendor_id": stall.id, "note": "a"},
    )
    second = client.post(
        f"/api/v1/suspense/{item.id}/resolve",
        headers=admin,
        json={"action": "assign_stall", "vendor_id": stall.id, "note": "b"},
    )
    assert (first.status_code, second.status_code) == (200, 409)
    assert second.get_json()["code"] == 409
    txn = db.session.scalar(select(BankTransaction))
    assert txn.feed_seq == 1 and db.session.get(SuspenseItem, item.id).note == "a"
    assert len(db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "suspense_item")).all()) == 1


def test_money_that_reached_one_market_never_pays_a_request_of_another(client, stall):
    stall.accounts[0].set_status("inactive")
    db.session.commit()
    post_simbank(client, simbank_transfer(stall.accounts[0], 30_000))  # inactive → the stall's market
    item = db.session.scalar(select(SuspenseItem))
    assert item.market_id == stall.market_id
    elsewhere = make_vendor()
    other_vendor = auth_header(make_user("vendor", scope=scope_of(elsewhere)))
    reference = client.post(
        f"/api/v1/vendors/{elsewhere.id}/payment-requests", json={"amount": 30_000}, headers=other_vendor
    ).get_json()["reference"]
    admin = auth_header(make_user("admin"))
    to_request = client.post(
        f"/api/v1/suspense/{item.id}/resolve", headers=admin, json={"action": "assign_request", "reference": reference}
    )
    to_stall = client.post(
        f"/api/v1/suspense/{item.id}/resolve", headers=admin, json={"action": "assign_stall", "vendor_id": elsewhere.id}
    )
    assert (to_request.status_code, to_stall.status_code) == (422, 422)
    assert "reference" in to_request.get_json()["errors"] and "vendor_id" in to_stall.get_json()["errors"]
    assert client.get(f"/api/v1/payment-requests/{reference}", headers=other_vendor).get_json()["status"] == "pending"
    assert db.session.get(SuspenseItem, item.id).status == "open"
