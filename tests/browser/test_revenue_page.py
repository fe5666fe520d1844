"""The vendor's "Sổ doanh thu" page in a real browser at 390 px and 1366 px: it fits, the figures
show what the bank sent today, the honest note is there, and the PDF download is a PDF."""

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.browser.conftest import SERVICE, send_callback, sign_in, wait_matched
from tests.browser.test_board_phone import assert_fits

pytestmark = pytest.mark.slow
SHOTS = Path("/tmp/revenue-shots")


@pytest.mark.parametrize("width,height", [(390, 844), (1366, 900)])
def test_the_revenue_page_fits_and_shows_the_year(browser, service, width, height):
    SHOTS.mkdir(exist_ok=True)
    send_callback(service, 1_250_000)
    wait_matched()
    # The stall joined in March: the pace counts from then (fewer than 7 days would show none).
    engine = create_engine(SERVICE["database_url"])
    with engine.begin() as conn:
        conn.execute(text("UPDATE vendor SET created_at = '2026-03-01 01:00:00.000000' WHERE stall_code = 'A-07'"))
    engine.dispose()
    ctx = browser.new_context(
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport={"width": width, "height": height},
        accept_downloads=True,
    )
    page = ctx.new_page()
    sign_in(page, service)
    page.click("a.revenue-link")
    page.wait_for_url(f"{service}/stall/revenue")
    year = page.locator("#period-year .figure").inner_text()
    assert year != "0 ₫" and year.endswith(" ₫")
    assert "Tiền mặt không nhập thì không có trong sổ" in page.locator(".revenue-note").inner_text()
    assert "Với tốc độ này: khoảng" in page.locator("#pace").inner_text()
    assert "Nguồn:" in page.locator("#tax").inner_text()
    assert_fits(page)
    page.screenshot(path=str(SHOTS / f"revenue-{width}.png"), full_page=True)
    with page.expect_download() as download:
        page.locator("#downloads a.download").first.click()
    path = download.value.path()
    assert Path(path).read_bytes().startswith(b"%PDF")
    ctx.close()
