"""`market-pay report` and `market-pay cash import` (survey counts)."""

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from market_pay.cash.models import CashSale
from market_pay.extensions import db
from tests.factories import make_market, make_region, make_vendor
from tests.reports.helpers import at, credit

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def market():
    commune = make_region("C9", "commune", name="Xã Chín")
    market = make_market("CHO9", commune, "Chợ Chín")
    for _ in range(3):
        stall = make_vendor(market, stall_code=f"A-{_ + 1:02d}")
        stall.created_at = at("2026-10-01 08:00")
        credit(stall, 25_000, "2026-11-12 09:00")
    db.session.commit()
    return market


def test_report_writes_an_xlsx_named_by_region_and_period(runner, market, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(args=["report", "--region", "C9", "--from", "2026-11-01", "--to", "2026-11-30"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "bao-cao-khong-tien-mat-C9-20261101-20261130.xlsx"
    assert f"Wrote {path.name}: Xã Chín, 1 market row(s), 01/11/2026 – 30/11/2026." in result.output
    sheet = load_workbook(path).active
    assert [cell.value for cell in sheet[2]][:4] == ["Chợ Chín", None, "Xã Chín", "CHO9"]


def test_report_as_csv_to_a_chosen_file(runner, market, tmp_path):
    out = tmp_path / "r.csv"
    result = runner.invoke(
        args=[
            "report",
            "--market",
            "CHO9",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--format",
            "csv",
            "-o",
            str(out),
            "--lang",
            "en",
        ]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0]["Market code"] == "CHO9" and rows[0]["Cashless value (₫)"] == "75000"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from", "2026-11-01", "--to", "2026-11-30"], "Give exactly one of region or market"),
        (["--region", "NOPE", "--from", "2026-11-01", "--to", "2026-11-30"], "No region with code NOPE"),
        (["--region", "C9", "--from", "2026-11-30", "--to", "2026-11-01"], "The period ends before it starts"),
    ],
)
def test_report_refuses_a_bad_request_clearly(runner, market, args, message):
    result = runner.invoke(args=["report", *args, "-o", "/tmp/never.xlsx"])
    assert result.exit_code == 1 and message in result.output


def survey(tmp_path, text, name="survey.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8-sig")
    return str(path)


def test_cash_import_per_stall_and_per_market_then_a_correction_replaces(runner, market, tmp_path):
    first = survey(
        tmp_path,
        "date,market_code,stall_code,count,value\n2026-11-12,CHO9,A-01,4,120000\n12/11/2026,CHO9,,30,2500000\n",
    )
    result = runner.invoke(args=["cash", "import", first])
    assert result.exit_code == 0, result.output
    assert "2 row(s) for 1 market(s) imported, 0 earlier survey row(s) replaced" in result.output
    corrected = survey(tmp_path, "date,market_code,stall_code,count,value\n2026-11-12,CHO9,,31,2600000\n", "fix.csv")
    result = runner.invoke(args=["cash", "import", corrected])
    assert "1 earlier survey row(s) replaced" in result.output
    sales = db.session.execute(
        select(CashSale.vendor_id.is_(None), CashSale.count, CashSale.amount, CashSale.source).order_by(CashSale.id)
    ).all()
    assert sales == [(False, 4, 120_000, "survey"), (True, 31, 2_600_000, "survey")]
    report = runner.invoke(
        args=[
            "report",
            "--market",
            "CHO9",
            "--from",
            "2026-11-12",
            "--to",
            "2026-11-12",
            "--format",
            "csv",
            "-o",
            str(tmp_path / "day.csv"),
        ]
    )
    assert report.exit_code == 0
    row = next(csv.DictReader(io.StringIO((tmp_path / "day.csv").read_text(encoding="utf-8-sig"))))
    assert (row["Số GD tiền mặt"], row["Giá trị tiền mặt (₫)"]) == ("35", "2720000")


def test_cash_import_is_all_or_nothing_naming_each_bad_row(runner, market, tmp_path):
    path = survey(
        tmp_path,
        "date,market_code,stall_code,count,value\n"
        "2026-11-12,CHO9,A-01,4,120000\n"
        "2026-13-40,CHO9,,1,1000\n"
        "2026-11-12,NOPE,,1,1000\n"
        "2026-11-12,CHO9,Z-99,1,1000\n"
        "2026-11-12,CHO9,A-02,-1,1000\n"
        "2026-11-12,CHO9,A-01,2,3000\n"
        "2099-01-01,CHO9,,1,1000\n"
        "2026-11-13,CHO9,,0,5000\n",
    )
    result = runner.invoke(args=["cash", "import", path])
    assert result.exit_code == 1
    for expected in (
        '"row 3"',
        '"date": [\n      "Use YYYY-MM-DD or dd/mm/yyyy."',
        '"row 4"',
        "No such market.",
        "No such stall in this market.",
        '"row 6"',
        "Repeats row 2",
        "Not in the future",
        "A value needs at least one sale.",
    ):
        assert expected in result.output, expected
    assert db.session.scalar(select(db.func.count()).select_from(CashSale)) == 0


def test_cash_import_needs_its_columns(runner, market, tmp_path):
    result = runner.invoke(args=["cash", "import", survey(tmp_path, "date,market,count\n2026-11-12,CHO9,1\n")])
    assert result.exit_code == 1 and "Missing column: market_code" in result.output and "value" in result.output
