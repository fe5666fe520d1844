"""Bulk vendor import from CSV: all rows or none, every bad row by number and field."""

import io

import pytest
from sqlalchemy import func, select

from market_pay.extensions import db
from market_pay.vendors.models import ReceivingAccount, Vendor
from tests.factories import account_data, auth_header, make_market, make_user, make_vendor

pytestmark = pytest.mark.usefixtures("app")

HEADER = "stall_code,display_name,phone,floor_amount,bin,account_number,account_name\n"
GOOD = HEADER + (
    "A-01,Rau bà Hoa,0912345678,1000,970405,1111111111,NGUYỄN THỊ HOA\n"
    "A-01,Rau bà Hoa,0912345678,1000,970422,2222222222,NGUYEN THI HOA\n"
    "B-01,Thịt lợn anh Páo,+84987654321,,970418,3333333333,GIANG SEO PAO\n"
)


def count(model):
    return db.session.scalar(select(func.count(model.id)))


def test_cli_imports_stalls_and_groups_rows_of_one_stall(runner, tmp_path):
    market = make_market()
    path = tmp_path / "stalls.csv"
    path.write_text("\ufeff" + GOOD, encoding="utf-8")  # Excel's "CSV UTF-8" starts with a BOM
    result = runner.invoke(args=["vendors", "import", str(path), "--market", market.code])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    stall = db.session.scalar(select(Vendor).where(Vendor.stall_code == "A-01"))
    assert [a.bin for a in stall.accounts] == ["970405", "970422"]
    assert stall.floor_amount == 1000
    assert db.session.scalar(select(Vendor.phone).where(Vendor.stall_code == "B-01")) == "0987654321"


def test_importing_the_same_file_twice_changes_nothing(client):
    market = make_market()
    headers = auth_header(make_user("market_manager", scope=market.code))
    first = client.post(
        f"/api/v1/markets/{market.code}/vendors/import", data=GOOD.encode(), content_type="text/csv", headers=headers
    )
    second = client.post(
        f"/api/v1/markets/{market.code}/vendors/import", data=GOOD.encode(), content_type="text/csv", headers=headers
    )
    assert first.get_json() == {"created": 2, "unchanged": 0}
    assert second.get_json() == {"created": 0, "unchanged": 2}
    assert count(Vendor) == 2 and count(ReceivingAccount) == 3


def test_multipart_upload_works(client):
    market = make_market()
    response = client.post(
        f"/api/v1/markets/{market.code}/vendors/import",
        data={"file": (io.BytesIO(GOOD.encode()), "stalls.csv")},
        content_type="multipart/form-data",
        headers=auth_header(make_user("admin")),
    )
    assert response.status_code == 201 and response.get_json()["created"] == 2


def test_every_bad_row_is_reported_and_nothing_is_written(client):
    market = make_market()
    make_vendor(accounts=[account_data("970405", "9999")])  # elsewhere
    bad = HEADER + (
        "A-01,Rau bà Hoa,0912345678,,970405,1111111111,NGUYEN THI HOA\n"  # row 2: fine
        "A-02,,0912345678,,970405,1111111112,X\n"  # row 3: no name
        "A-03,Gà,12345,,970405,1111111113,X\n"  # row 4: bad phone
        "A-04,Vải,0912345678,-5,999999,12 34,X\n"  # row 5: floor, bin, account
        "A-05,Chè,0912345678,,970405,9999,X\n"  # row 6: active elsewhere
        "A-01,Rau bà Hoa khác,0912345678,,970422,1111111114,X\n"  # row 7: disagrees with row 2
        "A-06,Ngô,0912345678,,970405,1111111111,X\n"  # row 8: row 2's account
    )
    response = client.post(
        f"/api/v1/markets/{market.code}/vendors/import",
        data=bad.encode(),
        content_type="text/csv",
        headers=auth_header(make_user("admin")),
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert list(errors) == ["row 3", "row 4", "row 5", "row 6", "row 7", "row 8"]
    assert "display_name" in errors["row 3"]
    assert "phone" in errors["row 4"]
    assert {"floor_amount", "bin", "account_number"} <= set(errors["row 5"])
    assert "account_number" in errors["row 6"]
    assert "display_name" in errors["row 7"]
    assert "account_number" in errors["row 8"]
    assert count(Vendor) == 1  # only the one made above


def test_a_stall_registered_differently_is_an_error_not_an_overwrite(client):
    market = make_market()
    make_vendor(market, stall_code="A-01")
    response = client.post(
        f"/api/v1/markets/{market.code}/vendors/import",
        data=GOOD.encode(),
        content_type="text/csv",
        headers=auth_header(make_user("admin")),
    )
    assert response.status_code == 422
    assert "stall_code" in response.get_json()["errors"]["row 2"]


@pytest.mark.parametrize(
    "text, key",
    [
        ("stall_code,display_name\nA,B\n", "header"),
        (HEADER, "file"),
    ],
)
def test_incomplete_or_empty_files_are_rejected(client, text, key):
    market = make_market()
    response = client.post(
        f"/api/v1/markets/{market.code}/vendors/import",
        data=text.encode(),
        content_type="text/csv",
        headers=auth_header(make_user("admin")),
    )
    assert response.status_code == 422 and key in response.get_json()["errors"]


def test_a_file_that_is_not_utf8_is_a_clear_400(client):
    market = make_market()
    response = client.post(
        f"/api/v1/markets/{market.code}/vendors/import",
        data=GOOD.encode("utf-16"),
        content_type="text/csv",
        headers=auth_header(make_user("admin")),
    )
    assert response.status_code == 400 and "UTF-8" in response.get_json()["message"]


def test_json_is_the_wrong_content_type_for_an_import(client):
    market = make_market()
    response = client.post(
        f"/api/v1/markets/{market.code}/vendors/import", json={"x": 1}, headers=auth_header(make_user("admin"))
    )
    assert response.status_code == 415


def test_only_that_markets_manager_or_an_admin_may_import(client):
    market, other = make_market(), make_market()
    headers = auth_header(make_user("market_manager", scope=other.code))
    response = client.post(
        f"/api/v1/markets/{market.code}/vendors/import", data=GOOD.encode(), content_type="text/csv", headers=headers
    )
    assert response.status_code == 403 and count(Vendor) == 0
