"""The office's sign-in, choice of market and stall list (search, accounts, today, paging)."""

import pytest

from market_pay.extensions import db
from market_pay.office import listing
from tests.factories import account_data, make_market, make_vendor
from tests.office.conftest import sign_in

pytestmark = pytest.mark.usefixtures("app")


def test_signed_out_the_office_sends_to_its_sign_in(client):
    assert client.get("/office").headers["Location"].endswith("/office/login")
    assert client.get("/office/m/ANY").headers["Location"].endswith("/office/login")


def test_a_manager_lands_on_their_market_with_its_stalls(client, office):
    sign_in(client, office.manager_a)
    response = client.get("/office")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/office/m/{office.market_a.code}")
    html = client.get(f"/office/m/{office.market_a.code}").get_data(as_text=True)
    assert 'data-stall="A-01"' in html and 'data-stall="B-01"' not in html
    assert "1 đang dùng · 0 chờ xác nhận" in html and "0 khoản · 0 ₫" in html
    assert "Đăng ký sạp mới" in html
    english = client.get(f"/office/m/{office.market_a.code}?lang=en").get_data(as_text=True)
    assert "1 active · 0 awaiting confirmation" in english


def test_admin_and_region_staff_choose_a_market_within_their_scope(client, office):
    sign_in(client, office.staff_a)
    html = client.get("/office").get_data(as_text=True)
    assert office.market_a.code in html and office.market_b.code not in html
    page = client.get(f"/office/m/{office.market_a.code}").get_data(as_text=True)
    assert 'data-stall="A-01"' in page and "Đăng ký sạp mới" not in page  # region staff only read
    client2 = client.application.test_client()
    sign_in(client2, office.admin)
    html = client2.get("/office").get_data(as_text=True)
    assert office.market_a.code in html and office.market_b.code in html


def test_the_markets_to_choose_from_are_in_vietnamese_order(client, office):
    # Code-point order put every "Đ…" and lower-case "phiên" after "Vinh…".
    for code, name in (
        ("ZD", "Chợ Đồng Văn"),
        ("ZP", "Chợ phiên Khâu Vai"),
        ("ZV", "Chợ Vinh Quang"),
        ("ZC", "Chợ Cốc Pài"),
    ):
        make_market(code, office.market_a.region, name)
    sign_in(client, office.admin)
    html = client.get("/office").get_data(as_text=True)
    shown = [html.index(name) for name in ("Chợ Cốc Pài", "Chợ Đồng Văn", "Chợ phiên Khâu Vai", "Chợ Vinh Quang")]
    assert shown == sorted(shown)


def test_search_by_code_name_and_phone(client, office):
    make_vendor(
        office.market_a,
        "C-22",
        [account_data(account_number="333300003333", account_name="LE VAN CUONG")],
        phone="0987111222",
    )
    sign_in(client, office.manager_a)
    base = f"/office/m/{office.market_a.code}"
    assert 'data-stall="C-22"' in client.get(f"{base}?q=c-2").get_data(as_text=True)
    by_name = client.get(f"{base}?q=cuong").get_data(as_text=True)
    assert 'data-stall="C-22"' in by_name and 'data-stall="A-01"' not in by_name
    by_phone = client.get(f"{base}?q=%2B84987111222").get_data(as_text=True)
    assert 'data-stall="C-22"' in by_phone and 'data-stall="A-01"' not in by_phone
    assert "Không có sạp nào." in client.get(f"{base}?q=%25_").get_data(as_text=True)  # wildcards are literal


def test_pages_of_stalls(client, office, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    for n in range(2, 5):
        make_vendor(office.market_a, f"A-0{n}", [account_data(account_number=f"44440000{n:04d}")])
    sign_in(client, office.manager_a)
    base = f"/office/m/{office.market_a.code}"
    first, second = client.get(base).get_data(as_text=True), client.get(f"{base}?page=2").get_data(as_text=True)
    assert 'data-stall="A-01"' in first and 'data-stall="A-02"' in first and 'rel="next"' in first
    assert 'data-stall="A-03"' in second and 'data-stall="A-04"' in second and 'rel="prev"' in second
    assert client.get(f"{base}?page=abc").status_code == 200


def test_today_s_credits_and_pending_accounts_show_per_stall(client, office):
    from market_pay.common.types import utcnow
    from tests.payments.helpers import post_simbank, set_partners, simbank_transfer

    set_partners()
    post_simbank(client, simbank_transfer(office.stall_a.accounts[0], 25_000, booked_at=utcnow().isoformat()))
    token = sign_in(client, office.manager_a)
    client.post(
        f"/office/m/{office.market_a.code}/stalls/{office.stall_a.id}/accounts",
        data={"csrf_token": token, "bin": "970422", "account_number": "5555", "account_name": "Nguyễn Thị Hoa"},
    )
    html = client.get(f"/office/m/{office.market_a.code}").get_data(as_text=True)
    assert "1 khoản · 25.000 ₫" in html and "1 đang dùng · 1 chờ xác nhận" in html
    db.session.rollback()


def test_a_stall_gone_quiet_in_its_usual_hours_is_flagged(client, office, monkeypatch):
    seen = []

    def quiet(vendor_ids):
        seen.extend(vendor_ids)
        return {office.stall_a.id: {"quiet_minutes": 95}}

    monkeypatch.setattr(listing, "quiet_alerts", quiet)
    sign_in(client, office.manager_a)
    seen.clear()
    html = client.get(f"/office/m/{office.market_a.code}").get_data(as_text=True)
    assert "Vắng bất thường: 95 phút chưa có khoản nào" in html and 'class="active is-quiet"' in html
    assert seen == [office.stall_a.id]  # one call for the page's active stalls


def test_region_staff_see_no_per_stall_takings(client, office):
    sign_in(client, office.staff_a)
    html = client.get(f"/office/m/{office.market_a.code}").get_data(as_text=True)
    assert "0 khoản" not in html and 'data-label="Hôm nay">—' in html
