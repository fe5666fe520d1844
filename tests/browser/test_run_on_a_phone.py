"""A reconciliation run read on a small phone (360 px): every figure of the classes table stays
inside its cell (a day's 15.345.000 ₫ once ran into the "Tiền ra" beside it)."""

import time

import pytest

from tests.browser.conftest import browser, playwright_api  # noqa: F401  (the shared Chromium)
from tests.office.test_office_browser import admin_in_the_office, office_service  # noqa: F401

pytestmark = pytest.mark.slow


def test_the_run_s_figures_fit_their_cells_at_360_px(browser, office_service, tmp_path):  # noqa: F811
    from tests.reconciliation.statements import line, write_statement

    base = office_service
    context, page = admin_in_the_office(browser, base, {"width": 360, "height": 780})
    page.goto(f"{base}/office/m/DV/reconciliation")
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 3600))
    lines = [line(f"PHONE-{n}", f"FT7{n}", f"{day}T08:0{n}:00+07:00", 5_115_000, description="MUA") for n in range(3)]
    statement = write_statement(tmp_path / "sao-ke-phone.csv", [("970405", "1900123456789", 0, lines, None)])
    page.set_input_files("#statement-form input[type=file]", str(statement))
    page.click("#upload-statement")
    page.wait_for_url("**/reconciliation/*")
    assert "15.345.000 ₫" in page.text_content("table.classes")
    spilling = page.eval_on_selector_all(
        "table.classes td",
        "cells => cells.filter(td => td.scrollWidth > td.clientWidth + 1).map(td => td.textContent.trim())",
    )
    assert spilling == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
