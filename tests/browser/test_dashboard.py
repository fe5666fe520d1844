"""The staff dashboard in a real browser, on the demo's data (markets, stalls, three weeks of
history): the page loads, the charts are drawn, and the CSV download holds the API's figures."""

import csv
import io
import json
import urllib.request
from pathlib import Path

import pytest

from market_pay.demo.loader import DEMO_LOGINS

pytestmark = pytest.mark.slow
USERNAME, PASSWORD = next((u, p) for u, p, role, scope, _ in DEMO_LOGINS if role == "region_staff" and scope == "08")


def api_report(base: str, query: str) -> dict:
    token_request = urllib.request.Request(
        f"{base}/api/v1/auth/token",
        method="POST",
        data=json.dumps({"username": USERNAME, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(token_request, timeout=10) as response:
        token = json.load(response)["token"]
    request = urllib.request.Request(
        f"{base}/api/v1/reports/adoption?{query}", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def test_the_dashboard_draws_its_charts_and_downloads_the_api_figures(browser, demo_service):
    context = browser.new_context(locale="vi-VN", accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{demo_service}/reports")
    assert page.url.endswith("/staff/login")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{demo_service}/reports")
    assert page.title().startswith("Thanh toán không tiền mặt")
    # Pick a period with the form, as a user would.
    page.fill("#from", "2026-01-01")
    page.fill("#to", page.input_value("#to"))
    page.click("#show")
    page.wait_for_load_state()
    first, last = page.input_value("#from"), page.input_value("#to")
    report = api_report(demo_service, f"region=08&from={first}&to={last}")
    markets = [row for row in report["rows"] if row["kind"] == "market"]
    assert markets, "the demo history should make every demo market active"
    # The share chart: one drawn bar per market (or pool) with a share, as wide as its share.
    bars = page.eval_on_selector_all(
        "svg.share-chart rect.bar", "els => els.map(e => [e.dataset.share, e.getBoundingClientRect().width])"
    )
    shares = [
        row["share_by_value"]
        for row in report["rows"]
        if row["kind"] in ("market", "other_markets") and row["share_by_value"] is not None
    ]
    assert [round(float(share), 4) for share, _ in bars] == [round(share, 4) for share in shares]
    assert all(width > 0 for _, width in bars)
    widest = max(bars, key=lambda bar: float(bar[0]))
    narrowest = min(bars, key=lambda bar: float(bar[0]))
    assert widest[1] >= narrowest[1]
    # The weekly trend: the share per week with figures (a point, or "—" without cash recorded).
    drawn = page.eval_on_selector_all("svg.trend-chart circle.week", "els => els.map(e => e.dataset.share)")
    weeks = [week for week in report["weekly"] if week["has_data"]]
    assert drawn == [f"{week['share_by_value']:.4f}" for week in weeks if week["share_by_value"] is not None]
    assert len(drawn) >= 3
    # The table shows the API's figures in Vietnamese formats.
    first_value = page.text_content(f"tr[data-market='{markets[0]['market_code']}'] .cashless-value")
    assert first_value == f"{markets[0]['cashless_value']:,}".replace(",", ".") + " ₫"
    # The CSV download: the same figures as the API.
    with page.expect_download() as download_info:
        page.click("#download-csv")
    download = download_info.value
    assert (
        download.suggested_filename == f"bao-cao-khong-tien-mat-08-{first.replace('-', '')}-{last.replace('-', '')}.csv"
    )
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text.split("\n\n")[0].split("\r\n\r\n")[0])))
    by_code = {row["Mã chợ"]: row for row in rows if row["Mã chợ"]}
    for market in markets:
        row = by_code[market["market_code"]]
        assert int(row["Giá trị không tiền mặt (₫)"]) == market["cashless_value"]
        assert int(row["Số GD tiền mặt"]) == market["cash_count"]
        assert int(row["Sạp hoạt động"]) == market["active_stalls"]
    total = next(row for row in rows if row["Chợ"].startswith("Tổng cộng"))
    assert int(total["Giá trị không tiền mặt (₫)"]) == report["rows"][-1]["cashless_value"]
    # The Excel button gives a workbook.
    with page.expect_download() as xlsx_info:
        page.click("#download-xlsx")
    assert xlsx_info.value.suggested_filename.endswith(".xlsx")
    context.close()
