"""The stall board on the phones vendors have (360×780 and 390×844): it fits, its amounts never
wrap, its keypad's presets replace the amount, it keeps cash sales through a lost signal, and it
behaves like the speaker it replaces (issue 19, "The stall board")."""

import pytest

from tests.browser.conftest import CAPTURE_SPEECH, send_callback, sign_in, wait_js

pytestmark = pytest.mark.slow
PHONES = [pytest.param({"width": 360, "height": 780}, id="360"), pytest.param({"width": 390, "height": 844}, id="390")]
SHOTS = "/tmp/p3-shots"

# Every visible box's right edge, and each amount's lines (distinct line tops of its text).
MEASURE = """() => {
  const width = document.documentElement.clientWidth, wide = [], wrapped = [], clipped = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
    if (box.right > width + 0.5 || box.left < -0.5) wide.push(el.tagName + '#' + el.id + '.' + el.className + ' ' + box.left + '..' + box.right);
  }
  for (const el of document.querySelectorAll('.figure, .payment .amount, #keypad-amount')) {
    if (!el.getBoundingClientRect().width) continue;
    const range = document.createRange(); range.selectNodeContents(el);
    const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
    if (tops.size !== 1) wrapped.push(el.id + ' ' + el.textContent);
    if (el.scrollWidth > el.clientWidth + 1) clipped.push(el.id + ' ' + el.textContent);
  }
  return {width, scroll: document.documentElement.scrollWidth, wide, wrapped, clipped};
}"""


def assert_fits(page):
    found = page.evaluate(MEASURE)
    assert found["scroll"] <= found["width"], found
    assert found["wide"] == [] and found["wrapped"] == [] and found["clipped"] == [], found


def phone(browser, viewport):
    ctx = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", viewport=viewport, device_scale_factor=1)
    ctx.add_init_script(CAPTURE_SPEECH)
    return ctx


def box(page, selector):
    return page.locator(selector).bounding_box()


@pytest.mark.parametrize("viewport", PHONES)
def test_board_fits_the_phone_and_no_amount_wraps(browser, service, viewport):
    ctx = phone(browser, viewport)
    page = ctx.new_page()
    sign_in(page, service)  # taps "Bấm để bật loa": the button hides
    assert page.locator("#sound").is_hidden()
    for amount in (999_000_000, 999_000_000, 34_000, 1_250_000):
        send_callback(service, amount)
    page.wait_for_selector("#payments li:has-text('1.250.000 ₫')", timeout=10_000)
    wait_js(page, "document.getElementById('cashless-total').textContent.length >= 15")
    # The status label has its own place: beside the name, above (never over) the totals.
    state, totals = box(page, "#link-state"), box(page, ".totals")
    assert state["y"] + state["height"] <= totals["y"]
    assert_fits(page)
    page.screenshot(path=f"{SHOTS}/board-{viewport['width']}.png", full_page=True)
    # The keypad with the longest amount it takes: the service's bound for one sale (common/money.py);
    # a key that would pass it is ignored.
    page.click("#open-cash")
    for key in ("1", "000", "000", "000", "0", "9"):
        page.click(f".keys button[data-key='{key}']")
    assert page.inner_text("#keypad-amount") == "1.000.000.000 ₫"
    assert_fits(page)
    page.screenshot(path=f"{SHOTS}/keypad-{viewport['width']}.png")
    ctx.close()


@pytest.mark.parametrize("viewport", PHONES)
def test_keypad_presets_fit_and_replace_the_amount(browser, service, viewport):
    ctx = phone(browser, viewport)
    page = ctx.new_page()
    sign_in(page, service)
    page.click("#open-cash")
    dialog = box(page, "#keypad")
    presets = page.locator(".presets button")
    assert presets.count() == 4
    for i in range(4):
        button = presets.nth(i)
        edge = button.bounding_box()
        assert dialog["x"] <= edge["x"] and edge["x"] + edge["width"] <= dialog["x"] + dialog["width"]
        assert edge["x"] + edge["width"] <= viewport["width"]
        # Its label is not clipped inside the button.
        assert button.evaluate("b => b.scrollWidth <= b.clientWidth")
    assert_fits(page)

    def press(*keys):
        for key in keys:
            page.click(f"button[data-preset='{key[1:]}']" if key.startswith("p") else f".keys button[data-key='{key}']")
        return page.inner_text("#keypad-amount")

    assert press("p50000") == "50.000 ₫"
    assert press("2") == "2 ₫"  # a new amount, never 500.002 ₫
    assert press("5") == "25 ₫"
    assert press("p100000") == "100.000 ₫"  # a preset replaces what was typed
    assert press("p20000") == "20.000 ₫"
    assert press("⌫") == "0 ₫"  # ⌫ after a preset clears it
    assert press("3", "000") == "3.000 ₫"
    assert press("p10000", "000") == "0 ₫"
    assert press("p50000") == "50.000 ₫"
    before = int(page.inner_text("#cash-count"))
    page.click("#keypad-confirm")
    wait_js(page, f"document.getElementById('cash-count').textContent === '{before + 1}'")
    assert "Đã ghi tiền mặt 50.000 ₫" in page.inner_text("#toast")
    ctx.close()


def cash_sales_of_amount(amount: int) -> int:
    from sqlalchemy import create_engine, text

    from tests.browser.conftest import SERVICE

    engine = create_engine(SERVICE["database_url"])
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT count(*) FROM cash_sale WHERE amount = :a"), {"a": amount})
    finally:
        engine.dispose()


def type_cash(page, *keys):
    page.click("#open-cash")
    for key in keys:
        page.click(f".keys button[data-key='{key}']")
    page.click("#keypad-confirm")


@pytest.mark.parametrize("viewport", PHONES)
def test_cash_typed_offline_is_queued_and_sent_once_when_back_online(browser, service, viewport):
    amount = 37_000 if viewport["width"] == 360 else 38_000
    ctx = phone(browser, viewport)
    page = ctx.new_page()
    sign_in(page, service)
    ctx.set_offline(True)
    wait_js(page, "!document.getElementById('offline-bar').hidden")
    assert page.inner_text("#offline-bar") == "Mất kết nối — các khoản tiền mặt sẽ được gửi khi có mạng"
    assert page.inner_text("#link-state") != "Đang nhận tin"
    type_cash(page, str(amount // 1000)[0], str(amount // 1000)[1], "000")
    wait_js(page, "!document.getElementById('cash-queue').hidden")
    assert page.locator("#queue-list li").count() == 1
    assert f"{amount // 1000}.000 ₫" in page.inner_text("#queue-list") and "chờ gửi" in page.inner_text("#queue-list")
    assert "sẽ gửi sau" in page.inner_text("#toast")
    assert_fits(page)
    page.screenshot(path=f"{SHOTS}/offline-{viewport['width']}.png", full_page=True)
    # A reload while offline is not possible; the queue survives a closed tab though (localStorage).
    assert (
        len(
            page.evaluate(
                "JSON.parse(localStorage.getItem('market_pay:cash-queue:' + "
                "document.getElementById('board').dataset.vendor))"
            )
        )
        == 1
    )
    assert cash_sales_of_amount(amount) == 0
    ctx.set_offline(False)
    wait_js(page, "document.getElementById('cash-queue').hidden", timeout=30_000)
    wait_js(page, "document.getElementById('offline-bar').hidden")
    assert "Đã gửi tiền mặt" in page.inner_text("#toast")
    assert cash_sales_of_amount(amount) == 1
    # The same key sent again (an answer lost on the way back) records nothing more.
    replay = page.evaluate(
        """(amount) => fetch('/stall/cash', {method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'Idempotency-Key': 'replay-' + amount,
                  'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content},
        body: JSON.stringify({amount})}).then(r => r.status)""",
        amount + 1,
    )
    again = page.evaluate(
        """(amount) => fetch('/stall/cash', {method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'Idempotency-Key': 'replay-' + amount,
                  'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content},
        body: JSON.stringify({amount})}).then(r => r.status)""",
        amount + 1,
    )
    assert (replay, again) == (201, 200) and cash_sales_of_amount(amount + 1) == 1
    ctx.close()


def make_qr(page, amount: int) -> str:
    return page.evaluate(
        """(amount) => fetch('/stall/qr', {method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'Idempotency-Key': 'qr-test-' + amount + '-' + Date.now(),
                  'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content},
        body: JSON.stringify({amount})}).then(r => r.json()).then(v => v.reference)""",
        amount,
    )


@pytest.mark.parametrize("viewport", PHONES)
def test_vua_nhan_lists_todays_credits_after_a_reload_and_says_why_a_row_warns(browser, service, viewport):
    ctx = phone(browser, viewport)
    page = ctx.new_page()
    sign_in(page, service)
    # Amounts of their own per phone size: the list also holds the other run's rows.
    floor_amount, asked, paid, plain = (
        (300, 120_000, 120, 56_000) if viewport["width"] == 360 else (400, 130_000, 130, 57_000)
    )
    reference = make_qr(page, asked)
    send_callback(service, floor_amount)  # below the stall's 1.000 ₫
    send_callback(service, paid, description=f"MBVCB.1234567.{reference} CHUYEN TIEN")  # far short of the request
    send_callback(service, plain)
    plain_text = f"{plain // 1000}.000 ₫"
    page.wait_for_selector(f"#payments li:has-text('{plain_text}')", timeout=10_000)
    short = f"{asked - paid:,}".replace(",", ".")

    def check_rows():
        below = page.locator(f"#payments li.warning:has-text('{floor_amount} ₫')")
        assert "dưới mức tối thiểu 1.000 ₫" in below.inner_text()
        underpaid = page.locator(f"#payments li.warning:has-text('{paid} ₫')")
        assert f"thiếu {short} ₫ so với yêu cầu" in underpaid.inner_text()

    check_rows()
    page.reload()
    # Not empty after the reload: today's credits, the newest first, with their reasons; not spoken again.
    assert page.locator("#payments li").count() >= 3
    assert page.locator("#payments li").first.inner_text().startswith(plain_text)
    check_rows()
    assert_fits(page)
    page.screenshot(path=f"{SHOTS}/recent-{viewport['width']}.png", full_page=True)
    page.click("#sound")
    page.wait_for_timeout(500)
    assert [s for s in page.evaluate("window.__spoken") if s["text"].startswith(("Đã nhận", "Chú ý"))] == []
    ctx.close()


@pytest.mark.parametrize("viewport", PHONES)
def test_the_missed_while_offline_sentence_waits_for_the_tap_that_enables_sound(browser, service, viewport):
    from tests.browser.conftest import wait_matched

    ctx = phone(browser, viewport)
    page = ctx.new_page()
    sign_in(page, service)
    page.close()  # the phone loses its signal
    first, second = (61_000, 62_000) if viewport["width"] == 360 else (63_000, 64_000)
    send_callback(service, first)
    send_callback(service, second)
    wait_matched()
    page = ctx.new_page()  # back, on the same phone: no tap yet
    page.goto(f"{service}/stall")
    page.wait_for_selector("#missed:not([hidden])", timeout=10_000)
    page.wait_for_selector(f"#payments li:has-text('{second // 1000}.000 ₫')", timeout=10_000)
    assert page.inner_text("#missed") == "Có hai khoản nhận được khi mất mạng"
    assert page.evaluate("window.__spoken") == []  # a browser would refuse it before the tap
    assert "nghe các khoản đã lỡ" in page.inner_text("#sound")
    assert_fits(page)
    page.screenshot(path=f"{SHOTS}/missed-{viewport['width']}.png")
    page.click("#sound")
    said = [entry["text"] for entry in page.evaluate("window.__spoken")]
    assert said[:2] == ["Đang nhận tin", "Có hai khoản nhận được khi mất mạng"]
    assert len([s for s in said if s.startswith("Đã nhận")]) == 2 and len(said) == 4
    ctx.close()


# A screen wake lock and speech calls the test can see (headless Chromium grants no wake lock).
FAKE_WAKE_LOCK = """
window.__locks = [];
window.__speechResets = 0;
Object.defineProperty(navigator, 'wakeLock', {configurable: true, value: {request: function (kind) {
  var lock = {type: kind, released: false, release: function () { lock.released = true; return Promise.resolve(); }};
  window.__locks.push(lock); return Promise.resolve(lock);
}}});
if (window.speechSynthesis) {
  window.speechSynthesis.cancel = function () { window.__speechResets++; };
  window.speechSynthesis.resume = function () {};
}
"""


@pytest.mark.parametrize("viewport", PHONES)
def test_the_board_installs_opens_offline_keeps_the_screen_awake_and_speech_alive(browser, service, viewport):
    import json as _json
    import urllib.request

    with urllib.request.urlopen(f"{service}/stall/manifest.webmanifest") as response:
        manifest = _json.loads(response.read())
        assert response.headers["Content-Type"].startswith("application/manifest+json")
    assert manifest["start_url"] == "/stall" and manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        with urllib.request.urlopen(f"{service}{icon['src']}") as response:
            assert response.headers["Content-Type"] == "image/png"
    ctx = phone(browser, viewport)
    ctx.add_init_script(FAKE_WAKE_LOCK)
    page = ctx.new_page()
    sign_in(page, service)
    assert page.get_attribute("link[rel=manifest]", "href") == "/stall/manifest.webmanifest"
    # The service worker takes the board, then the board opens with no signal at all.
    wait_js(page, "!!navigator.serviceWorker.controller", timeout=20_000)  # clients.claim(): no reload needed
    page.reload()
    wait_js(page, "document.getElementById('link-state').textContent === 'Đang nhận tin'")
    ctx.set_offline(True)
    page.reload()
    assert page.locator("#board").count() == 1 and page.locator(".totals").count() == 1
    wait_js(page, "!document.getElementById('offline-bar').hidden")
    page.screenshot(path=f"{SHOTS}/offline-shell-{viewport['width']}.png")
    ctx.set_offline(False)
    page.reload()
    wait_js(page, "document.getElementById('link-state').textContent === 'Đang nhận tin'")
    # The screen is kept on, and asked for again after the screen was off (the lock is dropped).
    wait_js(page, "window.__locks.length >= 1 && window.__locks[0].type === 'screen'")
    page.evaluate(
        "window.__locks.forEach(l => l.released = true); document.dispatchEvent(new Event('visibilitychange'))"
    )
    wait_js(page, "window.__locks.some(l => !l.released)")
    # Once sound is on, coming back from a dark screen resets the speech engine.
    page.click("#sound")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    assert page.evaluate("window.__speechResets") >= 1
    ctx.close()
