"""Markets: registration in a commune or ward, scoped listing, edits."""

import pytest
from sqlalchemy import select

from market_pay.audit.models import AuditLog
from market_pay.extensions import db
from tests.factories import auth_header, make_market, make_region, make_user

pytestmark = pytest.mark.usefixtures("app")


def test_admin_registers_a_market_in_a_commune(client):
    commune = make_region("00721", name="Xã Đồng Văn")
    body = {"code": "DV-1", "name": "Chợ Đồng Văn", "region_code": "00721", "address": "Phố cổ"}
    response = client.post("/api/v1/markets", json=body, headers=auth_header(make_user("admin")))
    assert response.status_code == 201
    assert response.get_json() == body
    assert commune.code == "00721"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "market.create"))
    assert entry.entity_id == "DV-1" and entry.actor_label.startswith("user")


def test_a_market_cannot_sit_in_a_district_or_province(client):
    district = make_region("026", kind="former_district")
    response = client.post(
        "/api/v1/markets",
        json={"code": "X", "name": "Chợ", "region_code": district.code},
        headers=auth_header(make_user("admin")),
    )
    assert response.status_code == 422
    assert "former_district" in response.get_json()["errors"]["region_code"][0]


def test_market_codes_are_unique(client):
    market = make_market("DV-1")
    response = client.post(
        "/api/v1/markets",
        json={"code": "DV-1", "name": "Chợ", "region_code": market.region_code},
        headers=auth_header(make_user("admin")),
    )
    assert response.status_code == 409


def test_listing_is_scoped_to_the_region_subtree(client):
    district_a = make_region(kind="former_district")
    district_b = make_region(kind="former_district")
    in_a = [make_market(region=make_region(parent=district_a)) for _ in range(3)]
    make_market(region=make_region(parent=district_b))
    staff = make_user("region_staff", scope=district_a.code)
    items = client.get("/api/v1/markets", headers=auth_header(staff)).get_json()["items"]
    assert {m["code"] for m in items} == {m.code for m in in_a}


def test_admin_filters_markets_by_region(client):
    district = make_region(kind="former_district")
    inside = make_market(region=make_region(parent=district))
    make_market()
    items = client.get(
        f"/api/v1/markets?region_code={district.code}", headers=auth_header(make_user("admin"))
    ).get_json()["items"]
    assert [m["code"] for m in items] == [inside.code]


def test_manager_renames_their_market_but_cannot_move_it(client):
    market = make_market()
    headers = auth_header(make_user("market_manager", scope=market.code))
    renamed = client.patch(
        f"/api/v1/markets/{market.code}", json={"name": "Chợ mới", "address": "Tổ 5"}, headers=headers
    )
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Chợ mới"
    moved = client.patch(f"/api/v1/markets/{market.code}", json={"region_code": make_region().code}, headers=headers)
    assert moved.status_code == 403


def test_admin_moves_a_market_to_another_commune(client):
    market = make_market()
    target = make_region()
    response = client.patch(
        f"/api/v1/markets/{market.code}", json={"region_code": target.code}, headers=auth_header(make_user("admin"))
    )
    assert response.status_code == 200 and response.get_json()["region_code"] == target.code


def test_unknown_market_is_404(client):
    assert client.get("/api/v1/markets/NOPE", headers=auth_header(make_user("admin"))).status_code == 404
