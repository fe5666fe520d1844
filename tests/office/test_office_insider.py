"""The insider review of the office: a valid manager's login aimed, through their own market's
addresses, at someone else's sign-ins (crafted user ids), and the audit trail a victim's market
needs to see for every change made to its stalls from the office."""

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from market_pay.audit.models import AuditLog
from market_pay.auth.models import User
from market_pay.extensions import db
from tests.factories import STAFF_PASSWORD, VENDOR_PIN, account_data, make_user, make_vendor, scope_of
from tests.office.conftest import post, sign_in

pytestmark = pytest.mark.usefixtures("app")


def test_a_pin_reset_through_one_s_own_stall_reaches_only_that_stall_s_sign_ins(client, office):
    a = office.market_a.code
    neighbour = make_vendor(office.market_a, "A-02", [account_data(account_number="333300003333")])
    others = {
        "admin": (office.admin, STAFF_PASSWORD),
        "manager_b": (office.manager_b, STAFF_PASSWORD),
        "staff": (office.staff_a, STAFF_PASSWORD),
        "neighbour": (make_user("vendor", scope_of(neighbour)), VENDOR_PIN),
        "vendor_b": (make_user("vendor", scope_of(office.stall_b)), VENDOR_PIN),
        "self": (office.manager_a, STAFF_PASSWORD),
    }
    token = sign_in(client, office.manager_a)
    before = db.session.scalar(select(db.func.count(AuditLog.id)))
    for name, (user, _) in others.items():
        response = post(client, f"/office/m/{a}/stalls/{office.stall_a.id}/logins/{user.id}/reset-pin", token)
        assert response.status_code == 404, name
        assert "new-pin" not in response.get_data(as_text=True)
    for name, (user, secret) in others.items():
        assert check_password_hash(db.session.get(User, user.id).password_hash, secret), name
    assert db.session.scalar(select(db.func.count(AuditLog.id))) == before


def test_every_office_change_to_a_stall_is_in_its_market_s_log_and_no_other(client, office):
    a, b = office.market_a.code, office.market_b.code
    vendor_user = make_user("vendor", scope_of(office.stall_a))
    token = sign_in(client, office.manager_a)
    base = f"/office/m/{a}/stalls/{office.stall_a.id}"
    assert (
        post(
            client,
            f"{base}/edit",
            token,
            stall_code="A-01",
            display_name="Rau sạch Hoa",
            phone="0912000001",
            floor_amount="",
        ).status_code
        == 302
    )
    assert (
        post(
            client, f"{base}/accounts", token, bin="970422", account_number="7777", account_name="NGUYEN THI HOA"
        ).status_code
        == 302
    )
    assert post(client, f"{base}/logins/{vendor_user.id}/reset-pin", token).status_code == 200
    assert post(client, f"{base}/logins", token, phone="0977123456", role="vendor_assistant").status_code == 200
    assert post(client, f"{base}/status", token, status="suspended", reason="nợ phí").status_code == 302
    wanted = ["vendor.update", "account.add", "user.reset_pin", "user.create", "vendor.suspend"]
    seen = db.session.scalars(
        select(AuditLog)
        .where(AuditLog.action.in_(wanted), AuditLog.actor_user_id == office.manager_a.id)
        .order_by(AuditLog.id)
    ).all()
    assert [row.action for row in seen] == wanted
    assert {row.market_id for row in seen} == {office.market_a.id}
    page_a = client.get(f"/office/m/{a}/audit").get_data(as_text=True)
    assert all(action in page_a for action in wanted) and office.manager_a.username in page_a
    manager_b = client.application.test_client()
    sign_in(manager_b, office.manager_b)
    page_b = manager_b.get(f"/office/m/{b}/audit").get_data(as_text=True)
    assert office.manager_a.username not in page_b and "Rau sạch Hoa" not in page_b
