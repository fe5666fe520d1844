"""Registering and editing stalls, their accounts and sign-ins in the office: the services' own
rules (four eyes, scope), the CSRF token on every form, an audit row for every change."""

import re

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from market_pay.audit.models import AuditLog
from market_pay.auth.models import User
from market_pay.extensions import db
from market_pay.vendors.models import ReceivingAccount, Vendor
from tests.factories import make_user, scope_of
from tests.office.conftest import post, sign_in

pytestmark = pytest.mark.usefixtures("app")
NEW_STALL = {
    "stall_code": "A-50",
    "display_name": "Cá tươi chị Lan",
    "legal_name": "Trần Thị Lan",
    "phone": "0913 222 333",
    "floor_amount": "2.000",
    "bin": "970422",
    "account_number": "909090909",
    "account_name": "TRAN THI LAN",
}


def actions(entity_type=None):
    query = select(AuditLog.action).order_by(AuditLog.id)
    if entity_type:
        query = query.where(AuditLog.entity_type == entity_type)
    return db.session.scalars(query).all()


def test_a_manager_registers_a_stall_whose_account_waits_for_the_vendor(client, office):
    token = sign_in(client, office.manager_a)
    response = post(client, f"/office/m/{office.market_a.code}/stalls/new", token, **NEW_STALL)
    assert response.status_code == 302
    vendor = db.session.scalar(select(Vendor).where(Vendor.stall_code == "A-50"))
    assert (vendor.market_id, vendor.phone, vendor.floor_amount, vendor.legal_name) == (
        office.market_a.id,
        "0913222333",
        2000,
        "Trần Thị Lan",
    )
    assert [(a.status, a.pending_change) for a in vendor.accounts] == [("pending", "add")]
    assert actions("vendor")[-1] == "vendor.create"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã đăng ký sạp A-50." in page and "Chờ chủ sạp xác nhận" in page


def test_a_registration_with_mistakes_writes_nothing_and_says_where(client, office):
    token = sign_in(client, office.manager_a)
    before = actions()
    response = post(client, f"/office/m/{office.market_a.code}/stalls/new", token, **{**NEW_STALL, "phone": "12"})
    assert response.status_code == 422 and "Không phải số điện thoại Việt Nam" in response.get_data(as_text=True)
    blank = post(client, f"/office/m/{office.market_a.code}/stalls/new", token, **{**NEW_STALL, "display_name": " "})
    assert blank.status_code == 422 and "Hãy điền ô này." in blank.get_data(as_text=True)
    assert "Must not be blank" not in blank.get_data(as_text=True)
    taken = post(
        client,
        f"/office/m/{office.market_a.code}/stalls/new",
        token,
        **{**NEW_STALL, "account_number": office.stall_b.accounts[0].account_number},
    )
    assert taken.status_code == 409 and 'value="Cá tươi chị Lan"' in taken.get_data(as_text=True)
    wrong_name = post(
        client, f"/office/m/{office.market_a.code}/stalls/new", token, **{**NEW_STALL, "account_name": "NGUOI KHAC"}
    )
    assert wrong_name.status_code == 422
    assert db.session.scalar(select(Vendor).where(Vendor.stall_code == "A-50")) is None and actions() == before


def test_a_registration_shows_every_mistake_at_once(client, office):
    """The fields' own mistakes and the registry's refusals (a stall code or account number taken,
    an account in another name) in one answer, not one round after the other; what was typed stays."""
    token = sign_in(client, office.manager_a)
    before = actions()
    form = {
        **NEW_STALL,
        "phone": "12",
        "display_name": " ",
        "stall_code": office.stall_a.stall_code,
        "legal_name": "Trần Thị Lan",
        "account_name": "NGUOI KHAC",
    }
    response = post(client, f"/office/m/{office.market_a.code}/stalls/new", token, **form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for said in (
        "Không phải số điện thoại Việt Nam",
        "Hãy điền ô này.",
        f"Mã sạp {office.stall_a.stall_code} đã có ở chợ {office.market_a.code}.",
        "Tên tài khoản phải trùng họ tên trên CCCD của chủ sạp (Trần Thị Lan).",
    ):
        assert said in html, said
    assert html.count('class="field-error"') == 4
    assert 'value="Trần Thị Lan"' in html and 'value="NGUOI KHAC"' in html and 'value="12"' in html
    taken = post(
        client,
        f"/office/m/{office.market_a.code}/stalls/new",
        token,
        **{**form, "account_name": "TRAN THI LAN", "account_number": office.stall_b.accounts[0].account_number},
    )
    html = taken.get_data(as_text=True)
    assert taken.status_code == 422 and "Số tài khoản này đã được đăng ký" in html and "Mã sạp" in html
    assert html.count('class="field-error"') == 4  # phone, display name, stall code, number
    assert db.session.scalar(select(Vendor).where(Vendor.display_name == "")) is None and actions() == before


def test_edit_suspend_and_reactivate_are_audited(client, office):
    token = sign_in(client, office.manager_a)
    base = f"/office/m/{office.market_a.code}/stalls/{office.stall_a.id}"
    response = post(
        client,
        f"{base}/edit",
        token,
        stall_code="A-01",
        display_name="Rau sạch Hoa",
        phone="0912000001",
        floor_amount="",
    )
    assert response.status_code == 302
    assert db.session.get(Vendor, office.stall_a.id).display_name == "Rau sạch Hoa"
    assert post(client, f"{base}/status", token, status="suspended", reason="nợ phí").status_code == 302
    assert db.session.get(Vendor, office.stall_a.id).status == "suspended"
    assert post(client, f"{base}/status", token, status="active").status_code == 302
    assert actions("vendor")[-3:] == ["vendor.update", "vendor.suspend", "vendor.reactivate"]
    # The legal name is the administrator's to correct, as in the API.
    assert post(client, f"{base}/edit", token, legal_name="AI DO").status_code == 403


def test_account_changes_go_through_four_eyes(client, office):
    token = sign_in(client, office.manager_a)
    base = f"/office/m/{office.market_a.code}/stalls/{office.stall_a.id}"
    assert (
        post(
            client, f"{base}/accounts", token, bin="970422", account_number="7777", account_name="NGUYEN THI HOA"
        ).status_code
        == 302
    )
    added = db.session.scalar(select(ReceivingAccount).where(ReceivingAccount.account_number == "7777"))
    assert added.status == "pending"
    live = office.stall_a.accounts[0]
    post(client, f"{base}/accounts/{live.id}/deactivate", token)  # the last live one: only asked
    assert db.session.get(ReceivingAccount, live.id).pending_change == "deactivate"
    post(client, f"{base}/accounts/{added.id}/withdraw", token)
    assert db.session.get(ReceivingAccount, added.id).status == "rejected"
    assert actions("receiving_account") == ["account.add", "account.request_deactivate", "account.reject"]
    # Approving is the administrator's (or the vendor's, on their board).
    assert post(client, f"{base}/accounts/{live.id}/approve", token).status_code == 403
    admin_client = client.application.test_client()
    admin_token = sign_in(admin_client, office.admin)
    assert post(admin_client, f"{base}/accounts/{live.id}/approve", admin_token).status_code == 302
    assert db.session.get(ReceivingAccount, live.id).status == "inactive"


def test_a_pin_reset_is_shown_once_and_must_be_changed(client, office):
    vendor_user = make_user("vendor", scope_of(office.stall_a))
    token = sign_in(client, office.manager_a)
    response = post(
        client, f"/office/m/{office.market_a.code}/stalls/{office.stall_a.id}/logins/{vendor_user.id}/reset-pin", token
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    pin = html.split('id="new-pin">')[1].split("<")[0]
    user = db.session.get(User, vendor_user.id)
    assert check_password_hash(user.password_hash, pin) and user.must_change_pin
    assert actions("user")[-1] == "user.reset_pin"


def test_an_assistant_login_gets_a_one_time_pin(client, office):
    token = sign_in(client, office.manager_a)
    response = post(
        client,
        f"/office/m/{office.market_a.code}/stalls/{office.stall_a.id}/logins",
        token,
        phone="0977 123 456",
        role="vendor_assistant",
    )
    assert response.status_code == 200
    pin = response.get_data(as_text=True).split('id="new-pin">')[1].split("<")[0]
    user = db.session.scalar(select(User).where(User.username == "0977123456"))
    assert (user.role, user.vendor_id, user.must_change_pin) == ("vendor_assistant", office.stall_a.id, True)
    assert check_password_hash(user.password_hash, pin) and actions("user")[-1] == "user.create"
    again = post(
        client,
        f"/office/m/{office.market_a.code}/stalls/{office.stall_a.id}/logins",
        token,
        phone="0977123456",
        role="vendor_assistant",
    )
    assert again.status_code == 409 and "Số điện thoại này đã có tài khoản đăng nhập." in again.get_data(as_text=True)


def test_a_suspension_without_a_reason_is_refused_in_vietnamese_and_changes_nothing(client, office):
    token = sign_in(client, office.manager_a)
    base = f"/office/m/{office.market_a.code}/stalls/{office.stall_a.id}"
    page = client.get(base).get_data(as_text=True)
    assert "Lý do tạm ngừng (bắt buộc, ghi vào nhật ký)" in page
    assert re.search(r'<input name="reason" id="f-reason" type="text" value="" required', page)
    before = actions()
    for reason in ("", "   "):
        refused = post(client, f"{base}/status", token, status="suspended", reason=reason)
        html = refused.get_data(as_text=True)
        assert refused.status_code == 422 and "Hãy ghi lý do tạm ngừng sạp." in html
        assert 'class="field invalid">Lý do tạm ngừng' in html and "Say why" not in html
    assert actions() == before and db.session.get(Vendor, office.stall_a.id).status == "active"
    assert post(client, f"{base}/status", token, status="suspended", reason="nợ phí").status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "Lý do (không bắt buộc)" in page and not re.search(r'id="f-reason"[^>]*required', page)


def test_a_form_without_the_token_changes_nothing(client, office):
    sign_in(client, office.manager_a)
    base = f"/office/m/{office.market_a.code}/stalls/{office.stall_a.id}"
    before = actions()
    for path, fields in (
        (f"/office/m/{office.market_a.code}/stalls/new", NEW_STALL),
        (f"{base}/edit", {"display_name": "X"}),
        (f"{base}/status", {"status": "suspended", "reason": "nợ phí"}),
        (f"{base}/logins", {"phone": "0977123456"}),
    ):
        assert client.post(path, data=fields).status_code == 403, path
        assert client.post(path, data={**fields, "csrf_token": "forged"}).status_code == 403, path
    assert actions() == before and db.session.get(Vendor, office.stall_a.id).status == "active"


def test_another_market_s_manager_gets_exactly_403_or_404(client, office):
    token = sign_in(client, office.manager_b)
    a, b = office.market_a.code, office.market_b.code
    vendor_user = make_user("vendor", scope_of(office.stall_a))
    before = actions()
    # Market A named in the address: 403 for every page and form.
    for path in (
        f"/office/m/{a}",
        f"/office/m/{a}/stalls/{office.stall_a.id}",
        f"/office/m/{a}/suspense",
        f"/office/m/{a}/audit",
        f"/office/m/{a}/cards.pdf",
        f"/office/m/{a}/stalls/{office.stall_a.id}/cards.pdf",
        f"/office/m/{a}/stalls/new",
    ):
        assert client.get(path).status_code == 403, path
    for path in (
        f"/office/m/{a}/stalls/new",
        f"/office/m/{a}/stalls/{office.stall_a.id}/edit",
        f"/office/m/{a}/stalls/{office.stall_a.id}/status",
        f"/office/m/{a}/stalls/{office.stall_a.id}/logins/{vendor_user.id}/reset-pin",
    ):
        assert post(client, path, token, **NEW_STALL).status_code == 403, path
    # A's stall under the manager's own market: not there (404), and an unknown market 404.
    assert client.get(f"/office/m/{b}/stalls/{office.stall_a.id}").status_code == 404
    assert post(client, f"/office/m/{b}/stalls/{office.stall_a.id}/edit", token, display_name="X").status_code == 404
    assert (
        post(client, f"/office/m/{b}/stalls/{office.stall_b.id}/logins/{vendor_user.id}/reset-pin", token).status_code
        == 404
    )
    assert client.get("/office/m/NOSUCH").status_code == 404
    assert actions() == before and db.session.get(Vendor, office.stall_a.id).display_name != "X"


def test_region_staff_read_but_cannot_change(client, office):
    token = sign_in(client, office.staff_a)
    base = f"/office/m/{office.market_a.code}/stalls/{office.stall_a.id}"
    page = client.get(base)
    assert page.status_code == 200 and "Cấp lại mã PIN" not in page.get_data(as_text=True)
    assert post(client, f"{base}/edit", token, display_name="X").status_code == 403
    assert post(client, f"{base}/status", token, status="suspended", reason="nợ phí").status_code == 403
    assert post(client, f"/office/m/{office.market_a.code}/stalls/new", token, **NEW_STALL).status_code == 403
    assert client.get(f"/office/m/{office.market_b.code}").status_code == 403


def test_a_stall_account_cannot_sign_in_to_the_office(client, office):
    from tests.factories import VENDOR_PIN
    from tests.office.conftest import csrf_of

    vendor_user = make_user("vendor", scope_of(office.stall_a))
    token = csrf_of(client.get("/office/login").get_data(as_text=True))
    response = client.post(
        "/office/login", data={"username": vendor_user.username, "password": VENDOR_PIN, "csrf_token": token}
    )
    assert response.status_code == 403
    assert client.get("/office").status_code == 302


def test_no_bank_is_chosen_for_the_manager_and_none_chosen_is_refused(client, office):
    """The bank list opens on "choose", not on its first bank (a manager who does not look would
    otherwise print cards for an account at CIMB)."""
    token = sign_in(client, office.manager_a)
    code = office.market_a.code
    for path in (f"/office/m/{code}/stalls/new", f"/office/m/{code}/stalls/{office.stall_a.id}"):
        html = client.get(path).get_data(as_text=True)
        first = html.split('<select name="bin"', 1)[1].split("<option", 2)[1]
        assert first.startswith(' value="" selected') and "Chọn ngân hàng" in first, path
    response = post(client, f"/office/m/{code}/stalls/new", token, **{**NEW_STALL, "bin": ""})
    bank_field = response.get_data(as_text=True).split('<select name="bin"')[0].rsplit("<label", 1)[1]
    assert response.status_code == 422 and 'class="field invalid"' in bank_field
    assert db.session.scalar(select(Vendor).where(Vendor.stall_code == "A-50")) is None


def test_region_staff_read_the_stall_s_details_not_an_edit_form(client, office):
    sign_in(client, office.staff_a)
    html = client.get(f"/office/m/{office.market_a.code}/stalls/{office.stall_a.id}").get_data(as_text=True)
    assert "<h2>Thông tin sạp</h2>" in html and "<h2>Sửa</h2>" not in html
    manager = client.application.test_client()
    sign_in(manager, office.manager_a)
    assert "<h2>Sửa</h2>" in manager.get(f"/office/m/{office.market_a.code}/stalls/{office.stall_a.id}").get_data(
        as_text=True
    )
