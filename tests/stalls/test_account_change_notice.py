"""The stall board shows a pending account change at once, at the top, and lets the vendor (not an
assistant) confirm or reject it with their PIN (issue 17, "Vendor-confirmed accounts")."""

import pytest

from market_pay.extensions import db
from market_pay.stalls.events import FeedHub
from market_pay.vendors.models import ReceivingAccount
from market_pay.vendors.services import add_account
from tests.factories import VENDOR_PIN, account_data, make_user, make_vendor, scope_of
from tests.stalls.test_board_pages import csrf_of, sign_in


@pytest.fixture
def stall(app):
    app.extensions["market_pay_feed_hub"] = FeedHub(app, poll_seconds=3600)
    vendor = make_vendor(accounts=[account_data("970436", "0011001234567", "NGUYỄN THỊ HOA")])
    manager = make_user("market_manager", vendor.market.code, username="ql.cho")
    pending = add_account(manager, vendor.id, account_data("970422", "7770001112223", "Nguyễn Thị Hoa"))
    db.session.commit()
    return vendor, pending


def decide(client, account, decision, pin=VENDOR_PIN, token=None):
    token = token if token is not None else csrf_of(client, "/stall")
    return client.post(f"/stall/accounts/{account.id}/{decision}", data={"pin": pin, "csrf_token": token})


def test_the_notice_opens_the_board_with_bank_masked_number_name_and_who_asked(client, stall):
    vendor, pending = stall
    sign_in(client, make_user("vendor", scope_of(vendor)))
    page = client.get("/stall").get_data(as_text=True)
    # (The words also travel in the page's data for its script: look for the rendered notice.)
    notice = page.index('<section class="account-change"')
    assert notice < page.index('class="stall-name"')  # above everything else on the board
    assert "<h2>Có yêu cầu đổi tài khoản nhận tiền</h2>" in page
    for shown in (
        "MBBank",
        "•••• 2223",
        "Nguyễn Thị Hoa",
        "ql.cho",
        'name="pin"',
        'name="csrf_token"',
        f"/stall/accounts/{pending.id}/confirm",
        f"/stall/accounts/{pending.id}/reject",
    ):
        assert shown in page, shown
    assert "7770001112223" not in page
    english = client.get("/stall?lang=en").get_data(as_text=True)
    assert "A change of the account you are paid into is waiting" in english and "Reject" in english
    assert client.get("/stall/summary").get_json()["pending_changes"] == 1


def test_the_vendor_confirms_with_the_pin_from_the_board(client, stall):
    vendor, pending = stall
    sign_in(client, make_user("vendor", scope_of(vendor)))
    wrong = decide(client, pending, "confirm", pin="000000")
    assert wrong.status_code == 302 and "notice=wrong_pin" in wrong.location
    assert db.session.get(ReceivingAccount, pending.id).status == "pending"
    assert 'role="status">Mã PIN không đúng.</p>' in client.get(wrong.location).get_data(as_text=True)
    done = decide(client, pending, "confirm")
    assert "notice=change_confirmed" in done.location
    db.session.expire_all()
    assert db.session.get(ReceivingAccount, pending.id).status == "active"
    page = client.get(done.location).get_data(as_text=True)
    assert 'class="account-change"' not in page and '<p id="account-notice"' in page


def test_the_vendor_rejects_from_the_board(client, stall):
    vendor, pending = stall
    sign_in(client, make_user("vendor", scope_of(vendor)))
    assert "notice=change_rejected" in decide(client, pending, "reject").location
    db.session.expire_all()
    assert db.session.get(ReceivingAccount, pending.id).status == "rejected"


def test_an_assistant_sees_the_notice_but_cannot_decide(client, stall):
    vendor, pending = stall
    sign_in(client, make_user("vendor_assistant", scope_of(vendor)))
    page = client.get("/stall").get_data(as_text=True)
    assert '<section class="account-change"' in page and '<p class="hint">Chỉ chủ sạp' in page
    assert 'name="pin"' not in page
    assert decide(client, pending, "confirm").status_code == 403
    db.session.expire_all()
    assert db.session.get(ReceivingAccount, pending.id).status == "pending"


def test_a_decision_without_the_csrf_token_is_refused(client, stall):
    vendor, pending = stall
    sign_in(client, make_user("vendor", scope_of(vendor)))
    assert decide(client, pending, "confirm", token="forged").status_code == 403
    db.session.expire_all()
    assert db.session.get(ReceivingAccount, pending.id).status == "pending"


def test_another_stalls_vendor_cannot_decide_from_their_board(client, stall):
    _, pending = stall
    other = make_vendor(accounts=[account_data("970405", "5550001112223", "TRẦN VĂN BÌNH")])
    sign_in(client, make_user("vendor", scope_of(other)))
    assert 'class="account-change"' not in client.get("/stall").get_data(as_text=True)
    assert decide(client, pending, "confirm").status_code == 403
