"""The board's "Sổ doanh thu" page: the vendor's figures, the honest note, downloads; not for assistants."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from market_pay.audit.models import AuditLog
from market_pay.extensions import db
from tests.factories import make_user, scope_of
from tests.stalls.test_board_pages import sign_in

pytestmark = pytest.mark.usefixtures("app")
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_the_vendor_sees_periods_pace_rule_and_the_only_recorded_note(client, book_world):
    sign_in(client, book_world["vendor_user"])
    board = client.get("/stall").get_data(as_text=True)
    assert "/stall/revenue" in board
    page = client.get("/stall/revenue")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for words in (
        "Sổ doanh thu",
        "Tháng này",
        "Quý này",
        "6 tháng này",
        "Từ đầu năm",
        "Tiền mặt không nhập thì không có trong sổ",
        "Tải sổ để in hoặc gửi",
    ):
        assert words in html, words
    assert "format=pdf" in html and "format=xlsx" in html
    assert "script" not in html.split("<main>")[1]  # no inline script; the CSP holds
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]


def test_an_assistant_is_refused_the_page_and_the_downloads(client, book_world):
    sign_in(client, make_user("vendor_assistant", scope_of(book_world["stall"])))
    assert "/stall/revenue" not in client.get("/stall").get_data(as_text=True)
    assert client.get("/stall/revenue").status_code == 403
    assert client.get("/stall/revenue/download?period=2026-Q1&format=pdf").status_code == 403


def test_signed_out_goes_to_the_sign_in_page(client, book_world):
    response = client.get("/stall/revenue")
    assert response.status_code == 302 and response.headers["Location"].endswith("/stall/login")


def test_a_download_from_the_page_is_the_books_file_and_is_audited(client, book_world):
    sign_in(client, book_world["vendor_user"])
    response = client.get("/stall/revenue/download?period=2026-Q2&format=xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('-20260401-20260630.xlsx"')
    assert client.get("/stall/revenue/download?period=2026-Q9&format=pdf").status_code == 422
    assert client.get("/stall/revenue/download?period=2026&format=doc").status_code == 422
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "revenue.download"))
    assert (row.vendor_id, row.details["format"], row.details["from"]) == (book_world["stall"].id, "xlsx", "2026-04-01")


def test_the_page_in_english_and_a_period_beyond_the_calendar(client, book_world):
    sign_in(client, book_world["vendor_user"])
    html = client.get("/stall/revenue?lang=en").get_data(as_text=True)
    for words in ("Revenue book", "This quarter", "Year so far", "Cash that was not entered is missing"):
        assert words in html, words
    assert client.get("/stall/revenue/download?period=9999&format=pdf").status_code == 422


def _joined(stall, day):
    stall.created_at = datetime.combine(day, time(9), VN).astimezone(UTC)
    db.session.commit()


def test_a_stall_that_joined_today_is_offered_no_period_before_it(client, book_world):
    """The choices start on the day the stall was registered: no download of a quarter that ended
    before it (the book of this month, quarter, half-year and year includes that day)."""
    today = datetime.now(VN).date()
    _joined(book_world["stall"], today)
    sign_in(client, book_world["vendor_user"])
    html = client.get("/stall/revenue").get_data(as_text=True)
    this_quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    offered = re.findall(r"period=([0-9A-Z-]+)&amp;format=pdf", html)
    assert offered == [
        f"{today.year}-{today.month:02d}",
        this_quarter,
        f"{today.year}-H{1 if today.month <= 6 else 2}",
        str(today.year),
    ]


def test_a_stall_of_last_year_is_offered_last_quarter_too(client, book_world):
    today = datetime.now(VN).date()
    _joined(book_world["stall"], date(today.year - 1, 6, 1))
    sign_in(client, book_world["vendor_user"])
    html = client.get("/stall/revenue").get_data(as_text=True)
    last_quarter_day = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1) - timedelta(days=1)
    offered = re.findall(r"period=([0-9A-Z-]+)&amp;format=pdf", html)
    assert len(offered) == 5 and offered[2] == f"{last_quarter_day.year}-Q{(last_quarter_day.month - 1) // 3 + 1}"
