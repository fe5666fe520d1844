"""A busy stall's revenue book for a year: ≈ 20,000 credits over three banks' accounts and a few
thousand cash sales, read as JSON (target ≤ 1 s) and as the A4 PDF (≤ 3 s), on each database.

    .venv/bin/python bench/bench_revenue.py --database sqlite:////tmp/bench_revenue.db \\
        --database postgresql://postgres@127.0.0.1:5432/market_pay_revenue --repeat 7

Each database is emptied and filled anew (the stall's year is written straight into the base tables,
as a bulk loader would, and the rollups refreshed). Then, alternating, --repeat times each: the JSON
answer and the PDF answer of GET /api/v1/vendors/<id>/revenue for the whole year, through the app
(authentication, the book service, the export), as the stall's market manager. Medians printed,
with the book's size (days, lines, PDF pages) and its check against the rollups.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import recreate_database  # noqa: E402

VN = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR = 2026
ACCOUNTS = [("970436", "0011001234567"), ("970422", "9704220000111"), ("970405", "1900123456789")]


def load(app, credits: int, cash_sales: int) -> int:
    """The stall's year; returns the stall's id."""
    from sqlalchemy import insert

    from market_pay.auth.services import create_user
    from market_pay.cash.models import CashSale
    from market_pay.extensions import db
    from market_pay.markets.services import create_market
    from market_pay.payments.models import BankTransaction
    from market_pay.regions.services import create_region
    from market_pay.reports import rollups
    from market_pay.vendors.services import register_vendor

    with app.app_context():
        create_region(None, {"code": "BR", "name": "Xã benchmark", "kind": "commune", "parent_code": None})
        create_market(None, {"code": "BM", "name": "Chợ benchmark", "region_code": "BR", "address": ""})
        vendor = register_vendor(
            None,
            {
                "market_code": "BM",
                "stall_code": "A-01",
                "display_name": "Tạp hoá bà Hoa",
                "legal_name": "NGUYỄN THỊ HOA",
                "phone": "0912345678",
                "floor_amount": None,
                "accounts": [{"bin": b, "account_number": a, "account_name": "NGUYỄN THỊ HOA"} for b, a in ACCOUNTS],
            },
        )
        create_user(None, "bench-manager", "correct-horse-battery", "market_manager", "BM")
        db.session.commit()
        rng = random.Random(21)
        start = datetime(YEAR, 1, 1, tzinfo=VN)
        rows = []
        for n in range(credits):
            account = vendor.accounts[n % 3]
            booked = start + timedelta(seconds=rng.randrange(365 * 86400))
            rows.append(
                {
                    "partner": "simbank",
                    "partner_txn_id": f"B{n}",
                    "bank_reference": f"FT{n:010d}",
                    "bin": account.bin,
                    "account_number": account.account_number,
                    "amount": rng.choice((10_000, 20_000, 35_000, 50_000, 120_000, 250_000)),
                    "direction": "in",
                    "description": "",
                    "booked_at": booked,
                    "received_at": booked,
                    "match_kind": "static",
                    "receiving_account_id": account.id,
                    "vendor_id": vendor.id,
                    "confirmation": rng.choice(("confirmed", "confirmed", "provisional", "recovered")),
                    "reversed": rng.random() < 0.003,
                    "feed_seq": n + 1,
                    "underpaid": False,
                    "overpaid": False,
                    "below_floor": False,
                    "late": False,
                }
            )
        for chunk in range(0, len(rows), 2000):
            db.session.execute(insert(BankTransaction), rows[chunk : chunk + 2000])
        db.session.execute(
            insert(CashSale),
            [
                {
                    "market_id": vendor.market_id,
                    "vendor_id": vendor.id,
                    "amount": rng.choice((5_000, 15_000, 40_000)),
                    "count": 1,
                    "occurred_at": start + timedelta(seconds=rng.randrange(365 * 86400)),
                    "source": "stall",
                    "created_at": start,
                }
                for _ in range(cash_sales)
            ],
        )
        db.session.commit()
        rollups.refresh()
        db.session.commit()
        return vendor.id


def run(url: str, repeat: int, credits: int, cash_sales: int) -> dict:
    import pypdfium2

    from market_pay import create_app
    from market_pay.auth.models import User
    from market_pay.auth.services import issue_token
    from market_pay.extensions import db

    recreate_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "MATCHER": "off"})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    vendor_id = load(app, credits, cash_sales)
    with app.app_context():
        token, _ = issue_token(db.session.query(User).filter_by(username="bench-manager").one())
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/vendors/{vendor_id}/revenue?from={YEAR}-01-01&to={YEAR}-12-31&group=month"
    times = {"json": [], "pdf": []}
    answers = {}
    for _ in range(repeat):
        for kind in ("json", "pdf"):
            started = time.perf_counter()
            response = client.get(f"{path}&format={kind}", headers=headers)
            times[kind].append(time.perf_counter() - started)
            assert response.status_code == 200, response.data[:300]
            answers[kind] = response
    book = answers["json"].get_json()
    document = pypdfium2.PdfDocument(answers["pdf"].data)
    pages = len(document)
    document.close()
    with app.app_context():
        from market_pay.revenue.outlook import period_totals

        rollup = period_totals(vendor_id, date(YEAR, 1, 1), date(YEAR, 12, 31))
        db.engine.dispose()
    lines = sum(len(day["lines"]) + (1 if day["cash"] else 0) for day in book["days"])
    return {
        "database": url.split(":")[0],
        "credits": credits,
        "cash_sales": cash_sales,
        "days": len(book["days"]),
        "book_lines": lines,
        "pdf_pages": pages,
        "pdf_kb": len(answers["pdf"].data) // 1024,
        "equals_rollups": rollup == (book["cashless"], book["cash"]),
        "json_median_s": statistics.median(times["json"]),
        "pdf_median_s": statistics.median(times["pdf"]),
        "json_runs": times["json"],
        "pdf_runs": times["pdf"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", action="append", required=True, help="A database URL (emptied first).")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--credits", type=int, default=20_000)
    parser.add_argument("--cash-sales", type=int, default=3_000)
    args = parser.parse_args()
    for url in args.database:
        figures = run(url, args.repeat, args.credits, args.cash_sales)
        runs = lambda key, figures=figures: ", ".join(f"{t:.3f}" for t in figures[key])  # noqa: E731
        print(
            f"{figures['database']}: {figures['credits']} credits + {figures['cash_sales']} cash sales → "
            f"{figures['days']} days, {figures['book_lines']} book lines, PDF {figures['pdf_pages']} pages "
            f"({figures['pdf_kb']} KB); equals the rollups: {figures['equals_rollups']}"
        )
        print(f"  JSON median {figures['json_median_s']:.3f} s ({runs('json_runs')})")
        print(f"  PDF  median {figures['pdf_median_s']:.3f} s ({runs('pdf_runs')})")


if __name__ == "__main__":
    main()
