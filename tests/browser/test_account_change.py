"""A market manager's account change waits on the stall board for the vendor's PIN (real browser,
real service): the notice is at the top of a 360 px phone screen, and confirming it works."""

import os
from pathlib import Path

import pytest

from tests.browser.conftest import PIN, SERVICE, sign_in, wait_js
from tests.servers import api, cli, service_env

pytestmark = pytest.mark.slow

MANAGER, MANAGER_PASSWORD = "ql.dongvan", "manager-password-1"


@pytest.fixture(scope="module")
def pending(service):
    """The manager of DV asks to pay stall A-07 into a new account."""
    cli(
        service_env(SERVICE["database_url"]),
        "users",
        "create",
        "--username",
        MANAGER,
        "--password",
        MANAGER_PASSWORD,
        "--role",
        "market_manager",
        "--scope",
        "DV",
        "--display-name",
        "Ban quản lý chợ Đồng Văn",
    )
    token = api(service, "POST", "/api/v1/auth/token", {"username": MANAGER, "password": MANAGER_PASSWORD})["token"]
    stall = next(
        v
        for v in api(service, "GET", "/api/v1/vendors?market_code=DV", token=token)["items"]
        if v["stall_code"] == "A-07"
    )
    account = api(
        service,
        "POST",
        f"/api/v1/vendors/{stall['id']}/accounts",
        token=token,
        body={"bin": "970422", "account_number": "7770001112223", "account_name": "Nguyễn Thị Hoa"},
    )
    assert account["status"] == "pending"
    return {"token": token, "vendor_id": stall["id"], "account": account}


def test_the_vendor_sees_the_change_at_the_top_and_confirms_it_with_the_pin(browser, service, pending, tmp_path):
    context = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 780})
    try:
        page = context.new_page()
        sign_in(page, service)
        notice = page.locator("section.account-change")
        assert notice.count() == 1
        text = notice.inner_text()
        for shown in (
            "Có yêu cầu đổi tài khoản nhận tiền",
            "MBBank",
            "•••• 2223",
            "Nguyễn Thị Hoa",
            "Ban quản lý chợ Đồng Văn",
        ):
            assert shown in text, shown
        # At the top of the screen, fully visible without scrolling, on a 360 px phone.
        box = notice.bounding_box()
        assert box["y"] < 120 and box["x"] >= 0 and box["x"] + box["width"] <= 360
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        # Kept for a person to look at when MARKET_PAY_SCREENSHOT_DIR names a directory.
        folder = Path(os.environ.get("MARKET_PAY_SCREENSHOT_DIR") or tmp_path)
        page.screenshot(path=str(folder / "account-change-360.png"), full_page=True)
        page.fill("section.account-change input[name=pin]", PIN)
        page.click("section.account-change button.confirm")
        page.wait_for_selector("#account-notice")
        assert page.inner_text("#account-notice") == "Đã xác nhận thay đổi tài khoản."
        assert page.locator("section.account-change").count() == 0
        wait_js(page, "document.getElementById('link-state').textContent !== ''")
        stall = api(service, "GET", f"/api/v1/vendors/{pending['vendor_id']}", token=pending["token"])
        statuses = {a["account_number"]: a["status"] for a in stall["accounts"]}
        assert statuses["7770001112223"] == "active"
    finally:
        context.close()
