"""`market-pay revenue book` and `market-pay revenue rules`, and the board's outlook figures."""

import json
from datetime import date

import pypdfium2
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from market_pay.audit.models import AuditLog
from market_pay.extensions import db
from market_pay.revenue.outlook import book_outlook, period_totals
from market_pay.revenue.periods import group_label
from market_pay.revenue.services import book_of
from market_pay.revenue.tax_rules import RulesError, packaged_text, parse_rules

pytestmark = pytest.mark.usefixtures("app")


def pdf_text(path) -> str:
    document = pypdfium2.PdfDocument(str(path))
    text = " ".join(" ".join(document[i].get_textpage().get_text_range() for i in range(len(document))).split())
    document.close()
    return text


def test_a_stall_book_for_a_quarter_as_pdf_and_xlsx(runner, book_world, tmp_path):
    market, stall = book_world["market"].code, book_world["stall"].stall_code
    result = runner.invoke(
        args=[
            "revenue",
            "book",
            "--market",
            market,
            "--stall",
            stall,
            "--period",
            "2026-Q2",
            "-o",
            str(tmp_path / "q2.pdf"),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "total 163.000 ₫" in result.output
    text = pdf_text(tmp_path / "q2.pdf")
    assert "01/04/2026 – 30/06/2026" in text and "Tổng cộng cả kỳ 148.000 15.000 163.000" in text
    result = runner.invoke(
        args=[
            "revenue",
            "book",
            "--market",
            market,
            "--stall",
            stall,
            "--period",
            "2026-Q2",
            "-o",
            str(tmp_path / "q2.xlsx"),
        ]
    )
    assert result.exit_code == 0, result.output
    rows = [tuple(c.value for c in row) for row in load_workbook(tmp_path / "q2.xlsx").active.iter_rows()]
    assert (None, "Tổng cộng cả kỳ", 148_000, 15_000, 163_000) in rows
    logged = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "revenue.download").order_by(AuditLog.id)  # (no ORDER BY: any order)
    ).all()
    assert [(row.actor_label, row.details["format"]) for row in logged] == [("cli", "pdf"), ("cli", "xlsx")]


def test_a_whole_markets_books_in_one_pdf_each_on_its_own_pages(runner, book_world, tmp_path):
    result = runner.invoke(
        args=[
            "revenue",
            "book",
            "--market",
            book_world["market"].code,
            "--period",
            "2026",
            "-o",
            str(tmp_path / "market.pdf"),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "2 book(s)" in result.output
    text = pdf_text(tmp_path / "market.pdf")
    assert text.count("SỔ DOANH THU BÁN HÀNG HOÁ, DỊCH VỤ") == 2
    assert book_world["stall"].stall_code in text and book_world["neighbour"].stall_code in text
    document = pypdfium2.PdfDocument(str(tmp_path / "market.pdf"))
    pages = [" ".join(document[i].get_textpage().get_text_range().split()) for i in range(len(document))]
    document.close()
    # Each book starts on its own page, numbered from 1, its footer naming its own stall.
    starts = [n for n, page in enumerate(pages) if page.startswith("SỔ DOANH THU")]
    assert len(starts) == 2 and starts[0] == 0
    first, second = sorted((book_world["stall"].stall_code, book_world["neighbour"].stall_code))
    assert f"{first} · 01/01/2026–31/12/2026 · Trang 1" in pages[starts[0]]
    assert f"{second} · 01/01/2026–31/12/2026 · Trang 1" in pages[starts[1]]
    assert pages[starts[1] - 1].endswith(f"{first} · 01/01/2026–31/12/2026 · Trang {starts[1]}")


@pytest.mark.parametrize(
    "args,message",
    [
        (["--period", "2026-Q5", "-o", "x.pdf"], "A period is YYYY"),
        (["--period", "2026", "-o", "x.docx"], "ends in .pdf, .xlsx or .csv"),
        (["--period", "2026", "-o", "x.xlsx"], "one PDF"),
        (["--stall", "NOPE", "--period", "2026", "-o", "x.pdf"], "No stall NOPE"),
    ],
)
def test_book_mistakes_are_one_line_and_a_failure(runner, book_world, tmp_path, args, message):
    result = runner.invoke(
        args=[
            "revenue",
            "book",
            "--market",
            book_world["market"].code,
            *[str(tmp_path / a) if a.startswith("x.") else a for a in args],
        ]
    )
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output


def test_rules_show_update_and_a_refused_file(runner, app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "REVENUE_TAX_RULES", str(tmp_path / "installed.json"))
    shown = runner.invoke(args=["revenue", "rules", "show"])
    assert shown.exit_code == 0, shown.output
    assert "2026: Nghị quyết 198/2025/QH15" in shown.output and "the packaged table" in shown.output
    broken = json.loads(packaged_text())
    broken["years"]["2026"]["groups"][1]["up_to"] = 100
    (tmp_path / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    refused = runner.invoke(args=["revenue", "rules", "update", str(tmp_path / "broken.json")])
    assert refused.exit_code == 1
    assert "years.2026.groups[1].up_to: bounds must rise" in refused.output
    assert not (tmp_path / "installed.json").exists()
    newer = json.loads(packaged_text())
    newer["years"]["2027"] = {**newer["years"]["2026"], "source": "Nghị định thử 2027", "source_date": "2026-11-30"}
    (tmp_path / "newer.json").write_text(json.dumps(newer, ensure_ascii=False), encoding="utf-8")
    installed = runner.invoke(args=["revenue", "rules", "update", str(tmp_path / "newer.json")])
    assert installed.exit_code == 0, installed.output
    assert "years 2026, 2027" in installed.output
    assert "2027: Nghị định thử 2027 [30/11/2026]" in runner.invoke(args=["revenue", "rules", "show"]).output


@pytest.mark.parametrize(
    "change,where",
    [
        (lambda d: d.pop("default_line"), "default_line"),
        (lambda d: d["years"]["2026"].pop("source"), "years.2026.source"),
        (lambda d: d["years"]["2026"].update(source_date="06/10/2025"), "years.2026.source_date"),
        (lambda d: d["years"]["2026"]["groups"][1]["rates"]["goods"].update(vat_bp=1.5), "vat_bp"),
        (lambda d: d["years"]["2026"]["groups"][1]["rates"].update(fishing={"vat_bp": 1, "pit_bp": 1}), "fishing"),
        (lambda d: d["years"]["2026"]["groups"][2].update(up_to=10**10), "no upper bound"),
        (lambda d: d["years"]["2026"]["groups"][0].update(declaration="weekly"), "declaration"),
    ],
)
def test_a_rules_file_is_checked_everywhere_it_can_be_wrong(change, where):
    data = json.loads(packaged_text())
    change(data)
    with pytest.raises(RulesError, match=where):
        parse_rules(json.dumps(data))


def test_the_outlook_reads_the_rollups_and_they_equal_the_book(book_world):
    stall = book_world["stall"]
    for first, last in (
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2026, 3, 31), date(2026, 4, 1)),
        (date(2026, 2, 15), date(2026, 7, 1)),
    ):
        from market_pay.reports import rollups

        rollups.refresh()
        book = book_of(stall, first, last)
        assert period_totals(stall.id, first, last) == (book.cashless, book.cash)


def test_the_pace_points_to_a_group_with_source_and_date_and_only_an_estimate(book_world):
    stall = book_world["stall"]
    stall.created_at = stall.created_at.replace(year=2025)
    db.session.commit()
    outlook = book_outlook(stall, "vi", today=date(2026, 7, 1))
    year = outlook["periods"][-1]
    assert (year["key"], year["total"]) == ("year", 484_000 + 87_000)  # H1 + 1 July
    assert outlook["pace"] == 571_000 * 365 // 182
    rule = outlook["rule"]
    assert rule["source_date"] == "06/10/2025" and "Quyết định 3389/QĐ-BTC" in rule["source"]
    assert rule["group"]["code"] == "under_threshold" and "estimate" not in rule["group"]
    assert book_outlook(stall, "vi", today=date(2027, 3, 1))["rule"] == {"missing": True, "year": 2027}


def test_a_middle_group_pace_shows_the_rate_on_revenue_as_an_estimate_only():
    from market_pay.revenue.outlook import _rule_view

    view = _rule_view(parse_rules(packaged_text()), 2026, 412_000_000, "vi")
    assert view["group"]["code"] == "middle" and view["group"]["declaration"] == "theo quý"
    assert view["group"]["estimate"] == {"rate": "1,5 %", "vat": "1 %", "pit": "0,5 %", "amount": "6 triệu ₫"}
    assert _rule_view(parse_rules(packaged_text()), 2026, 3_000_000_001, "en")["group"]["code"] == "upper"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2026", (date(2026, 1, 1), date(2026, 12, 31))),
        ("2026-Q1", (date(2026, 1, 1), date(2026, 3, 31))),
        ("2028-Q1", (date(2028, 1, 1), date(2028, 3, 31))),
        ("2026-H2", (date(2026, 7, 1), date(2026, 12, 31))),
        ("2028-02", (date(2028, 2, 1), date(2028, 2, 29))),
    ],
)
def test_periods_are_calendar_months_quarters_halves_and_years(text, expected):
    from market_pay.revenue.periods import parse_period

    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["9999", "1899-Q1", "2026-Q0", "2026-13", "2026-H3", "26-Q1", "2026Q1", ""])
def test_a_period_outside_the_calendar_the_service_handles_is_refused(text):
    from market_pay.revenue.periods import parse_period

    with pytest.raises(ValueError):
        parse_period(text)


def test_period_labels_read_as_words_in_both_languages():
    assert group_label("2026-12", "month") == "Tháng 12/2026"
    assert group_label("2026-12", "month", "en") == "December 2026"  # not the code "2026-12"
    assert (
        group_label("2026-Q4", "quarter", "en") == "Q4 2026"
        and group_label("2026-H2", "half") == "6 tháng cuối năm 2026"
    )
    assert group_label("2026-11-05", "day", "en") == "05/11/2026"
