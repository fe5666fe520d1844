"""The stall board, the shopper's pay page and /verify in a real browser."""

import io
import os
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from market_pay.vietqr.codec import build, parse
from tests.browser.conftest import ACCOUNT, BIN, send_callback, sign_in, spoken, wait_js, wait_matched

pytestmark = pytest.mark.slow
SHOTS = Path(os.environ.get("MARKET_PAY_SHOTS", "/tmp/p4-shots"))


def test_a_signed_callback_appears_and_is_spoken_in_vietnamese(context, service):
    page = context.new_page()
    sign_in(page, service)
    send_callback(service, 1_250_000)
    page.wait_for_selector("#payments li:has-text('1.250.000 ₫')", timeout=10_000)
    wait_js(page, "window.__spoken.some(s => s.text.startsWith('Đã nhận một triệu'))", timeout=5_000)
    assert "Đã nhận một triệu hai trăm năm mươi nghìn đồng" in spoken(page)
    assert {entry["lang"] for entry in page.evaluate("window.__spoken")} == {"vi-VN"}
    wait_js(page, "document.getElementById('cashless-total').textContent.includes('1.250.000')")
    # Below the stall's floor: a distinct warning, in the warning colour.
    send_callback(service, 200)
    page.wait_for_selector("#payments li.warning:has-text('200 ₫')", timeout=10_000)
    wait_js(page, "window.__spoken.some(s => s.text === 'Chú ý: chỉ nhận hai trăm đồng')", timeout=5_000)
    # Another stall's money never shows here.
    send_callback(service, 99_000, account="1900000000008", bin_code="970422")
    send_callback(service, 3_000)
    page.wait_for_selector("#payments li:has-text('3.000 ₫')", timeout=10_000)
    assert page.locator("#payments li:has-text('99.000 ₫')").count() == 0


def test_after_a_dropped_connection_every_missed_payment_is_announced_once(context, service):
    page = context.new_page()
    sign_in(page, service)
    page.close()  # the phone loses its signal: nothing is listening
    for amount in (11_000, 22_000, 33_000):
        send_callback(service, amount)
    wait_matched()  # all three confirmed while the board was away
    page = context.new_page()  # back online on the same device
    page.goto(f"{service}/stall")
    page.click("#sound")
    page.wait_for_selector("#payments li:has-text('33.000 ₫')", timeout=10_000)
    wait_js(page, "window.__spoken.filter(s => s.text.startsWith('Đã nhận')).length === 3", timeout=5_000)
    said = spoken(page)
    assert said[0] == "Có ba khoản nhận được khi mất mạng"
    assert said[1:] == [
        "Đã nhận mười một nghìn đồng",
        "Đã nhận hai mươi hai nghìn đồng",
        "Đã nhận ba mươi ba nghìn đồng",
    ]
    assert page.locator("#missed").inner_text() == "Có ba khoản nhận được khi mất mạng"
    page.reload()  # nothing new: nothing is said twice
    wait_js(page, "document.getElementById('link-state').textContent === 'Đang nhận tin'")
    page.wait_for_timeout(1_000)
    assert [s for s in spoken(page) if s.startswith(("Đã nhận", "Có "))] == []


def test_cash_sale_in_two_taps_and_undo(context, service):
    page = context.new_page()
    sign_in(page, service)
    before = int(page.inner_text("#cash-count"))
    page.click("#open-cash")
    page.click("button[data-preset='20000']")
    page.click("#keypad-confirm")
    wait_js(page, f"document.getElementById('cash-count').textContent === '{before + 1}'")
    assert "Đã ghi tiền mặt 20.000 ₫" in page.inner_text("#toast")
    page.click("#undo-cash")
    wait_js(page, f"document.getElementById('cash-count').textContent === '{before}'")
    # Today's summary names an amount only once the stall has taken a transfer today: make sure it
    # has, rather than count on another test of this module having run first on this worker.
    send_callback(service, 7_000)
    page.wait_for_selector("#payments li:has-text('7.000 ₫')", timeout=10_000)
    page.click("#today")
    wait_js(page, "window.__spoken.some(s => s.text.startsWith('Hôm nay'))")
    assert any(sentence.startswith("Hôm nay đã nhận") and "đồng" in sentence for sentence in spoken(page))


def test_dynamic_qr_fills_the_screen_and_turns_paid(context, service):
    page = context.new_page()
    sign_in(page, service)
    page.click("#open-qr")
    for key in "45":
        page.click(f".keys button[data-key='{key}']")
    page.click(".keys button[data-key='000']")
    assert page.inner_text("#keypad-amount") == "45.000 ₫"
    page.click("#keypad-confirm")
    page.wait_for_selector("#qr-screen[open] #qr-image svg")
    assert page.inner_text("#qr-amount") == "45.000 ₫"
    # Read the code on the screen with a real QR reader.
    shot = Image.open(io.BytesIO(page.locator("#qr-image").screenshot()))
    payloads = [r.text for r in zxingcpp.read_barcodes(shot)]
    assert len(payloads) == 1
    code = parse(payloads[0])
    assert (code.bin, code.account, code.amount) == (BIN, ACCOUNT, 45_000)
    reference = code.purpose.split()[0]
    shopper = context.browser.new_context(locale="vi-VN").new_page()
    shopper.goto(f"{service}/pay/{reference}")
    assert "45.000 ₫" in shopper.inner_text(".pay-amount") and ACCOUNT in shopper.inner_text(".details")
    assert "Đang chờ" in shopper.inner_text("#pay-status")
    send_callback(service, 45_000, description=f"MBVCB.1234567.{reference} CHUYEN TIEN")
    page.wait_for_selector("#qr-screen.status-paid", timeout=10_000)
    assert page.inner_text("#qr-final-headline") == "Đã thanh toán"
    wait_js(shopper, "document.getElementById('pay').dataset.status === 'paid'", timeout=10_000)
    assert "Đã thanh toán" in shopper.inner_text("#final-headline")
    shopper.context.close()


def test_verify_page_for_a_genuine_and_a_fake_code(context, service):
    page = context.new_page()
    genuine = build(BIN, ACCOUNT)
    page.goto(f"{service}/verify")
    page.fill("#payload", genuine)
    page.click("#paste-form button[type=submit]")
    assert page.get_attribute("#verdict", "data-status") == "genuine"
    assert "A-07" in page.inner_text("#verdict")
    # A sticker over the card: the code of somebody else's account.
    page.goto(f"{service}/verify?payload={build('970436', '9999999999')}")
    assert page.get_attribute("#verdict", "data-status") == "unknown_account"
    assert "verdict warning" in page.get_attribute("#verdict", "class")


def test_the_english_board_groups_amounts_with_commas_and_speaks_english(context, service):
    page = context.new_page()
    page.set_viewport_size({"width": 360, "height": 780})
    sign_in(page, service)
    page.goto(f"{service}/stall?lang=en")
    page.click("#sound")
    wait_js(page, "document.getElementById('link-state').textContent === 'Live'")
    send_callback(service, 1_234_000)
    page.wait_for_selector("#payments li:has-text('1,234,000 ₫')", timeout=10_000)
    wait_js(page, "window.__spoken.some(s => s.text.startsWith('Received'))", timeout=5_000)
    english = [entry for entry in page.evaluate("window.__spoken") if entry["text"] != "Live"]
    assert {"text": "Received one million two hundred thirty-four thousand dong", "lang": "en-US"} in english
    assert {entry["lang"] for entry in page.evaluate("window.__spoken")} == {"en-US"}
    wait_js(page, "/^[0-9,]+ ₫$/.test(document.getElementById('cashless-total').textContent)")
    # The keypad, its presets and the cash toast group with commas too.
    page.click("#open-cash")
    assert page.inner_text("button[data-preset='20000']") == "20,000"
    page.click(".keys button[data-key='1']")
    page.click(".keys button[data-key='000']")
    page.click(".keys button[data-key='000']")
    assert page.inner_text("#keypad-amount") == "1,000,000 ₫"
    page.click("#keypad-confirm")
    wait_js(page, "document.getElementById('toast').textContent.includes('1,000,000 ₫')")
    page.click("#today")
    wait_js(page, "window.__spoken.some(s => s.text.startsWith('Today'))")
    assert any(
        s["text"].startswith("Today, ") and s["text"].endswith(" dong") and s["lang"] == "en-US"
        for s in page.evaluate("window.__spoken")
    )
    page.click("#undo-cash")
    wait_js(page, "document.getElementById('toast').textContent.startsWith('Removed 1,000,000 ₫')")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "stall-en-360.png"), full_page=True)
