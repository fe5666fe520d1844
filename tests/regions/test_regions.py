"""The region tree: import of the shipped Hà Giang file, roll-up paths, API."""

from datetime import date
from importlib import resources

import pytest
from sqlalchemy import func, select

from market_pay.extensions import db
from market_pay.regions.importer import import_regions_csv
from market_pay.regions.models import Region
from tests.factories import auth_header, make_market, make_region, make_user

pytestmark = pytest.mark.usefixtures("app")
HEADER = "code,name,kind,parent_code\n"


def shipped_regions_csv() -> str:
    return resources.files("market_pay.data").joinpath("regions_ha_giang.csv").read_text(encoding="utf-8")


def test_shipped_file_imports_the_province_its_former_districts_and_communes(runner, tmp_path):
    path = tmp_path / "regions.csv"
    path.write_text(shipped_regions_csv(), encoding="utf-8")
    result = runner.invoke(args=["regions", "import", str(path)])
    assert result.exit_code == 0, result.output
    kinds = dict(db.session.execute(select(Region.kind, func.count()).group_by(Region.kind)).all())
    assert kinds == {"province": 1, "former_district": 11, "commune": 71, "ward": 2}
    dong_van = db.session.scalar(select(Region).where(Region.code == "00721"))
    assert dong_van.name == "Xã Đồng Văn"
    assert dong_van.path == "/08/026/00721/"  # rolls up to former district 026 and province 08


def test_former_districts_close_the_day_before_the_2025_reform():
    import_regions_csv(shipped_regions_csv())
    district = db.session.scalar(select(Region).where(Region.code == "026"))
    assert district.valid_to == date(2025, 6, 30)
    assert db.session.scalar(select(Region.valid_to).where(Region.code == "00721")) is None


def test_importing_the_same_file_twice_changes_nothing():
    first = import_regions_csv(shipped_regions_csv())
    second = import_regions_csv(shipped_regions_csv())
    assert first == {"created": 85, "unchanged": 0}
    assert second == {"created": 0, "unchanged": 85}
    assert db.session.scalar(select(func.count(Region.id))) == 85


def test_rows_may_name_a_parent_further_down_the_file():
    result = import_regions_csv(HEADER + "C1,Xã Một,commune,D1\nD1,Huyện Một,former_district,P1\nP1,Tỉnh,province,\n")
    assert result["created"] == 3
    assert db.session.scalar(select(Region.path).where(Region.code == "C1")) == "/P1/D1/C1/"


def test_bad_rows_are_all_reported_by_row_number_and_nothing_is_written(runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER + "OK1,Xã Tốt,commune,\n,No code,commune,\nOK2,Xã,commune,MISSING\nOK1,Again,commune,\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["regions", "import", str(path)])
    assert result.exit_code == 1
    for expected in ('"row 3"', '"code"', '"row 4"', '"parent_code"', '"row 5"'):
        assert expected in result.output
    assert db.session.scalar(select(func.count(Region.id))) == 0


def test_missing_header_column_is_reported():
    from market_pay.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        import_regions_csv("code,name\nX,Y\n")
    assert caught.value.errors["header"] == ["Missing column: kind", "Missing column: parent_code"]


def test_tree_listing_nests_children_under_parents(client):
    import_regions_csv(shipped_regions_csv())
    response = client.get("/api/v1/regions?tree=true", headers=auth_header(make_user("admin")))
    roots = response.get_json()["items"]
    assert [root["code"] for root in roots] == ["08"]
    districts = roots[0]["children"]
    assert len(districts) == 11
    dong_van_district = next(d for d in districts if d["code"] == "026")
    assert {c["code"] for c in dong_van_district["children"]} == {"00715", "00721", "00733", "00745", "00763"}


def test_flat_listing_filters_by_parent_and_pages(client):
    import_regions_csv(shipped_regions_csv())
    headers = auth_header(make_user("admin"))
    first = client.get("/api/v1/regions?parent_code=030&limit=5", headers=headers).get_json()
    assert len(first["items"]) == 5 and first["next"]
    rest = client.get(f"/api/v1/regions?parent_code=030&limit=50&cursor={first['next']}", headers=headers).get_json()
    assert rest["next"] is None
    codes = [r["code"] for r in first["items"] + rest["items"]]
    assert len(codes) == len(set(codes)) == 12
    assert all(r["parent_code"] == "030" for r in first["items"] + rest["items"])


def test_region_staff_see_only_their_subtree(client):
    import_regions_csv(shipped_regions_csv())
    staff = make_user("region_staff", scope="026")
    items = client.get("/api/v1/regions?limit=500", headers=auth_header(staff)).get_json()["items"]
    assert {r["code"] for r in items} == {"026", "00715", "00721", "00733", "00745", "00763"}
    assert client.get("/api/v1/regions/027", headers=auth_header(staff)).status_code == 403
    assert client.get("/api/v1/regions/00721", headers=auth_header(staff)).status_code == 200


def test_market_manager_sees_the_chain_above_their_market(client):
    import_regions_csv(shipped_regions_csv())
    commune = db.session.scalar(select(Region).where(Region.code == "00721"))
    manager = make_user("market_manager", scope=make_market(region=commune).code)
    items = client.get("/api/v1/regions", headers=auth_header(manager)).get_json()["items"]
    assert {r["code"] for r in items} == {"08", "026", "00721"}


def test_admin_creates_a_region_and_others_may_not(client):
    parent = make_region("P9", kind="province")
    body = {
        "code": "G1",
        "name": "Cụm chợ biên giới",
        "kind": "market_cluster",
        "parent_code": "P9",
        "valid_from": "2025-07-01",
    }
    created = client.post("/api/v1/regions", json=body, headers=auth_header(make_user("admin")))
    assert created.status_code == 201
    assert created.get_json() == {**body, "valid_to": None}
    staff = make_user("region_staff", scope=parent.code)
    assert client.post("/api/v1/regions", json={**body, "code": "G2"}, headers=auth_header(staff)).status_code == 403


def test_region_create_rejects_duplicates_unknown_parents_and_bad_dates(client):
    make_region("R1")
    headers = auth_header(make_user("admin"))
    duplicate = client.post("/api/v1/regions", json={"code": "R1", "name": "x", "kind": "commune"}, headers=headers)
    orphan = client.post(
        "/api/v1/regions", json={"code": "R2", "name": "x", "kind": "commune", "parent_code": "ZZ"}, headers=headers
    )
    dates = client.post(
        "/api/v1/regions",
        json={"code": "R3", "name": "x", "kind": "commune", "valid_from": "2025-07-01", "valid_to": "2025-01-01"},
        headers=headers,
    )
    assert duplicate.status_code == 409 and "code" in duplicate.get_json()["errors"]
    assert orphan.status_code == 422 and "parent_code" in orphan.get_json()["errors"]
    assert dates.status_code == 422 and "valid_to" in dates.get_json()["errors"]
