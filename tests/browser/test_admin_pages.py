"""Administration and the finished dashboard in a real browser, on the demo: an administrator
creates, deactivates, reactivates and resets a login, moves a commune (the dashboard follows) and
rotates a partner's secret; every page fits 390 px and 1366 px. Screenshots go to
$MARKET_PAY_SHOTS (default /tmp/p1-shots)."""

import os
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from market_pay.demo.loader import DEMO_LOGINS
from market_pay.payments.partners import fingerprint

pytestmark = pytest.mark.slow
SHOTS = Path(os.environ.get("MARKET_PAY_SHOTS", "/tmp/p1-shots"))
LOGINS = {
    role: (username, password)
    for username, password, role, scope, _ in DEMO_LOGINS
    if role != "region_staff" or scope == "08"
}


def staff_page(browser, base, role, width=1366, height=900):
    context = browser.new_context(locale="vi-VN", accept_downloads=True, viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{base}/staff/login")
    page.fill("input[name=username]", LOGINS[role][0])
    page.fill("input[name=password]", LOGINS[role][1])
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/reports")
    return context, page


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_an_administrator_manages_users_regions_and_partners(browser, demo_service):
    context, page = staff_page(browser, demo_service, "admin")
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.click(".admin-link a")
    page.wait_for_url(f"{demo_service}/admin/users")
    # Create a commune officer: the password is shown once, and it works.
    page.click("#new-user")
    page.select_option("#role", "region_staff")
    page.fill("#username", "can.bo.phobang")
    page.fill("#display_name", "Cán bộ xã Phố Bảng")
    page.fill("#scope", "00745")
    page.click("#create")
    secret = page.text_content("#secret")
    assert "Chỉ hiện một lần" in page.text_content("#one-time-secret")
    other = browser.new_context(locale="vi-VN")
    officer = other.new_page()
    officer.goto(f"{demo_service}/staff/login")
    officer.fill("input[name=username]", "can.bo.phobang")
    officer.fill("input[name=password]", secret)
    officer.click("button[type=submit]")
    officer.wait_for_url(f"{demo_service}/reports")
    assert "Xã Phố Bảng" in officer.text_content("h1")
    # Deactivate: the officer's session ends at once; reactivate; reset gives a new password.
    page.goto(f"{demo_service}/admin/users?q=phobang")
    page.click("tr[data-user='can.bo.phobang'] button.deactivate")
    assert "Đã khoá can.bo.phobang" in page.text_content("#notice")
    officer.goto(f"{demo_service}/reports")
    assert officer.url.endswith("/staff/login")
    page.click("tr[data-user='can.bo.phobang'] button.reactivate")
    page.click("tr[data-user='can.bo.phobang'] button.reset")
    assert page.text_content("#secret") != secret
    other.close()
    # Move Phố Bảng's commune from Đồng Văn to Mèo Vạc: the dashboard groups its market there now.
    page.goto(f"{demo_service}/admin/regions")
    page.click("tr[data-region='00745'] .region-name a")
    page.select_option("#parent_code", "027")
    page.click("#move")
    assert "Đã chuyển 00745 sang Huyện Mèo Vạc" in page.text_content("#notice")
    page.goto(f"{demo_service}/reports?region=027")
    assert page.locator("tr[data-market='DV-PHOBANG']").count() == 1
    page.goto(f"{demo_service}/reports?region=026")
    assert page.locator("tr[data-market='DV-PHOBANG']").count() == 0
    # Rotate the simulated bank's secret: add the new one, retire the old; fingerprints only.
    page.goto(f"{demo_service}/admin/partners")
    old = page.get_attribute("#partner-simbank li", "data-fingerprint")
    page.fill("#partner-simbank input[name=value]", "rotated-simbank-secret")
    page.click("#partner-simbank button.add")
    assert fingerprint("rotated-simbank-secret") in page.text_content("#partner-simbank")
    page.click(f"#partner-simbank li[data-fingerprint='{old}'] button.retire")
    body = page.content()
    assert "rotated-simbank-secret" not in body and old not in page.text_content("#partner-simbank")
    assert errors == []
    context.close()


PAGES = [
    ("admin", "/admin/users", "admin-users"),
    ("admin", "/admin/users/new", "admin-user-new"),
    ("admin", "/admin/regions", "admin-regions"),
    ("admin", "/admin/regions/00721", "admin-region"),
    ("admin", "/admin/partners", "admin-partners"),
    ("region_staff", "/reports", "reports-province"),
    ("market_manager", "/reports", "reports-manager"),
]


@pytest.mark.parametrize("width, height", [(390, 844), (1366, 900)])
def test_every_page_fits_and_is_photographed(browser, demo_service, width, height):
    for role in ("admin", "region_staff", "market_manager"):
        context, page = staff_page(browser, demo_service, role, width, height)
        for _, path, name in [entry for entry in PAGES if entry[0] == role]:
            page.goto(f"{demo_service}{path}")
            assert fits(page), (name, width)
            shot(page, f"{name}-{width}")
        if role == "admin":  # the one-time secret page
            page.goto(f"{demo_service}/admin/users?q=xa.dongvan")
            page.click("tr[data-user='xa.dongvan'] button.reset")
            # The click submits a form: measure the page it leads to, not the one being unloaded.
            page.wait_for_selector("#one-time-secret")
            assert fits(page)
            shot(page, f"admin-secret-{width}")
        if role == "market_manager":
            assert page.locator("#office-links a[href='/office/m/HG-TTHG']").count() == 1  # their market's office
        context.close()


def test_the_workbook_downloaded_from_the_dashboard_is_frozen_and_prints_on_a4(browser, demo_service):
    context, page = staff_page(browser, demo_service, "region_staff")
    assert re.search(r"\d\.\d{3}", page.text_content("#report-table"))  # grouped thousands
    with page.expect_download() as info:
        page.click("#download-xlsx")
    with open(info.value.path(), "rb") as workbook:  # (a download's path has no extension)
        sheet = load_workbook(workbook).active
    assert sheet.freeze_panes == "B2" and sheet.page_setup.orientation == "landscape"
    assert sheet.cell(1, 1).value == "Chợ"
    context.close()
