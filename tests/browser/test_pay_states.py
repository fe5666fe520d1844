"""Issue 19 in a real browser at phone sizes: the shopper's page and the board's QR screen stop
being scannable the moment a request is paid (live and on reload), offer only the remainder's
code when underpaid, and name the stall and the account holder. Screenshots go to
$MARKET_PAY_SHOTS (default /tmp/p1-shots) for a person to look at."""

import io
import os
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from market_pay.vietqr.codec import parse
from tests.browser.conftest import ACCOUNT, BIN, CAPTURE_SPEECH, send_callback, sign_in, wait_js, wait_matched

pytestmark = pytest.mark.slow
SHOTS = Path(os.environ.get("MARKET_PAY_SHOTS", "/tmp/p1-shots"))
PHONES = {360: 780, 390: 844}


def _context(browser, width):
    ctx = browser.new_context(locale="vi-VN", viewport={"width": width, "height": PHONES[width]})
    ctx.add_init_script(CAPTURE_SPEECH)
    return ctx


def _shot(page, name, width):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"))


def _codes(page, selector) -> list[str]:
    """What a QR reader finds in that part of the screen (nothing when it is gone)."""
    if not page.locator(selector).count():
        return []
    image = Image.open(io.BytesIO(page.locator(selector).screenshot()))
    return [r.text for r in zxingcpp.read_barcodes(image)]


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "wider than the phone"


def _make_qr(page, digits: str):
    page.click("#open-qr")
    for key in digits:
        page.click(f".keys button[data-key='{key}']")
    page.click("#keypad-confirm")
    page.wait_for_selector("#qr-screen[open] #qr-image svg")


@pytest.mark.parametrize("width", sorted(PHONES))
def test_paid_live_and_on_reload_leaves_nothing_to_scan(browser, service, width):
    board_ctx, shopper_ctx = _context(browser, width), _context(browser, width)
    try:
        board = board_ctx.new_page()
        sign_in(board, service)
        _make_qr(board, "45000")
        assert "Rau sạch bà Hoa" in board.inner_text("#qr-stall") and "A-07" in board.inner_text("#qr-stall")
        assert board.inner_text("#qr-account-name") == "NGUYỄN THỊ HOA"
        code = parse(_codes(board, "#qr-image")[0])
        reference = code.purpose.split()[0]
        _shot(board, "board-qr-pending", width)
        shopper = shopper_ctx.new_page()
        shopper.goto(f"{service}/pay/{reference}")
        assert len(_codes(shopper, "#pay-code")) == 1 and ACCOUNT in shopper.inner_text("#pay-details")
        _fits(shopper)
        _shot(shopper, "pay-pending", width)

        send_callback(service, 45_000, description=f"MBVCB.1234567.{reference} CHUYEN TIEN")
        # Live: both screens drop the code and the transfer details for the final state.
        board.wait_for_selector("#qr-screen.status-paid", timeout=10_000)
        wait_js(board, "!document.getElementById('qr-final').hidden")
        assert board.locator("#qr-image svg").count() == 0 and _codes(board, "#qr-screen") == []
        assert board.inner_text("#qr-final-headline") == "Đã thanh toán"
        assert board.inner_text("#qr-final-amount") == "45.000 ₫" and "TRAN VAN B" in board.inner_text("#qr-final-time")
        _shot(board, "board-qr-paid", width)
        wait_js(shopper, "document.getElementById('pay').dataset.status === 'paid'", timeout=10_000)
        assert shopper.locator("svg").count() == 0 and shopper.locator("#pay-details").count() == 0
        assert shopper.inner_text("#final-headline") == "Đã thanh toán"
        assert shopper.inner_text("#final-amount") == "45.000 ₫"
        assert "TRAN VAN B" not in shopper.inner_text("body")  # public page: no payer name
        _fits(shopper)
        _shot(shopper, "pay-paid-live", width)
        shopper.reload()
        assert shopper.locator("svg").count() == 0 and shopper.locator("#pay-details").count() == 0
        assert shopper.inner_text("#final-headline") == "Đã thanh toán"
        _shot(shopper, "pay-paid-reload", width)
    finally:
        board_ctx.close()
        shopper_ctx.close()


@pytest.mark.parametrize("width", sorted(PHONES))
def test_underpaid_shows_what_is_owed_and_only_the_remainders_code(browser, service, width):
    board_ctx, shopper_ctx = _context(browser, width), _context(browser, width)
    try:
        board = board_ctx.new_page()
        sign_in(board, service)
        _make_qr(board, "250000")
        reference = parse(_codes(board, "#qr-image")[0]).purpose.split()[0]
        shopper = shopper_ctx.new_page()
        shopper.goto(f"{service}/pay/{reference}")
        assert parse(_codes(shopper, "#pay-code")[0]).amount == 250_000

        send_callback(service, 130_120, description=f"{reference} CHUYEN TIEN")
        # The shopper's page reloads itself with the remainder's code; the board shows it too.
        shopper.wait_for_selector(".owed", timeout=10_000)  # survives the page's own reload
        shopper.wait_for_selector("#pay-code svg")
        assert shopper.inner_text(".owed") == "Còn thiếu 119.880 ₫"
        remainder = parse(_codes(shopper, "#pay-code")[0])
        assert (remainder.bin, remainder.account, remainder.amount) == (BIN, ACCOUNT, 119_880)
        assert remainder.purpose.split()[0] == reference
        _fits(shopper)
        _shot(shopper, "pay-underpaid", width)
        board.wait_for_selector("#qr-screen.status-underpaid", timeout=10_000)
        wait_js(board, "document.getElementById('qr-amount').textContent === 'Còn thiếu 119.880 ₫'")
        board.wait_for_selector("#qr-image svg", timeout=10_000)
        assert parse(_codes(board, "#qr-image")[0]).amount == 119_880
        _shot(board, "board-qr-underpaid", width)

        send_callback(service, 119_880, description=f"{remainder.purpose} CHUYEN TIEN")
        board.wait_for_selector("#qr-screen.status-paid", timeout=10_000)
        wait_js(board, "!document.getElementById('qr-final').hidden")
        assert board.inner_text("#qr-final-amount") == "250.000 ₫" and _codes(board, "#qr-screen") == []
        wait_js(shopper, "document.getElementById('pay').dataset.status === 'paid'", timeout=10_000)
        assert shopper.inner_text("#final-amount") == "250.000 ₫" and shopper.locator("svg").count() == 0
    finally:
        board_ctx.close()
        shopper_ctx.close()


def _set(reference: str, sql: str):
    """Age or cancel a request in the service's database (what time or the vendor's API would do)."""
    from sqlalchemy import create_engine, text

    from tests.browser.conftest import SERVICE

    engine = create_engine(SERVICE["database_url"])
    try:
        with engine.begin() as conn:
            conn.execute(text(f"UPDATE payment_request SET {sql} WHERE reference = :ref"), {"ref": reference})
    finally:
        engine.dispose()


@pytest.mark.parametrize("width", sorted(PHONES))
@pytest.mark.parametrize("end", ["expired", "cancelled"])
def test_an_expired_or_cancelled_code_turns_final_live(browser, service, width, end):
    board_ctx, shopper_ctx = _context(browser, width), _context(browser, width)
    try:
        board = board_ctx.new_page()
        sign_in(board, service)
        _make_qr(board, "30000")
        reference = parse(_codes(board, "#qr-image")[0]).purpose.split()[0]
        shopper = shopper_ctx.new_page()
        shopper.goto(f"{service}/pay/{reference}")
        shopper.wait_for_selector("#pay-code svg")
        if end == "expired":
            _set(
                reference,
                "expires_at = created_at - interval '1' minute"
                if _service_on_postgres()
                else "expires_at = '2000-01-01 00:00:00.000000'",
            )
        else:
            _set(reference, "status = 'cancelled', cancelled_at = created_at")
        headline = "Mã đã hết hạn" if end == "expired" else "Đã huỷ"
        wait_js(shopper, f"document.getElementById('pay').dataset.status === '{end}'", timeout=10_000)
        assert shopper.locator("svg").count() == 0 and shopper.locator("#pay-details").count() == 0
        assert shopper.inner_text("#final-headline") == headline
        assert shopper.inner_text("#final-next") == "Hãy nhờ người bán tạo mã mới."
        _shot(shopper, f"pay-{end}", width)
        wait_js(board, "!document.getElementById('qr-final').hidden", timeout=10_000)
        assert board.locator("#qr-image svg").count() == 0 and _codes(board, "#qr-screen") == []
        assert board.inner_text("#qr-final-headline") == headline
        _shot(board, f"board-qr-{end}", width)
        shopper.reload()
        assert shopper.locator("svg").count() == 0 and shopper.inner_text("#final-headline") == headline
    finally:
        board_ctx.close()
        shopper_ctx.close()


def test_the_remainders_code_leaves_the_page_when_it_expires(browser, service):
    board_ctx, shopper_ctx = _context(browser, 360), _context(browser, 360)
    try:
        board = board_ctx.new_page()
        sign_in(board, service)
        _make_qr(board, "80000")
        reference = parse(_codes(board, "#qr-image")[0]).purpose.split()[0]
        send_callback(service, 50_000, description=f"{reference} CHUYEN TIEN")
        wait_matched()
        shopper = shopper_ctx.new_page()
        shopper.goto(f"{service}/pay/{reference}")
        assert shopper.inner_text(".owed") == "Còn thiếu 30.000 ₫"
        assert parse(_codes(shopper, "#pay-code")[0]).amount == 30_000
        _set(reference, "expires_at = '2000-01-01 00:00:00.000000'")
        shopper.wait_for_selector("#pay[data-payable='0']", timeout=10_000)
        assert shopper.locator("svg").count() == 0 and shopper.locator("#pay-details").count() == 0
        assert "tạo mã mới cho số còn thiếu" in shopper.inner_text(".owed-detail")
        _shot(shopper, "pay-underpaid-expired", 360)
    finally:
        board_ctx.close()
        shopper_ctx.close()


def _service_on_postgres() -> bool:
    from tests.browser.conftest import SERVICE

    return SERVICE["database_url"].startswith("postgresql")
