"""Who may read a stall's book (exact statuses), audited downloads, and the files read back."""

import csv
import io

import pypdfium2
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from market_pay.audit.models import AuditLog
from market_pay.extensions import db
from tests.factories import auth_header, make_market, make_user, scope_of

pytestmark = pytest.mark.usefixtures("app")
YEAR = "from=2026-01-01&to=2026-12-31"


def get(client, stall_id, headers, query=YEAR):
    return client.get(f"/api/v1/vendors/{stall_id}/revenue?{query}", headers=headers)


@pytest.mark.parametrize(
    "who,status",
    [
        ("vendor", 200),
        ("manager", 200),
        ("admin", 200),
        ("assistant", 403),
        ("region_staff", 403),
        ("other_manager", 403),
        ("neighbour_vendor", 403),
        ("nobody", 401),
    ],
)
def test_the_book_is_the_vendors_their_managers_and_admins_only(client, book_world, who, status):
    market, stall = book_world["market"], book_world["stall"]
    users = {
        "vendor": lambda: book_world["vendor_user"],
        "manager": lambda: make_user("market_manager", market.code),
        "admin": lambda: make_user("admin"),
        "assistant": lambda: make_user("vendor_assistant", scope_of(stall)),
        "region_staff": lambda: make_user("region_staff", book_world["region"].code),
        "other_manager": lambda: make_user("market_manager", make_market().code),
        "neighbour_vendor": lambda: make_user("vendor", scope_of(book_world["neighbour"])),
    }
    headers = auth_header(users[who]()) if who in users else {}
    for file_format in ("json", "pdf"):
        response = get(client, stall.id, headers, f"{YEAR}&format={file_format}")
        assert response.status_code == status, (file_format, response.get_json())
        if status != 200:
            assert response.get_json()["code"] == status


def test_an_unknown_stall_is_404_and_region_staff_learn_nothing_more(client, book_world):
    assert get(client, 999_999, auth_header(make_user("admin"))).status_code == 404
    staff = auth_header(make_user("region_staff", book_world["region"].code))
    assert get(client, book_world["stall"].id, staff).get_json()["message"] == (
        "Region staff see aggregate reports, never a stall's revenue."
    )


def test_downloads_are_audited_and_json_reads_are_not(client, book_world):
    stall, manager = book_world["stall"], make_user("market_manager", book_world["market"].code)
    headers = auth_header(manager)
    get(client, stall.id, headers)
    for file_format in ("csv", "xlsx", "pdf"):
        assert get(client, stall.id, headers, f"{YEAR}&format={file_format}").status_code == 200
    rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "revenue.download").order_by(AuditLog.id)).all()
    assert [(row.actor_user_id, row.vendor_id, row.details["format"]) for row in rows] == [
        (manager.id, stall.id, f) for f in ("csv", "xlsx", "pdf")
    ]
    assert rows[0].details["from"] == "2026-01-01" and rows[0].details["to"] == "2026-12-31"


def test_the_pdf_reads_back_in_vietnamese_with_names_period_and_totals(client, book_world):
    response = get(
        client, book_world["stall"].id, auth_header(book_world["vendor_user"]), f"{YEAR}&format=pdf&group=quarter"
    )
    assert response.mimetype == "application/pdf"
    assert 'filename="so-doanh-thu-' in response.headers["Content-Disposition"]
    document = pypdfium2.PdfDocument(response.data)
    text = " ".join(" ".join(document[i].get_textpage().get_text_range() for i in range(len(document))).split())
    document.close()
    stall = book_world["stall"]
    for expected in (
        "SỔ DOANH THU BÁN HÀNG HOÁ, DỊCH VỤ",
        stall.stall_code,
        stall.display_name,
        "NGUYỄN THỊ HOA",
        "01/01/2026 – 31/12/2026",
        "Diễn giải",
        "Không tiền mặt",
        "Tiền mặt",
        "Cộng Quý 1/2026",
        "Tổng cộng cả kỳ",
        "Chuyển khoản vào MBBank •••• 9999",
        "ngân hàng đã lấy lại 1 khoản 20.000 ₫",
        "Tiền mặt ghi tại sạp (3 lần)",
        "Tiền mặt không nhập thì không có trong sổ",
    ):
        assert expected in text, expected
    # The period's total row: cashless 489.000, cash 87.000, total 576.000.
    assert "Tổng cộng cả kỳ 489.000 87.000 576.000" in text


def test_csv_and_xlsx_carry_the_same_lines_and_totals(client, book_world):
    headers = auth_header(book_world["vendor_user"])
    rows = list(
        csv.reader(
            io.StringIO(get(client, book_world["stall"].id, headers, f"{YEAR}&format=csv").data.decode("utf-8-sig"))
        )
    )
    assert rows[7] == ["Ngày", "Diễn giải", "Không tiền mặt (₫)", "Tiền mặt (₫)", "Cộng (₫)"]
    assert ["", "Tổng cộng cả kỳ", "489000", "87000", "576000"] in rows
    assert ["", "Cộng Tháng 3/2026", "250000", "60000", "310000"] in rows
    sheet = load_workbook(io.BytesIO(get(client, book_world["stall"].id, headers, f"{YEAR}&format=xlsx").data)).active
    values = [tuple(cell.value for cell in row) for row in sheet.iter_rows()]
    assert (None, "Tổng cộng cả kỳ", 489_000, 87_000, 576_000) in values


def test_a_stall_name_that_looks_like_a_formula_stays_text(client, book_world):
    stall = book_world["stall"]
    stall.display_name = '=HYPERLINK("http://evil.example")'
    db.session.commit()
    body = get(client, stall.id, auth_header(book_world["vendor_user"]), f"{YEAR}&format=csv").data.decode("utf-8-sig")
    assert "'Sạp" not in body and f"Sạp: {stall.stall_code} – =HYPERLINK" in body
    sheet = load_workbook(
        io.BytesIO(get(client, stall.id, auth_header(book_world["vendor_user"]), f"{YEAR}&format=xlsx").data)
    ).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


BAD_QUERIES = ["from=2026-13-40&to=x", "from=2026-01-01&to=2027-12-31", "format=docx&" + YEAR, "bogus=1&" + YEAR, ""]


@pytest.mark.parametrize("query", BAD_QUERIES, ids=["bad dates", "over a year", "bad format", "unknown field", "none"])
def test_scope_is_decided_before_the_query_is_read(client, book_world, query):
    """Someone who may not read this stall learns only that (403), and an unknown stall is 404,
    whatever the query: nothing is validated, let alone computed, for them. The stall's own
    readers are told what is wrong with the query (422)."""
    market, stall = book_world["market"], book_world["stall"]
    outsiders = [
        make_user("vendor_assistant", scope_of(stall)),
        make_user("region_staff", book_world["region"].code),
        make_user("market_manager", make_market().code),
        make_user("vendor", scope_of(book_world["neighbour"])),
    ]
    for outsider in outsiders:
        refused = get(client, stall.id, auth_header(outsider), query)
        assert refused.status_code == 403, (outsider.role, refused.get_json())
        # Nothing said of the query (an assistant is told only who may read the book).
        assert set(refused.get_json()["errors"]) <= {"who_can"}, refused.get_json()
    for reader in (book_world["vendor_user"], make_user("market_manager", market.code), make_user("admin")):
        invalid = get(client, stall.id, auth_header(reader), query)
        assert invalid.status_code == 422, (reader.role, invalid.get_json())
    unknown = get(client, 999_999, auth_header(make_user("admin")), query)
    assert unknown.status_code == 404
    assert db.session.scalar(select(AuditLog.id).where(AuditLog.action == "revenue.download")) is None
