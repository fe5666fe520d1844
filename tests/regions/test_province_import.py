"""`market-pay regions import --province CODE`: any province's units after the 2025 reform, grouped
by former district (vietnam-provinces for the units, market_pay/data/former_districts.csv for the
groupings), idempotent, with a dry run and a one-line error for an unknown code."""

from importlib import resources

import pytest
from sqlalchemy import func, select

from market_pay.audit.models import AuditLog
from market_pay.extensions import db
from market_pay.regions.importer import import_regions_csv
from market_pay.regions.models import Region
from market_pay.regions.provinces import import_province, province_rows, provinces

HUE = "46"  # the smallest province: 40 wards and communes


def _tree():
    return set(db.session.execute(select(Region.code, Region.name, Region.kind, Region.path, Region.valid_to)).all())


def test_every_province_of_the_reform_is_offered_and_nearly_every_unit_has_its_former_district():
    listed = provinces()
    assert len(listed) == 34 and ("08", "Tỉnh Tuyên Quang") in listed and (HUE, "Thành phố Huế") in listed
    units = ungrouped = 0
    for code, _ in listed:
        _, _, rows, without_district = province_rows(code)
        units += sum(row["kind"] in ("commune", "ward", "special_zone") for row in rows)
        ungrouped += len(without_district)
    assert units == 3321
    # Wards created shortly before the reform are missing from the pre-reform data (docs/REGIONS.md).
    assert ungrouped <= 6


def test_a_special_zone_is_grouped_under_the_island_district_it_was():
    _, _, rows, ungrouped = province_rows("79")
    con_dao = next(row for row in rows if row["name"] == "Đặc khu Côn Đảo")
    assert con_dao["kind"] == "special_zone"
    district = next(row for row in rows if row["code"] == con_dao["parent_code"])
    assert (district["name"], district["kind"]) == ("Huyện Côn Đảo", "former_district")
    assert len(ungrouped) == 5  # five Hồ Chí Minh City wards of early 2025 (docs/REGIONS.md)


@pytest.mark.usefixtures("app")
class TestImport:
    def test_a_province_imports_under_its_former_districts(self, runner):
        result = runner.invoke(args=["regions", "import", "--province", HUE])
        assert result.exit_code == 0, result.output
        assert result.output.startswith("Thành phố Huế (46): created 1 province, ")
        kinds = dict(db.session.execute(select(Region.kind, func.count()).group_by(Region.kind)).all())
        assert kinds["province"] == 1 and kinds["ward"] + kinds["commune"] == 40
        assert kinds["former_district"] >= 9
        for region in db.session.scalars(select(Region).where(Region.kind.in_(("ward", "commune")))):
            province, district, unit = region.path.strip("/").split("/")
            assert (province, unit) == (HUE, region.code)
            assert db.session.scalar(select(Region.kind).where(Region.code == district)) == "former_district"

    def test_importing_twice_changes_nothing(self, runner):
        assert runner.invoke(args=["regions", "import", "--province", HUE]).exit_code == 0
        before, audited = _tree(), db.session.scalar(select(func.count()).select_from(AuditLog))
        again = runner.invoke(args=["regions", "import", "--province", "hue"])  # by its name for CODE too
        assert again.exit_code == 0, again.output
        assert again.output == f"Thành phố Huế (46): created nothing; {len(before)} already present.\n"
        assert _tree() == before
        assert db.session.scalar(select(func.count()).select_from(AuditLog)) == audited

    def test_a_dry_run_says_what_it_would_create_and_writes_nothing(self, runner):
        result = runner.invoke(args=["regions", "import", "--province", HUE, "--dry-run"])
        assert result.exit_code == 0, result.output
        assert result.output.startswith("Thành phố Huế (46): would create 1 province, ")
        assert db.session.scalar(select(func.count()).select_from(Region)) == 0

    def test_an_unknown_province_is_one_line_that_says_where_the_codes_are(self, runner):
        result = runner.invoke(args=["regions", "import", "--province", "99"])
        assert result.exit_code == 1
        assert result.output == (
            "Error: No province with code '99': `market-pay regions provinces` lists the 34 codes.\n"
        )
        assert db.session.scalar(select(func.count()).select_from(Region)) == 0

    def test_file_and_province_are_one_or_the_other(self, runner, tmp_path):
        path = tmp_path / "regions.csv"
        path.write_text("code,name,kind,parent_code\n", encoding="utf-8")
        for args in ([], [str(path), "--province", HUE], [str(path), "--dry-run"]):
            result = runner.invoke(args=["regions", "import", *args])
            assert result.exit_code == 2, (args, result.output)

    def test_the_province_list_names_each_code(self, runner):
        result = runner.invoke(args=["regions", "provinces"])
        assert result.exit_code == 0
        lines = result.output.splitlines()
        assert len(lines) == 34 and "08  Tỉnh Tuyên Quang  (tuyen_quang)" in lines

    def test_the_province_of_the_ha_giang_demo_adds_the_rest_and_keeps_the_demo_as_it_is(self):
        shipped = resources.files("market_pay.data").joinpath("regions_ha_giang.csv").read_text(encoding="utf-8")
        import_regions_csv(shipped)
        demo = _tree()
        result = import_province("08")
        # The hand-kept file and the derived groupings agree on every one of its 85 regions.
        assert (result.unchanged, result.kept) == (len(demo), [])
        assert sum(result.created.values()) > 0
        assert demo <= _tree()

    def test_a_region_edited_by_hand_is_left_alone_and_reported(self):
        import_province(HUE)
        ward = db.session.scalar(select(Region).where(Region.path.like(f"/{HUE}/%/%/")).order_by(Region.code).limit(1))
        ward.name = "Phường Đổi Tên"
        db.session.flush()
        result = import_province(HUE)
        assert result.kept == [ward.code] and result.created == {}
        assert "1 present with another name, kind or parent, left as they are" in result.as_text()
        assert db.session.scalar(select(Region.name).where(Region.code == ward.code)) == "Phường Đổi Tên"
