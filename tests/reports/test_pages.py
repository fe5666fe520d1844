"""The staff dashboard through the Flask client: sign-in, defaults, the table, the charts, downloads."""

import re

import pytest

from tests.factories import STAFF_PASSWORD, VENDOR_PIN, make_user

pytestmark = pytest.mark.usefixtures("app")


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def sign_in(client, user, password=STAFF_PASSWORD):
    page = client.get("/staff/login").get_data(as_text=True)
    return client.post(
        "/staff/login", data={"username": user.username, "password": password, "csrf_token": csrf_of(page)}
    )


def test_staff_sign_in_and_the_dashboard_shows_table_and_charts(client, tree):
    staff = make_user("region_staff", "P")
    assert client.get("/reports").headers["Location"].endswith("/staff/login")
    response = sign_in(client, staff)
    assert response.status_code == 302 and response.headers["Location"].endswith("/reports")
    page = client.get("/reports?from=2026-11-01&to=2026-11-30")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "Thanh toán không tiền mặt – Tỉnh Thử" in html
    assert 'data-market="M1"' in html and 'data-market="M2"' not in html  # pooled
    assert "200.000 ₫" in html and "66,7 %" in html
    # Bars for M1 and the pool (M2 records cash); M3 records none, so it is said, not drawn as 0 %.
    assert re.findall(r'class="bar" data-share="([0-9.]+)"', html) == ["0.6667", "0.6667"]
    assert "chưa ghi tiền mặt" in html
    # Under the table: the total's share covers M1 and M2 only, and the total row says so.
    assert "chỉ tính trên 2/3 chợ có ghi tiền mặt (210.000 ₫ không tiền mặt, 105.000 ₫ tiền mặt)" in html
    assert "trên 2/3 chợ ghi tiền mặt" in html
    # The weekly trend is a share per week over M1 and M2. The first and last weeks hold one day of
    # the period each (partial) and, like the week of 23/11, no cash: a gap marked "—", never 0 or 100 %.
    weeks = re.findall(r'<circle class="week( partial)?" data-share="([0-9.]+)"', html)
    assert weeks == [("", "0.0000"), ("", "0.8571"), ("", "0.4286")]
    assert html.count('class="no-share"') == 3 and html.count("tuần chưa đủ: 1/7 ngày") == 2
    assert ">26/10*<" in html and ">30/11*<" in html and "100 %" in html
    assert 'href="/reports/download?' in html
    csv_link = re.search(r'id="download-csv" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    download = client.get(csv_link)
    assert download.status_code == 200 and download.data.startswith(b"\xef\xbb\xbf")
    assert "Chợ Một" in download.data.decode("utf-8-sig")


def test_the_dashboard_defaults_to_the_staff_scope_and_four_weeks(client, tree):
    sign_in(client, make_user("region_staff", "D1"))
    html = client.get("/reports").get_data(as_text=True)
    assert "– Huyện Một" in html
    assert '<option value="D1" selected>' in html and 'value="P"' not in html and 'value="C1"' in html


def test_a_manager_gets_their_market_and_english_on_request(client, tree):
    sign_in(client, make_user("market_manager", "M1"))
    html = client.get("/reports?lang=en&from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    assert "Cashless payments – Chợ Một" in html and "66.7 %" in html and "<select" not in html


def test_bad_dates_are_explained_on_the_page_and_outside_scope_is_403(client, tree):
    sign_in(client, make_user("region_staff", "D1"))
    page = client.get("/reports?from=2026-11-30&to=2026-11-01")
    assert page.status_code == 422 and "Đến ngày: ngày cuối ở trước ngày đầu." in page.get_data(as_text=True)
    assert "The period ends before it starts" not in page.get_data(as_text=True)  # Vietnamese, all of it
    english = client.get("/reports?from=2026-11-30&to=2026-11-01&lang=en").get_data(as_text=True)
    assert "To: The period ends before it starts." in english
    assert "Từ ngày: ngày không hợp lệ." in client.get("/reports?from=2026-13-01&to=2026-11-01&lang=vi").get_data(
        as_text=True
    )
    assert client.get("/reports?region=P").status_code == 403
    assert client.get("/reports/download?region=D1&from=2026-11-01&to=2026-11-30&format=pdf").status_code == 422


@pytest.mark.parametrize("bad", ["from=2026-13-01&to=2026-11-30", "from=2026-11-30&to=2026-11-01&format=pdf"])
def test_an_outsider_s_download_or_dashboard_is_refused_before_its_query_is_read(client, tree, bad):
    """Scope before the query on the pages too: a manager asking for another market's report gets
    403, not a word about their dates; the same query for their own market is explained (422)."""
    sign_in(client, make_user("market_manager", "M1"))
    for path in ("/reports/download", "/reports"):
        refused = client.get(f"{path}?market=M2&{bad}")
        assert refused.status_code == 403, (path, refused.get_data(as_text=True)[:300])
        assert "ngày" not in refused.get_data(as_text=True).lower()  # nothing said of the dates
        assert client.get(f"{path}?region=C1&{bad}").status_code == 403
        assert client.get(f"{path}?market=M1&{bad}").status_code == 422


def test_stall_accounts_and_wrong_passwords_are_turned_away(client, tree):
    stall = tree["stalls"]["M1"][0]
    vendor = make_user("vendor", f"M1/{stall.stall_code}")
    assert sign_in(client, vendor, VENDOR_PIN).status_code == 403
    assert sign_in(client, make_user("admin"), "wrong-password").status_code == 401
    assert client.get("/reports/download?region=P&from=2026-11-01&to=2026-11-30").status_code == 401
    page = client.get("/staff/login").get_data(as_text=True)
    assert client.post("/staff/login", data={"username": "x", "password": "y"}).status_code == 403  # no CSRF
    assert csrf_of(page)


def test_a_market_on_screen_also_lists_its_stalls_that_went_quiet(client, tree, monkeypatch):
    """The alert itself is tested in tests/stalls; here: the manager sees it beside the figures."""
    from market_pay.reports import pages

    stall = tree["stalls"]["M1"][1]
    monkeypatch.setattr(
        pages,
        "market_quiet_stalls",
        lambda actor, code: (
            [
                {
                    "vendor_id": stall.id,
                    "stall_code": stall.stall_code,
                    "display_name": "Rau sạch bà Hoa",
                    "quiet_minutes": 95,
                }
            ]
            if code == "M1"
            else []
        ),
    )
    sign_in(client, make_user("market_manager", "M1"))
    html = client.get("/reports?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    assert "Sạp vắng chuyển khoản bất thường" in html and f'data-stall="{stall.stall_code}"' in html
    assert "95 phút chưa có khoản nào" in html
    staff_browser = client.application.test_client()
    sign_in(staff_browser, make_user("region_staff", "P"))
    assert "quiet-stalls" not in staff_browser.get("/reports?from=2026-11-01&to=2026-11-30").get_data(as_text=True)


def test_subtotals_sit_under_their_district_and_counts_are_grouped(client, tree):
    from tests.reports.helpers import cash

    cash(tree["markets"][0], 1_000_000, "2026-11-03 08:00", 1_234, tree["stalls"]["M1"][1])
    sign_in(client, make_user("region_staff", "P"))
    html = client.get("/reports?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    kinds = re.findall(r'<tr class="(market|district_total|other_markets|total)" data-market="([^"]*)"', html)
    assert [kind for kind, _ in kinds] == [
        "market",
        "district_total",
        "market",
        "district_total",
        "other_markets",
        "total",
    ]
    assert re.search(r'data-market="M1">.*?class="num cash-count">1.239<', html, re.S)
    english = client.get("/reports?from=2026-11-01&to=2026-11-30&lang=en").get_data(as_text=True)
    assert re.search(r'data-market="M1">.*?class="num cash-count">1,239<', english, re.S)
    assert "1,100,000 ₫" in english


def test_the_region_list_offers_only_places_with_markets(client, tree):
    from tests.factories import make_region

    make_region("EMPTY", "commune", tree["regions"][1], name="Xã Trống")
    sign_in(client, make_user("admin"))
    html = client.get("/reports?region=P&from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    offered = re.findall(r'<option value="([^"]+)"', html)
    assert offered == ["P", "D1", "C1", "C2", "D2", "C3"] and "Xã Trống" not in html


def test_weeks_before_any_figure_are_left_out_of_the_trend(client, tree):
    sign_in(client, make_user("region_staff", "P"))
    html = client.get("/reports?from=2026-10-01&to=2026-11-30").get_data(as_text=True)
    # The first figures are M1's of 5 October (week of 5/10): the week of 28/9 is not drawn.
    assert "Không có số liệu trước tuần 05/10/2026" in html
    assert ">28/09" not in html and ">05/10" in html
    empty = client.get("/reports?from=2025-01-01&to=2025-01-31").get_data(as_text=True)
    assert "Chưa có số liệu trong kỳ này." in empty and "trend-chart" not in empty


def test_a_manager_is_pointed_to_the_office_and_card_printing(client, tree):
    sign_in(client, make_user("market_manager", "M1"))
    html = client.get("/reports?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    assert 'href="/office/m/M1"' in html and 'href="/office/m/M1/cards.pdf"' in html
    assert "In thẻ QR cho các sạp" in html
    # Both links lead somewhere: the market's office, and its cards as a PDF.
    assert client.get("/office/m/M1").status_code == 200
    cards = client.get("/office/m/M1/cards.pdf")
    assert cards.status_code == 200 and cards.mimetype == "application/pdf"
    staff = client.application.test_client()
    sign_in(staff, make_user("region_staff", "P"))
    assert 'id="office-links"' not in staff.get("/reports").get_data(as_text=True)


def test_dates_outside_the_years_served_and_a_huge_threshold_are_explained_in_vietnamese(client, tree):
    sign_in(client, make_user("region_staff", "D1"))
    page = client.get("/reports?from=0001-01-01&to=9999-12-31&lang=vi").get_data(as_text=True)
    # Not "hãy nhập một số từ 1." (the words for the threshold field) under a date.
    assert "Từ ngày: ngày phải từ 01/01/1900 đến 31/12/2199." in page
    assert "Đến ngày: ngày phải từ 01/01/1900 đến 31/12/2199." in page
    page = client.get("/reports?from=2026-11-01&to=2026-11-30&active_min=100001&lang=vi").get_data(as_text=True)
    assert "hãy nhập một số từ 1 đến 100.000." in page
