"""The market office in a real browser against the real service (gunicorn, migrations, CLI
set-up): a manager signs in, finds a stall, edits it, asks for a new account, creates an
assistant's sign-in and resets a PIN (shown once), registers a stall, downloads the cards,
resolves the money that reached the not-yet-confirmed account, and reads the audit log. With
MARKET_PAY_SCREENSHOTS=DIR every page is also saved there at 360 and 1366 px."""

import os
import time
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, browser, playwright_api  # noqa: F401  (the shared Chromium)
from tests.servers import dong_van_service, simbank_credit

pytestmark = pytest.mark.slow
MANAGER, PASSWORD = "ql.dongvan", "manager-password-1"
ADMIN = "quantri.tinh"
SECRET = "office-simbank-secret"
STALLS_CSV = (
    "stall_code,display_name,phone,bin,account_number,account_name\n"
    "A-07,Rau sạch bà Hoa,0987654321,970405,1900123456789,NGUYỄN THỊ HOA\n"
    "A-08,Thịt lợn ông Nam,0912000008,970422,1900000000008,TRAN VAN NAM\n"
)
SHOTS = os.environ.get("MARKET_PAY_SCREENSHOTS")


@pytest.fixture(scope="module")
def office_service(tmp_path_factory):
    if not CHROMIUM:
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    tmp = tmp_path_factory.mktemp("office")
    users = [(MANAGER, PASSWORD, "market_manager", "DV"), (ADMIN, PASSWORD, "admin")]
    with dong_van_service(
        f"sqlite:///{tmp / 'office.db'}", tmp, STALLS_CSV, users, SECRET, workers=2, threads=4
    ) as base:
        yield base


def credit(base: str, account: str, amount: int, bin_code: str = "970422"):
    """One signed bank callback, booked now."""
    simbank_credit(base, SECRET, account, amount, bin_code, prefix="OF")


def shoot(page, name: str):
    """Full-page screenshots at phone and laptop width (only when asked for)."""
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    for width, height in ((360, 780), (1366, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(Path(SHOTS) / f"office-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


# Where each given text stands under the selector: on how many lines, and whether inside its cell.
WHERE_TEXTS_STAND = """([selector, wanted]) => {
  const found = {};
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const text of wanted) {
        const at = node.data.indexOf(text);
        if (at < 0) continue;
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + text.length);
        const lines = [...range.getClientRects()].filter((rect) => rect.width > 0);
        const cell = node.parentElement.closest("td, dd, li").getBoundingClientRect();
        const inside = lines.every((rect) => rect.left >= cell.left - 0.5 && rect.right <= cell.right + 0.5);
        (found[text] = found[text] || []).push({ lines: lines.length, inside });
      }
    }
  }
  return found;
}"""


def each_on_one_line(page, selector: str, *texts: str):
    """At a phone's width (360 px) and a laptop's, every given account number or amount under
    `selector` stands on one line, inside its own cell (not broken mid-number, not running into
    the next cell's label)."""
    for width, height in ((360, 780), (1366, 900)):
        page.set_viewport_size({"width": width, "height": height})
        found = page.evaluate(WHERE_TEXTS_STAND, [selector, list(texts)])
        for text in texts:
            assert found.get(text), (width, text, "is not on the page")
            assert all(place == {"lines": 1, "inside": True} for place in found[text]), (width, text, found[text])
    page.set_viewport_size({"width": 1366, "height": 900})


def test_a_manager_s_day_in_the_office(browser, office_service):  # noqa: F811
    base = office_service
    context = browser.new_context(locale="vi-VN", accept_downloads=True, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    failures = []
    page.on("console", lambda message: failures.append(message.text) if message.type == "error" else None)

    page.goto(f"{base}/office")
    assert page.url.endswith("/office/login")
    shoot(page, "login")
    page.fill("input[name=username]", MANAGER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/office/m/DV")
    assert page.locator("tr[data-stall]").count() == 2
    shoot(page, "home")

    # Search by phone, open the stall.
    page.fill("#q", "0912000008")
    page.click("#search")
    page.wait_for_load_state()
    assert page.locator("tr[data-stall]").count() == 1
    page.fill("#q", "")
    page.click("#search")
    page.click("tr[data-stall='A-07'] a")
    page.wait_for_url("**/stalls/*")
    shoot(page, "stall")

    # Edit the display name and floor.
    page.fill("#f-display_name", "Rau sạch cô Hoa")
    page.fill("#f-floor_amount", "1.000")
    page.click("#save-stall")
    page.wait_for_load_state()
    assert page.text_content(".notice") == "Đã lưu."
    assert "Rau sạch cô Hoa" in page.text_content("h1")

    # Ask for a second account: it waits for the vendor.
    page.click("text=Thêm tài khoản")
    page.select_option("#account-form select[name=bin]", "970422")
    page.fill("#account-form input[name=account_number]", "7770001112223")
    page.click("#add-account")
    page.wait_for_load_state()
    assert "Chờ chủ sạp xác nhận" in page.text_content("li[data-account='7770001112223']")

    # An assistant's sign-in, its PIN shown once.
    page.click("text=Tạo đăng nhập cho người phụ bán")
    page.fill("#f-login-phone", "0977123456")
    page.click("#create-login")
    page.wait_for_load_state()
    pin = page.text_content("#new-pin")
    assert pin.isdigit() and len(pin) == 6
    shoot(page, "pin")
    page.click("text=Về trang sạp")
    page.wait_for_load_state()
    assert "phải đổi PIN" in page.text_content("li[data-login='0977123456']")
    page.click("li[data-login='0977123456'] .reset-pin")
    page.wait_for_load_state()
    assert page.text_content("#new-pin") != pin
    page.click("text=Về trang sạp")
    page.wait_for_load_state()
    shoot(page, "stall-changed")

    # A suspension says why: blank (spaces get past the browser's own check) is refused.
    page.fill("#f-reason", "   ")
    page.click("#toggle-status")
    page.wait_for_load_state()
    assert "Hãy ghi lý do tạm ngừng sạp." in page.text_content(".field.invalid")
    assert page.locator(".badge.active").count() == 1
    shoot(page, "stall-suspend-error")

    # Cards for this stall.
    page.goto(f"{base}/office/m/DV")
    page.click("tr[data-stall='A-07'] a")
    page.wait_for_url("**/stalls/*")
    with page.expect_download() as download:
        page.click("#print-stall")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    # Register a stall; mistakes first, every one said at once beside its field.
    page.goto(f"{base}/office/m/DV/stalls/new")
    shoot(page, "new-stall")
    for field, value in (
        ("stall_code", "A-07"),
        ("display_name", "Gạo ông Tư"),
        ("legal_name", "Lê Văn Tư"),
        ("phone", "09"),
        ("account_number", "88001234"),
        ("account_name", "LE VAN TUAN"),
    ):
        page.fill(f"#f-{field}", value)
    page.select_option("#f-bin", "970422")
    page.click("#new-stall-form button[type=submit]")
    page.wait_for_load_state()
    for field in ("stall_code", "phone", "account_name"):
        assert page.locator(f".field.invalid #f-{field}").count() == 1, field
    assert page.input_value("#f-account_name") == "LE VAN TUAN"  # what was typed stays
    shoot(page, "new-stall-error")
    page.fill("#f-stall_code", "B-01")
    page.fill("#f-phone", "0911222333")
    page.fill("#f-account_name", "LE VAN TU")
    page.click("#new-stall-form button[type=submit]")
    page.wait_for_load_state()
    assert page.text_content(".notice") == "Đã đăng ký sạp B-01."

    # The whole market's cards, and a selection.
    page.goto(f"{base}/office/m/DV")
    with page.expect_download() as download:
        page.click("#print-market")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    page.check("tr[data-stall='A-08'] input[type=checkbox]")
    with page.expect_download() as download:
        page.click("#print-selected")
    assert download.value.suggested_filename == "the-sap-DV-chon-a6.pdf"

    # Money sent to the account the vendor has not confirmed waits in the market's queue.
    credit(base, "7770001112223", 45_000)
    page.goto(f"{base}/office/m/DV/suspense")
    item = page.locator(".suspense-item").first
    assert "45.000 ₫" in item.text_content() and "Tài khoản chưa dùng được" in item.text_content()
    each_on_one_line(page, ".suspense-item", "7770001112223", "970422", "45.000 ₫")
    shoot(page, "suspense")
    item.locator("select[name=action]").select_option("assign_stall")
    item.locator("input[name=stall_code]").fill("A-07")
    item.locator("input[name=note]").fill("sạp mới mở tài khoản")
    item.locator("button.resolve").click()
    page.wait_for_load_state()
    assert page.locator(".suspense-item").count() == 0
    page.goto(f"{base}/office/m/DV")
    assert "1 khoản · 45.000 ₫" in page.text_content("tr[data-stall='A-07'] .today")

    # The audit log has every change.
    page.goto(f"{base}/office/m/DV/audit")
    logged = page.eval_on_selector_all("tr[data-action]", "rows => rows.map(r => r.dataset.action)")
    for action in (
        "vendor.update",
        "account.add",
        "user.create",
        "user.reset_pin",
        "vendor.create",
        "suspense.assign_stall",
    ):
        assert action in logged, action
    shoot(page, "audit")

    # A CSV of stalls: checked first (nothing written), then confirmed.
    page.goto(f"{base}/office/m/DV")
    page.click("#import-stalls")
    page.set_input_files(
        "#import-form input[type=file]",
        files=[
            {
                "name": "sap.csv",
                "mimeType": "text/csv",
                "buffer": (
                    "stall_code,display_name,phone,bin,account_number,account_name\n"
                    "C-01,Đậu phụ bà Mai,0911000111,970422,66001234,PHAM THI MAI\n"
                ).encode(),
            }
        ],
    )
    page.click("#check-import")
    page.wait_for_load_state()
    assert "sẽ thêm 1 sạp" in page.text_content("#preview-line")
    shoot(page, "import-preview")
    page.click("#confirm-import")
    page.wait_for_url(f"{base}/office/m/DV")
    assert page.locator("tr[data-stall='C-01']").count() == 1

    # A day's cash survey for the market.
    page.click("#cash-survey")
    yesterday = time.strftime("%d/%m/%Y", time.gmtime(time.time() - 86400 + 7 * 3600))
    page.set_input_files(
        "#survey-form input[type=file]",
        files=[
            {
                "name": "khao-sat.csv",
                "mimeType": "text/csv",
                "buffer": f"date,market_code,stall_code,count,value\n{yesterday},DV,,40,2000000\n".encode(),
            }
        ],
    )
    page.click("#upload-survey")
    page.wait_for_load_state()
    assert page.text_content(".notice") == "Đã ghi 1 dòng khảo sát; thay 0 dòng cũ."
    shoot(page, "cash-survey")

    # English, then sign out.
    page.goto(f"{base}/office/m/DV?lang=en")
    assert page.text_content("h1") == "Stalls"
    page.goto(f"{base}/office/m/DV?lang=vi")
    page.click(".office-signout button")
    page.wait_for_url(f"{base}/office/login")
    # The one refused form above (422) is the only failed load; nothing else went wrong.
    assert [text for text in failures if "422" not in text] == []
    context.close()


def admin_in_the_office(chromium, base: str, viewport: dict):
    """(context, page): the administrator signed in to the office, in Vietnamese, at this size."""
    context = chromium.new_context(locale="vi-VN", viewport=viewport)
    page = context.new_page()
    page.goto(f"{base}/office/login")
    page.fill("input[name=username]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/office")
    return context, page


def test_an_administrator_chooses_the_market_and_reconciles_its_statements(browser, office_service, tmp_path):  # noqa: F811
    from tests.reconciliation.statements import line, write_statement

    base = office_service
    context, page = admin_in_the_office(browser, base, {"width": 1366, "height": 900})
    shoot(page, "markets")
    page.click("text=Chợ Đồng Văn")
    page.wait_for_url(f"{base}/office/m/DV")
    page.click("text=Đối soát")
    page.wait_for_url(f"{base}/office/m/DV/reconciliation")
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 3600))
    statement = write_statement(
        tmp_path / "sao-ke.csv",
        [
            (
                "970405",
                "1900123456789",
                0,
                [line("NOCALLBACK-1", "FT9001", f"{day}T08:00:00+07:00", 1_250_000, description="MUA GAO")],
                None,
            )
        ],
    )
    page.select_option("#statement-form select[name=partner]", "simbank")
    page.set_input_files("#statement-form input[type=file]", str(statement))
    page.click("#upload-statement")
    page.wait_for_url("**/reconciliation/*")
    assert page.locator("li[data-kind='missing_callback']").count() == 1
    assert "1.250.000 ₫" in page.text_content("li[data-kind='missing_callback']")
    each_on_one_line(page, "table.classes", "1.250.000 ₫", "0 ₫")
    each_on_one_line(page, "li[data-kind='missing_callback']", "1900123456789", "1.250.000 ₫")
    shoot(page, "run")
    # A bank's MT940 export naming the account by its number only: the bank is chosen in the form.
    page.goto(f"{base}/office/m/DV/reconciliation")
    compact = day[2:].replace("-", "")
    export = tmp_path / "sao-ke.sta"
    export.write_text(
        f":20:STMT2\n:25:1900000000008\n:28C:1/1\n:60F:C{compact}VND0,\n"
        f":61:{compact}{compact[2:]}C75000,NTRFNONREF//FT9002\n:86:MUA THIT\n:62F:C{compact}VND75000,\n-\n",
        encoding="utf-8",
    )
    page.select_option("#statement-form select[name=partner]", "simbank")
    page.set_input_files("#statement-form input[type=file]", str(export))
    page.select_option("#statement-form select[name=format]", "mt940")
    page.click("#upload-statement")  # without the account: said beside the form, nothing recorded
    page.wait_for_load_state()
    assert "Tệp không ghi sao kê của tài khoản nào" in page.text_content("p.error")
    shoot(page, "reconciliation-account")
    page.set_input_files("#statement-form input[type=file]", str(export))
    assert page.input_value("#statement-form select[name=format]") == "mt940"  # kept from the first try
    page.select_option("#statement-form select[name=account_bin]", "970422")
    page.fill("#statement-form input[name=account_number]", "1900000000008")
    page.click("#upload-statement")
    page.wait_for_url("**/reconciliation/*")
    assert "75.000 ₫" in page.text_content("li[data-kind='missing_callback']")
    page.goto(f"{base}/office/m/DV/reconciliation")
    assert page.locator("tr[data-run]").count() == 2
    shoot(page, "reconciliation")
    context.close()
