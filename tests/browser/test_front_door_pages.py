"""The front door and an error page at phone sizes: nothing wider than the screen, a way in per
audience that leads where it says. Screenshots go to $MARKET_PAY_SHOTS (default /tmp/p1-shots)."""

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
SHOTS = Path(os.environ.get("MARKET_PAY_SHOTS", "/tmp/p1-shots"))


@pytest.mark.parametrize("width, height", [(360, 780), (390, 844)])
def test_front_door_and_404_fit_a_phone(browser, service, width, height):
    ctx = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
    try:
        page = ctx.new_page()
        icon = page.request.get(f"{service}/favicon.ico")
        assert icon.status == 200 and icon.body()[:4] == b"\x00\x00\x01\x00"
        page.goto(f"{service}/")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"home-{width}.png"))
        page.click("#door-verify")
        page.wait_for_url(f"{service}/verify")
        page.goto(f"{service}/")
        page.click("#door-stall")
        page.wait_for_url(f"{service}/stall/login")
        response = page.goto(f"{service}/khong-co-trang-nay")
        assert response.status == 404 and page.inner_text("h1") == "Không tìm thấy trang này"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(SHOTS / f"error-404-{width}.png"))
        page.click(".error-page a.secondary")
        page.wait_for_url(f"{service}/")
        page.goto(f"{service}/staff/login")
        page.fill("input[name=username]", "nobody")
        page.fill("input[name=password]", "wrong-password-1")
        page.click("button[type=submit]")
        assert page.inner_text(".error") == "Sai tên đăng nhập hoặc mật khẩu."
        page.screenshot(path=str(SHOTS / f"staff-login-error-{width}.png"))
    finally:
        ctx.close()
