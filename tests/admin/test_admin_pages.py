"""The administration pages through the Flask client: only administrators (exact statuses for
every other role), CSRF on every form, each change audited, secrets shown once and never again."""

import re

import pytest
from sqlalchemy import select

from market_pay.audit.models import AuditLog
from market_pay.auth.models import User
from market_pay.extensions import db
from market_pay.payments.models import PartnerCredential
from market_pay.payments.partners import fingerprint, set_credentials
from tests.factories import make_market, make_region, make_user, make_vendor, scope_of
from tests.reports.test_pages import csrf_of, sign_in

pytestmark = pytest.mark.usefixtures("app")
PAGES = ["/admin", "/admin/users", "/admin/users/new", "/admin/regions", "/admin/regions/C1", "/admin/partners"]


@pytest.fixture
def world():
    province = make_region("P", "province", name="Tỉnh Thử")
    d1 = make_region("D1", "former_district", province, name="Huyện Một")
    d2 = make_region("D2", "former_district", province, name="Huyện Hai")
    c1 = make_region("C1", "commune", d1, name="Xã Một")
    market = make_market("M1", c1, "Chợ Một")
    return {"province": province, "d1": d1, "d2": d2, "c1": c1, "market": market}


def admin_client(client):
    admin = make_user("admin", username="boss")
    sign_in(client, admin)
    return admin, csrf_of(client.get("/admin/users").get_data(as_text=True))


def audit(action):
    return db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all()


def test_signed_out_goes_to_sign_in_and_other_roles_get_403(client, world):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/staff/login"), path
    vendor = make_vendor(world["market"])
    for role, scope in (("region_staff", "P"), ("region_staff", "C1"), ("market_manager", "M1")):
        other = client.application.test_client()
        sign_in(other, make_user(role, scope))
        token = csrf_of(other.get("/reports").get_data(as_text=True))
        for path in PAGES:
            assert other.get(path).status_code == 403, (role, path)
        # Forms too, with a valid CSRF token: refused before any work.
        for path, form in (
            ("/admin/users/new", {"username": "intruder1", "role": "admin"}),
            (f"/admin/users/{vendor.id}/reset", {}),
            ("/admin/regions/C1/rename", {"name": "X"}),
            ("/admin/regions/C1/move", {"parent_code": "D2"}),
            ("/admin/partners/simbank/add", {"kind": "secret", "value": "stolen-secret-1"}),
        ):
            assert other.post(path, data={**form, "csrf_token": token}).status_code == 403, (role, path)
    assert db.session.scalar(select(User.id).where(User.username == "intruder1")) is None
    assert world["c1"].name == "Xã Một" and not audit("partner.credential_add") and not audit("region.move")
    # A vendor's stall session does not open the administration either.
    make_user("vendor", scope_of(vendor))
    assert client.get("/admin/users").status_code == 302


def test_every_form_refuses_a_missing_or_wrong_csrf_token(client, world):
    admin_client(client)
    target = make_user("region_staff", "D1")
    for path, form in (
        ("/admin/users/new", {"username": "nocsrf1", "role": "region_staff", "scope": "D1"}),
        (f"/admin/users/{target.id}/deactivate", {}),
        (f"/admin/users/{target.id}/reset", {}),
        ("/admin/regions/C1/rename", {"name": "Xã Đổi"}),
        ("/admin/regions/C1/move", {"parent_code": "D2"}),
        ("/admin/partners/simbank/add", {"kind": "secret", "value": "a-new-secret-1"}),
    ):
        assert client.post(path, data=form).status_code == 403, path
        assert client.post(path, data={**form, "csrf_token": "forged"}).status_code == 403, path
    db.session.expire_all()
    assert target.active and world["c1"].name == "Xã Một" and world["c1"].parent_code == "D1"
    assert not db.session.scalars(
        select(AuditLog).where(
            AuditLog.actor_user_id.is_not(None),
            AuditLog.action.in_(
                (
                    "user.create",
                    "user.deactivate",
                    "user.reset_password",
                    "region.rename",
                    "region.move",
                    "partner.credential_add",
                )
            ),
        )
    ).all()


def test_users_search_create_deactivate_reactivate_and_reset(client, world):
    admin, token = admin_client(client)
    make_user("region_staff", "D1", username="lan.d1")
    make_user("market_manager", "M1", username="minh.m1")
    html = client.get("/admin/users?q=LAN").get_data(as_text=True)
    assert 'data-user="lan.d1"' in html and 'data-user="minh.m1"' not in html
    html = client.get("/admin/users?role=market_manager").get_data(as_text=True)
    assert 'data-user="minh.m1"' in html and 'data-user="lan.d1"' not in html
    assert "data-user" not in client.get("/admin/users?q=%25").get_data(as_text=True)  # '%' is a literal
    # Create: a random password, shown once, never stored in clear nor audited.
    page = client.post(
        "/admin/users/new",
        data={
            "username": "hoa.c1",
            "display_name": "Nguyễn Thị Hoa",
            "role": "region_staff",
            "scope": "C1",
            "csrf_token": token,
        },
    )
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="secret">([^<]+)<', page.get_data(as_text=True)).group(1)
    created = db.session.scalar(select(User).where(User.username == "hoa.c1"))
    assert created.region_id == world["c1"].id and created.display_name == "Nguyễn Thị Hoa"
    assert secret not in created.password_hash and secret not in str(audit("user.create")[-1].details)
    assert audit("user.create")[-1].actor_user_id == admin.id
    newcomer = client.application.test_client()
    assert sign_in(newcomer, created, secret).status_code == 302
    assert secret not in client.get("/admin/users?q=hoa").get_data(as_text=True)
    # Refusals are said in Vietnamese, with the form kept, and write nothing.
    taken = client.post(
        "/admin/users/new", data={"username": "hoa.c1", "role": "region_staff", "scope": "C1", "csrf_token": token}
    )
    assert taken.status_code == 409 and "tên đăng nhập không hợp lệ hoặc đã có người dùng" in taken.get_data(
        as_text=True
    )
    wrong = client.post(
        "/admin/users/new", data={"username": "x.y.z", "role": "region_staff", "scope": "NOPE", "csrf_token": token}
    )
    assert wrong.status_code == 422 and "phạm vi không đúng với vai trò" in wrong.get_data(as_text=True)
    # Deactivate ends their sessions; reactivate lets them sign in again.
    response = client.post(f"/admin/users/{created.id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 302
    assert "Đã khoá hoa.c1" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert newcomer.get("/reports").status_code == 302  # signed out
    assert client.post(f"/admin/users/{admin.id}/deactivate", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert admin.active and not created.active
    assert client.post(f"/admin/users/{created.id}/reactivate", data={"csrf_token": token}).status_code == 302
    # Reset a staff password (shown once) and a vendor's PIN (to be changed at sign-in).
    reset = client.post(f"/admin/users/{created.id}/reset", data={"csrf_token": token})
    new_password = re.search(r'id="secret">([^<]+)<', reset.get_data(as_text=True)).group(1)
    assert (
        new_password != secret and sign_in(client.application.test_client(), created, new_password).status_code == 302
    )
    vendor_user = make_user("vendor", scope_of(make_vendor(world["market"])))
    reset = client.post(f"/admin/users/{vendor_user.id}/reset", data={"csrf_token": token})
    pin = re.search(r'id="secret">([0-9]+)<', reset.get_data(as_text=True)).group(1)
    db.session.expire_all()
    assert len(pin) == 6 and vendor_user.must_change_pin
    assert [
        row.action
        for row in db.session.scalars(
            select(AuditLog)
            .where(AuditLog.entity_type == "user", AuditLog.entity_id == str(created.id))
            .order_by(AuditLog.id)
        )
    ] == ["user.create", "user.deactivate", "user.reactivate", "user.reset_password"]
    assert audit("user.reset_pin")[-1].actor_user_id == admin.id
    assert client.post("/admin/users/999999/reset", data={"csrf_token": token}).status_code == 404


def test_rename_and_move_a_commune_from_the_tree(client, world):
    _admin, token = admin_client(client)
    html = client.get("/admin/regions").get_data(as_text=True)
    assert 'data-region="C1"' in html and 'data-region="D2"' in html
    page = client.get("/admin/regions/C1").get_data(as_text=True)
    assert '<option value="D2"' in page and '<option value="C1"' not in page
    assert client.post("/admin/regions/C1/rename", data={"name": "  ", "csrf_token": token}).status_code == 422
    assert client.post("/admin/regions/C1/rename", data={"name": "Xã Một Mới", "csrf_token": token}).status_code == 302
    response = client.post("/admin/regions/C1/move", data={"parent_code": "D2", "csrf_token": token})
    assert response.status_code == 302
    assert "Đã chuyển C1 sang Huyện Hai" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert (world["c1"].name, world["c1"].path) == ("Xã Một Mới", "/P/D2/C1/")
    assert audit("region.rename")[-1].details == {"old_name": "Xã Một", "name": "Xã Một Mới"}
    assert audit("region.move")[-1].details["old_path"] == "/P/D1/C1/"
    # A district cannot be moved here, nor a commune under a commune.
    assert client.post("/admin/regions/D1/move", data={"parent_code": "D2", "csrf_token": token}).status_code == 422
    make_region("C2", "commune", world["d2"])
    assert client.post("/admin/regions/C1/move", data={"parent_code": "C2", "csrf_token": token}).status_code == 422
    assert client.get("/admin/regions/NOPE").status_code == 404


def test_partner_credentials_add_retire_and_only_fingerprints_shown(client, world):
    admin, token = admin_client(client)
    set_credentials("simbank", ["the-old-secret-1"], [])
    db.session.commit()
    html = client.get("/admin/partners").get_data(as_text=True)
    assert fingerprint("the-old-secret-1") in html and "the-old-secret-1" not in html
    response = client.post(
        "/admin/partners/simbank/add", data={"kind": "secret", "value": "the-new-secret-2", "csrf_token": token}
    )
    assert response.status_code == 302
    html = client.get("/admin/partners").get_data(as_text=True)
    assert fingerprint("the-new-secret-2") in html and "the-new-secret-2" not in html
    assert "the-old-secret-1" not in html and fingerprint("the-old-secret-1") in html
    retire = client.post(
        "/admin/partners/simbank/retire", data={"fingerprint": fingerprint("the-old-secret-1"), "csrf_token": token}
    )
    assert retire.status_code == 302
    values = db.session.scalars(select(PartnerCredential.value).where(PartnerCredential.partner == "simbank")).all()
    assert values == ["the-new-secret-2"]
    # The last one cannot be retired; a short secret and an API key for a partner without one are refused.
    last = client.post(
        "/admin/partners/simbank/retire", data={"fingerprint": fingerprint("the-new-secret-2"), "csrf_token": token}
    )
    assert last.status_code == 422 and "the-new-secret-2" not in last.get_data(as_text=True)
    short = client.post("/admin/partners/payos/add", data={"kind": "secret", "value": "short", "csrf_token": token})
    assert short.status_code == 422 and 'value="short"' not in short.get_data(as_text=True)
    assert (
        client.post(
            "/admin/partners/payos/add", data={"kind": "api_key", "value": "long-enough-key", "csrf_token": token}
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/admin/partners/nobank/add", data={"kind": "secret", "value": "long-enough-key", "csrf_token": token}
        ).status_code
        == 422
    )
    details = [row.details for row in audit("partner.credential_add") + audit("partner.credential_retire")]
    assert details == [
        {"partner": "simbank", "kind": "secret", "added": fingerprint("the-new-secret-2")},
        {"partner": "simbank", "retired": fingerprint("the-old-secret-1")},
    ]
    assert all(row.actor_user_id == admin.id for row in audit("partner.credential_add"))


def test_payos_api_credentials_are_shown_by_fingerprint_and_never_retired_as_the_last_callback_secret(client, world):
    _admin, token = admin_client(client)
    set_credentials("payos", ["payos-checksum-1"], [], pull_tokens=["payos-api-key-1"], client_ids=["payos-client-1"])
    db.session.commit()
    html = client.get("/admin/partners").get_data(as_text=True)
    for value in ("payos-checksum-1", "payos-api-key-1", "payos-client-1"):
        assert fingerprint(value) in html and value not in html
    assert "Khoá gọi API đối tác" in html and html.count('class="retire"') == 1  # the checksum key's only
    # The callback secret is the last one that verifies callbacks: the API credentials do not count.
    last = client.post(
        "/admin/partners/payos/retire", data={"fingerprint": fingerprint("payos-checksum-1"), "csrf_token": token}
    )
    assert last.status_code == 422
