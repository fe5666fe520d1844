"""The insider review of the revenue book: dates at the ends of the calendar, periods no vendor
means, every format, from the API and the board: a 422 naming the field or a book, never a 500."""

import pytest

from tests.factories import auth_header, make_user
from tests.stalls.test_board_pages import sign_in

pytestmark = pytest.mark.usefixtures("app")


@pytest.mark.parametrize(
    "query,status",
    [
        ("from=0001-01-01&to=0001-01-31", 422),
        ("from=9999-12-01&to=9999-12-31", 422),
        ("from=1900-01-01&to=1900-01-31", 200),
        ("from=2026-01-01&to=2027-12-31", 422),
        ("from=2026-12-31&to=2026-01-01", 422),
        ("from=99999-01-01&to=99999-01-02", 422),
        ("from=2026-01-01&to=2026-12-31&group=day", 200),
        ("from=2026-02-30&to=2026-03-01", 422),
        ("from=2026-01-01&to=2026-01-02&format=exe", 422),
        ("from=2026-01-01&to=2026-01-02&group=%00", 422),
    ],
)
@pytest.mark.parametrize("file_format", ["json", "csv", "xlsx", "pdf"])
def test_the_api_answers_the_calendar_s_ends_with_422_or_a_book(client, book_world, query, status, file_format):
    headers = auth_header(make_user("admin"))
    response = client.get(
        f"/api/v1/vendors/{book_world['stall'].id}/revenue?{query}&format={file_format}", headers=headers
    )
    if "format=exe" in query:
        status = 422
    if "%00" in query:
        status = 400  # a NUL in the address is refused for every endpoint first (errors.py)
    assert response.status_code == status, response.get_data()[:300]
    if status >= 400:
        assert response.get_json()["code"] == status


@pytest.mark.parametrize(
    "period",
    [
        "9999",
        "9999-12",
        "9999-Q4",
        "9999-H2",
        "0001-01",
        "2026-Q9",
        "2026-13",
        "99999999999999999999-01",
        "２０２６-01",
        "2026-H0",
        "",
    ],
)
def test_the_board_download_refuses_periods_no_calendar_has(client, book_world, period):
    sign_in(client, book_world["vendor_user"])
    response = client.get(f"/stall/revenue/download?period={period}&format=xlsx")
    assert response.status_code == 422, response.get_data()[:300]


def test_a_huge_stall_id_is_404_not_an_overflow(client, book_world):
    response = client.get(
        f"/api/v1/vendors/{2**70}/revenue?from=2026-01-01&to=2026-01-02", headers=auth_header(make_user("admin"))
    )
    assert response.status_code == 404
