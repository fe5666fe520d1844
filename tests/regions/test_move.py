"""Re-parenting a commune: the path of the commune and of everything under it is rewritten in one
statement, audited, and region staff's scopes and the reports' district grouping follow."""

from datetime import date

import pytest
from sqlalchemy import select

from market_pay.audit.models import AuditLog
from market_pay.errors import Forbidden, ValidationFailed
from market_pay.extensions import db
from market_pay.regions.models import Region
from market_pay.regions.services import move_region, rename_region
from market_pay.reports.adoption import adoption_report, bring_rollups_up_to_date
from tests.factories import auth_header, make_market, make_region, make_user, make_vendor
from tests.reports.helpers import credit

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def places():
    province = make_region("P", "province", name="Tỉnh Thử")
    d1 = make_region("D1", "former_district", province, name="Huyện Một")
    d2 = make_region("D2", "former_district", province, name="Huyện Hai")
    c1 = make_region("C1", "commune", d1, name="Xã Một")
    c10 = make_region("C10", "commune", d1, name="Xã Mười")  # a code that C1 is a prefix of
    hamlet = make_region("C1-T1", "hamlet", c1, name="Thôn Một")  # any grouping may sit under a commune
    market = make_market("M1", c1, "Chợ Một")
    for n in range(3):
        stall = make_vendor(market)
        credit(stall, 10_000 * (n + 1), "2026-11-05 09:00")
    return {"d1": d1, "d2": d2, "c1": c1, "c10": c10, "hamlet": hamlet, "market": market}


def paths():
    return dict(db.session.execute(select(Region.code, Region.path)).all())


def test_moving_a_commune_rewrites_its_subtree_only_and_is_audited(places):
    admin = make_user("admin")
    move_region(admin, "C1", "D2")
    db.session.commit()
    db.session.expire_all()
    assert paths() == {
        "P": "/P/",
        "D1": "/P/D1/",
        "D2": "/P/D2/",
        "C1": "/P/D2/C1/",
        "C10": "/P/D1/C10/",
        "C1-T1": "/P/D2/C1/C1-T1/",
    }
    assert places["c1"].parent_code == "D2"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "region.move"))
    assert (entry.actor_user_id, entry.entity_id) == (admin.id, "C1")
    assert entry.details == {"old_parent_code": "D1", "parent_code": "D2", "old_path": "/P/D1/C1/", "path": "/P/D2/C1/"}


def test_scopes_and_reports_follow_the_move(client, places):
    old_staff, new_staff = make_user("region_staff", "D1"), make_user("region_staff", "D2")
    assert client.get("/api/v1/markets/M1", headers=auth_header(old_staff)).status_code == 200
    assert client.get("/api/v1/markets/M1", headers=auth_header(new_staff)).status_code == 403
    move_region(make_user("admin"), "C1", "D2")
    db.session.commit()
    assert client.get("/api/v1/markets/M1", headers=auth_header(old_staff)).status_code == 403
    assert client.get("/api/v1/markets/M1", headers=auth_header(new_staff)).status_code == 200
    query = {"from": "2026-11-01", "to": "2026-11-30"}
    assert (
        client.get(
            "/api/v1/reports/adoption", headers=auth_header(old_staff), query_string={**query, "region": "C1"}
        ).status_code
        == 403
    )
    body = client.get(
        "/api/v1/reports/adoption", headers=auth_header(new_staff), query_string={**query, "region": "D2"}
    ).json
    assert [(row["kind"], row["market_code"]) for row in body["rows"]] == [("market", "M1"), ("total", "")]
    assert body["rows"][0]["district"] == "Huyện Hai" and body["rows"][-1]["cashless_value"] == 60_000
    empty = client.get(
        "/api/v1/reports/adoption", headers=auth_header(old_staff), query_string={**query, "region": "D1"}
    )
    assert empty.json["rows"][-1]["markets"] == 0
    bring_rollups_up_to_date()
    province = adoption_report(None, region_code="P", first=date(2026, 11, 1), last=date(2026, 11, 30))
    assert [(row.kind, row.district_code) for row in province.rows] == [
        ("market", "D2"),
        ("district_total", "D2"),
        ("total", ""),
    ]


def test_only_an_admin_moves_only_a_commune_under_a_grouping(places):
    with pytest.raises(Forbidden):
        move_region(make_user("region_staff", "P"), "C1", "D2")
    admin = make_user("admin")
    for code, parent in (("D1", "D2"), ("C1", "C10"), ("C1", "C1-T1"), ("C1", "NOPE"), ("C1-T1", "D2")):
        with pytest.raises(ValidationFailed):
            move_region(admin, code, parent)
    assert move_region(admin, "C1", "D1").path == "/P/D1/C1/"  # where it is already: nothing to do
    assert not db.session.scalars(select(AuditLog).where(AuditLog.action == "region.move")).all()


def test_rename_keeps_the_code_and_audits_the_old_name(places):
    with pytest.raises(Forbidden):
        rename_region(make_user("region_staff", "P"), "C1", "Xã Khác")
    admin = make_user("admin")
    with pytest.raises(ValidationFailed):
        rename_region(admin, "C1", " ")
    assert rename_region(admin, "C1", " Xã Một Mới ").name == "Xã Một Mới"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "region.rename"))
    assert entry.details == {"old_name": "Xã Một", "name": "Xã Một Mới"}
