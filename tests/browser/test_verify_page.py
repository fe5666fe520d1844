"""/verify at phone size in a real browser (issue 19, Verify): a stall's static code, its own
dynamic code pending and paid, a bank's merchant code and garbage each get one plain verdict."""

import os
from pathlib import Path

import pytest

from market_pay.vietqr.check_code import check_code
from market_pay.vietqr.codec import build
from tests.browser.conftest import ACCOUNT, BIN, PHONE, PIN, send_callback, wait_js, wait_matched
from tests.servers import api
from tests.vietqr.test_read_wild import merchant_code

pytestmark = pytest.mark.slow
SHOTS = Path(os.environ.get("MARKET_PAY_SHOTS", "/tmp/p2-shots"))


@pytest.fixture(scope="module")
def issued(service):
    """A payment request made by the stall's own vendor through the API."""
    token = api(service, "POST", "/api/v1/auth/token", {"username": PHONE, "password": PIN})["token"]
    stall = next(v for v in api(service, "GET", "/api/v1/vendors", token=token)["items"] if v["stall_code"] == "A-07")
    return api(
        service,
        "POST",
        f"/api/v1/vendors/{stall['id']}/payment-requests",
        token=token,
        body={"amount": 125_000, "note": "rau"},
    )


@pytest.fixture
def phone(browser):
    ctx = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 780})
    yield ctx.new_page()
    ctx.close()


def check(page, base, payload, shot):
    page.goto(f"{base}/verify")
    page.fill("#payload", payload)
    page.click("#paste-form button[type=submit]")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"verify-{shot}-360.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / f"verify-{shot}-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 360, "height": 780})
    assert page.locator("h1").count() == 1 and page.locator("button[type=submit]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Headless Chromium has no BarcodeDetector: the camera is not promised.
    wait_js(page, "document.body.getAttribute('data-camera') === 'no'")
    assert page.locator("#scan").is_hidden()
    return page.locator("#verdict")


def test_the_stalls_static_code_is_genuine_with_its_check_code(phone, service):
    verdict = check(phone, service, build(BIN, ACCOUNT), "static")
    assert verdict.get_attribute("data-status") == "genuine"
    assert "A-07" in verdict.inner_text() and check_code(build(BIN, ACCOUNT)) in verdict.inner_text()


def test_the_stalls_own_dynamic_code_is_genuine_while_pending_then_says_paid(phone, service, issued):
    verdict = check(phone, service, issued["payload"], "dynamic-pending")
    assert (verdict.get_attribute("data-status"), verdict.get_attribute("data-validity")) == ("genuine", "pending")
    assert "125.000 ₫" in verdict.inner_text() and "Cảnh báo" not in verdict.inner_text()
    send_callback(service, 125_000, f"MBVCB.123 {issued['reference']}")
    wait_matched()
    verdict = check(phone, service, issued["payload"], "dynamic-paid")
    assert verdict.get_attribute("data-validity") == "paid" and "đã được thanh toán" in verdict.inner_text()


def test_a_banks_merchant_code_is_not_a_stall_of_this_market(phone, service):
    verdict = check(phone, service, merchant_code(name="CỬA HÀNG ĐỒNG XANH"), "foreign-merchant")
    assert verdict.get_attribute("data-status") == "foreign_merchant"
    assert "Không phải mã của sạp đã đăng ký ở chợ này" in verdict.inner_text()


def test_garbage_gets_plain_words_not_parser_text(phone, service):
    verdict = check(phone, service, "xin chào, đây không phải mã QR", "garbage")
    text = verdict.inner_text()
    assert verdict.get_attribute("data-status") == "invalid" and "Hãy thử chụp lại" in text
    assert "field" not in text and "position" not in text


@pytest.mark.parametrize("formats, offered", [('["qr_code", "ean_13"]', True), ('["ean_13"]', False)])
def test_the_camera_is_offered_only_where_the_browser_can_read_a_qr(browser, service, formats, offered):
    ctx = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 780})
    # A browser with a barcode reader (Chrome on Android has one; headless Chromium has none).
    ctx.add_init_script(
        "window.BarcodeDetector = function () {};"
        f"window.BarcodeDetector.getSupportedFormats = function () {{ return Promise.resolve({formats}); }};"
    )
    try:
        page = ctx.new_page()
        page.goto(f"{service}/verify")
        wait_js(page, "document.body.hasAttribute('data-camera')")
        assert page.get_attribute("body", "data-camera") == ("yes" if offered else "no")
        assert page.locator("#scan").is_visible() is offered
    finally:
        ctx.close()
