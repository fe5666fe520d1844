"""The adoption report: figures per market, pooling of small markets, totals, previous period,
the three formats, scope, and bad queries."""

import csv
import io
import random
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from market_pay.extensions import db
from market_pay.reports.adoption import adoption_report, bring_rollups_up_to_date
from tests.factories import auth_header, make_region, make_user
from tests.reports.base_figures import stall_figures_from_base
from tests.reports.helpers import at, cash, credit

pytestmark = pytest.mark.usefixtures("app")
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


def rows_by_kind(body):
    return {(row["kind"], row["market_code"] or row["district_code"]): row for row in body["rows"]}


def get_report(client, user, **query):
    return client.get("/api/v1/reports/adoption", headers=auth_header(user), query_string={**NOVEMBER, **query})


def test_the_province_report_per_market_pooled_and_totalled(client, tree):
    admin = make_user("admin")
    response = get_report(client, admin, region="P")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["scope"] == {"code": "P", "name": "Tỉnh Thử", "kind": "province"}
    assert (body["previous_from"], body["previous_to"]) == ("2026-10-02", "2026-10-31")
    rows = rows_by_kind(body)
    # Each former district's markets with its subtotal right under them; the pool; the total.
    assert [(row["kind"], row["market_code"] or row["district_code"]) for row in body["rows"]] == [
        ("market", "M1"),
        ("district_total", "D1"),
        ("market", "M3"),
        ("district_total", "D2"),
        ("other_markets", ""),
        ("total", ""),
    ]
    m1 = rows[("market", "M1")]
    assert (m1["district"], m1["commune"], m1["market_name"]) == ("Huyện Một", "Xã Một", "Chợ Một")
    assert (m1["stalls_registered"], m1["stalls_with_qr"], m1["active_stalls"]) == (4, 4, 3)
    assert (m1["cashless_count"], m1["cashless_value"]) == (4, 200_000)
    assert (m1["confirmed_value"], m1["provisional_value"]) == (120_000, 80_000)
    assert (m1["cash_count"], m1["cash_value"]) == (5, 100_000)
    assert m1["share_by_count"] == pytest.approx(4 / 9)
    assert m1["share_by_value"] == pytest.approx(200_000 / 300_000)
    assert (m1["previous_cashless_count"], m1["previous_cashless_value"], m1["previous_active_stalls"]) == (1, 7_000, 1)
    assert (m1["previous_cash_count"], m1["previous_cash_value"]) == (1, 3_000)
    assert (m1["previous_stalls_registered"], m1["previous_stalls_with_qr"], m1["previous_confirmed_value"]) == (
        4,
        4,
        0,
    )
    assert m1["previous_share_by_value"] == pytest.approx(0.7)
    m3 = rows[("market", "M3")]
    assert (m3["active_stalls"], m3["cashless_value"], m3["cash_count"]) == (3, 60_000, 0)
    assert m3["share_by_count"] is None and m3["share_by_value"] is None  # never a misleading 100 %
    # M2 has one active stall: it is not named anywhere, only pooled.
    assert not any(row["market_code"] == "M2" for row in body["rows"])
    other = rows[("other_markets", "")]
    assert (other["markets"], other["active_stalls"], other["cashless_value"], other["cash_value"]) == (
        1,
        1,
        10_000,
        5_000,
    )
    # District subtotals add up the markets listed under them; the total covers everything.
    assert rows[("district_total", "D1")]["cashless_value"] == 200_000
    assert rows[("district_total", "D2")]["cashless_value"] == 60_000
    total = rows[("total", "")]
    assert (total["markets"], total["stalls_registered"], total["active_stalls"]) == (3, 9, 7)
    assert (total["cashless_count"], total["cashless_value"], total["cash_value"]) == (8, 270_000, 105_000)
    # The total's shares are taken over the markets that record cash (M1, M2), not M3.
    assert total["markets_with_cash"] == 2
    assert total["share_by_value"] == pytest.approx(210_000 / 315_000)
    weeks = {week["week_start"]: week for week in body["weekly"]}
    assert next(iter(weeks)) == "2026-10-26" and sum(w["cashless_value"] for w in weeks.values()) == 270_000
    assert sum(w["cash_value"] for w in weeks.values()) == 105_000
    # Sunday 1 November alone is the first week: partial, as is Monday 30 November's.
    assert (weeks["2026-10-26"]["days"], weeks["2026-10-26"]["partial"]) == (1, True)
    assert (weeks["2026-11-02"]["days"], weeks["2026-11-02"]["partial"]) == (7, False)
    assert (weeks["2026-11-30"]["days"], weeks["2026-11-30"]["partial"]) == (1, True)
    # The weekly share is over the markets that record cash (M1, M2): M3's payments of 3–5 November
    # are in the week's totals but not in its share (M1's 60.000 ₫ cash that week, nothing cashless).
    assert (weeks["2026-11-02"]["cashless_value"], weeks["2026-11-02"]["cash_value"]) == (60_000, 60_000)
    assert weeks["2026-11-02"]["share_by_value"] == 0
    assert weeks["2026-11-09"]["share_by_value"] == pytest.approx(30_000 / 35_000)  # M1 and M2


def test_active_min_raises_the_bar(client, tree):
    body = get_report(client, make_user("admin"), region="P", active_min=2).json
    # Only M1's first stall has two payments: every market is now pooled.
    assert [row["kind"] for row in body["rows"]] == ["other_markets", "total"]
    assert body["rows"][-1]["active_stalls"] == 1


def test_a_commune_report_and_a_market_report(client, tree):
    staff = make_user("region_staff", "C1")
    body = get_report(client, staff, region="C1").json
    assert [(row["kind"], row["market_code"]) for row in body["rows"]] == [("market", "M1"), ("total", "")]
    manager = make_user("market_manager", "M1")
    body = get_report(client, manager, market="M1").json
    assert body["scope"]["kind"] == "market" and body["rows"][0]["cashless_value"] == 200_000


@pytest.mark.parametrize(
    "role, scope, query, status",
    [
        ("region_staff", "D1", {"region": "D1"}, 200),
        ("region_staff", "D1", {"region": "C2"}, 200),
        ("region_staff", "D1", {"region": "P"}, 403),
        ("region_staff", "D1", {"region": "D2"}, 403),
        ("region_staff", "D1", {"market": "M3"}, 403),
        ("market_manager", "M1", {"market": "M1"}, 200),
        ("market_manager", "M1", {"market": "M2"}, 403),
        ("market_manager", "M1", {"region": "C1"}, 403),
        ("admin", None, {"region": "NOPE"}, 404),
    ],
)
def test_scope(client, tree, role, scope, query, status):
    assert get_report(client, make_user(role, scope), **query).status_code == status


# Bad in every way but the place: a date that is none, a period backwards, a format, a stray key.
BAD_QUERIES = [
    {"from": "2026-13-01"},
    {"from": "2026-11-30", "to": "2026-11-01"},
    {"format": "pdf"},
    {"x": "1"},
    {"active_min": "0", "lang": "xx"},
]


@pytest.mark.parametrize("bad", BAD_QUERIES)
def test_scope_is_decided_before_the_report_query_is_read(client, tree, bad):
    """Someone outside the place a report names is refused (403) whatever the rest of the query
    says, and told nothing of it; those inside it are told what is wrong with it (422)."""
    stall = tree["stalls"]["M1"][0]
    for outsider, place in (
        (make_user("market_manager", "M1"), {"market": "M2"}),
        (make_user("market_manager", "M1"), {"region": "C1"}),
        (make_user("region_staff", "D1"), {"region": "P"}),
        (make_user("region_staff", "D1"), {"market": "M3"}),
        (make_user("vendor", f"M1/{stall.stall_code}"), {"market": "M1"}),
        (make_user("vendor", f"M1/{stall.stall_code}"), {}),
    ):
        refused = get_report(client, outsider, **place, **bad)
        assert refused.status_code == 403, (outsider.role, place, refused.json)
        assert set(refused.json["errors"]) <= {"who_can"}, refused.json
    for reader, place in ((make_user("market_manager", "M1"), {"market": "M1"}), (make_user("admin"), {"region": "P"})):
        assert get_report(client, reader, **place, **bad).status_code == 422, (reader.role, place)
    assert get_report(client, make_user("admin"), region="NOPE", **bad).status_code == 404


def test_stalls_and_strangers_get_no_report(client, tree):
    stall = tree["stalls"]["M1"][0]
    vendor = make_user("vendor", f"M1/{stall.stall_code}")
    assert get_report(client, vendor, market="M1").status_code == 403
    assert client.get("/api/v1/reports/adoption", query_string={"region": "P", **NOVEMBER}).status_code == 401


@pytest.mark.parametrize(
    "query, field",
    [
        ({"region": "P", "market": "M1", **NOVEMBER}, "region"),
        ({**NOVEMBER}, "region"),
        ({"region": "P", "from": "2026-11-30", "to": "2026-11-01"}, "to"),
        ({"region": "P", "from": "2020-01-01", "to": "2026-11-01"}, "to"),
        ({"region": "P", "from": "01/11/2026", "to": "2026-11-30"}, "from"),
        ({"region": "P", "to": "2026-11-30"}, "from"),
        ({"region": "P", "format": "pdf", **NOVEMBER}, "format"),
        ({"region": "P", "active_min": "0", **NOVEMBER}, "active_min"),
        ({"region": "P", "bogus": "1", **NOVEMBER}, "bogus"),
    ],
)
def test_bad_queries_are_422_naming_the_field(client, tree, query, field):
    response = client.get("/api/v1/reports/adoption", headers=auth_header(make_user("admin")), query_string=query)
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_csv_has_a_bom_vietnamese_headings_and_the_json_figures(client, tree):
    admin = make_user("admin")
    body = get_report(client, admin, region="P").json
    response = get_report(client, admin, region="P", format="csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="bao-cao-khong-tien-mat-P-20261101-20261130.csv"' in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, table = lines[0], lines[1 : 1 + len(body["rows"])]
    assert header[:4] == ["Huyện cũ", "Xã / phường", "Mã chợ", "Chợ"]
    assert "Tỷ lệ KTM theo giá trị (%)" in header and "Giá trị không tiền mặt (₫)" in header
    m1 = dict(zip(header, table[0], strict=True))
    assert (m1["Mã chợ"], m1["Giá trị không tiền mặt (₫)"], m1["Tỷ lệ KTM theo giá trị (%)"]) == (
        "M1",
        "200000",
        "66,7",
    )
    assert (
        dict(zip(header, table[2], strict=True))["Tỷ lệ KTM theo giá trị (%)"] == ""
    )  # M3 records no cash (under D1's subtotal)
    trailer = [line[0] for line in lines[2 + len(body["rows"]) :]]
    assert trailer[1].startswith("Kỳ báo cáo: 01/11/2026 – 30/11/2026; Kỳ trước: 02/10/2026 – 31/10/2026")
    english = get_report(client, admin, region="P", format="csv", lang="en").data.decode("utf-8-sig")
    assert english.startswith("Former district,") and ",66.7," in english


def test_xlsx_opens_with_formats_frozen_header_period_and_totals(client, tree):
    admin = make_user("admin")
    body = get_report(client, admin, region="P").json
    response = get_report(client, admin, region="P", format="xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('bao-cao-khong-tien-mat-P-20261101-20261130.xlsx"')
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [cell.value for cell in sheet[1]]
    assert header[:5] == ["Chợ", "Huyện cũ", "Xã / phường", "Mã chợ", "Số chợ"]
    # Only the header row and the names are frozen (not the title lines: they follow the table).
    assert sheet.freeze_panes == "B2"
    # Printed on A4 (paper size 9) landscape, one page wide, the header and the names on every page.
    assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$1:$1" and sheet.print_title_cols == "$A:$A"
    rows = list(sheet.iter_rows(min_row=2, max_row=1 + len(body["rows"]), values_only=True))
    value_col = header.index("Giá trị không tiền mặt") + 1
    share_col = header.index("Tỷ lệ KTM theo giá trị") + 1
    assert [row[value_col - 1] for row in rows] == [row["cashless_value"] for row in body["rows"]]
    assert sheet.cell(2, value_col).number_format == '#,##0 "₫"'
    assert sheet.cell(2, share_col).number_format == "0.0%"
    assert sheet.cell(2, share_col).value == pytest.approx(2 / 3)
    assert rows[-1][0] == "Tổng cộng Tỉnh Thử" and sheet.cell(1 + len(rows), 1).font.bold
    assert rows[-1][header.index("Số chợ có ghi tiền mặt (cơ sở của tỷ lệ)")] == 2
    trailer = [row[0] for row in sheet.iter_rows(min_row=3 + len(rows), values_only=True)]
    assert trailer[0].startswith("Báo cáo thanh toán không tiền mặt tại chợ – Tỉnh Thử")
    assert "01/11/2026 – 30/11/2026" in trailer[1] and "Lập lúc" in trailer[2]


def test_the_report_from_rollups_equals_a_direct_aggregation(tree):
    """Random extra history over three months; every period shape (inside a month, across months,
    whole months, a year) gives the same report from the rollups as from the base tables."""
    rng = random.Random(11)
    markets, stalls = tree["markets"], [s for group in tree["stalls"].values() for s in group]
    for _ in range(150):
        stall = rng.choice(stalls)
        when = f"{date(2026, 9, 1) + timedelta(days=rng.randrange(0, 91)):%Y-%m-%d} {rng.randrange(0, 24):02d}:30"
        if rng.random() < 0.6:
            credit(stall, rng.randrange(1, 200) * 1_000, when, rng.choice(["provisional", "confirmed"]))
        else:
            cash(
                stall.market,
                rng.randrange(1, 50) * 1_000,
                when,
                rng.randrange(1, 4),
                stall if rng.random() < 0.8 else None,
                "stall",
            )
    admin = make_user("admin")
    for first, last in [
        (date(2026, 11, 3), date(2026, 11, 17)),
        (date(2026, 9, 20), date(2026, 11, 10)),
        (date(2026, 9, 1), date(2026, 11, 30)),
        (date(2026, 1, 1), date(2026, 12, 31)),
    ]:
        for region in ("P", "D1", "C3"):
            bring_rollups_up_to_date()
            from_rollups = adoption_report(admin, region_code=region, first=first, last=last)
            from_base = adoption_report(
                admin, region_code=region, first=first, last=last, stall_figures=stall_figures_from_base
            )
            assert [vars(row) | {"figures": vars(row.figures)} for row in from_rollups.rows] == [
                vars(row) | {"figures": vars(row.figures)} for row in from_base.rows
            ], (region, first, last)
    db.session.rollback()
    assert markets and at("2026-11-01 00:00")


def test_a_region_without_markets_reports_an_empty_total_in_every_format(client, tree):
    make_region("EMPTY", "commune", tree["regions"][0])
    admin = make_user("admin")
    body = get_report(client, admin, region="EMPTY").json
    assert [(row["kind"], row["markets"], row["cashless_value"], row["share_by_value"]) for row in body["rows"]] == [
        ("total", 0, 0, None)
    ]
    for file_format in ("csv", "xlsx"):
        assert get_report(client, admin, region="EMPTY", format=file_format).status_code == 200
