"""Adoption reports over a large history, side by side with a direct GROUP BY over the base table.

Load the history once per database (minutes; see BENCHMARKS.md):
    MARKET_PAY_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/market_pay_reports MARKET_PAY_SECRET_KEY=x \\
        .venv/bin/market-pay db upgrade && .venv/bin/market-pay demo --transactions 10000000 --days 365
then, in the same run for each database:
    .venv/bin/python bench/bench_reports.py --database postgresql://postgres@127.0.0.1:5432/market_pay_reports \\
        --database sqlite:////tmp/bench_reports.db

Cases: the whole province over the last 365 days, and one commune over the last whole month.
Measured, alternating, --repeat times each (medians reported):
- report:  the report as the API serves it (a rollup refresh and commit, then both periods, the
           registry, the weekly trend, pooling and totals from the rollups);
- base:    the same report aggregated from bank_transaction and cash_sale (the exactness check too);
- groupby: the plain direct GROUP BY the issue names — credits per market over the period, one query.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COMMUNE = "00721"  # xã Đồng Văn: one market


def direct_group_by(first, last):
    """One GROUP BY over the transactions table: count and value of the period's credits per market."""
    from sqlalchemy import func, select

    from market_pay.extensions import db
    from market_pay.payments.models import BankTransaction
    from market_pay.reports.periods import Period
    from market_pay.reports.rollups import sale_filter
    from market_pay.vendors.models import Vendor

    start, end = Period(first, last).utc_bounds()
    query = (
        select(Vendor.market_id, func.count(), func.sum(BankTransaction.amount))
        .join(Vendor, Vendor.id == BankTransaction.vendor_id)
        .where(*sale_filter(), BankTransaction.booked_at >= start, BankTransaction.booked_at < end)
        .group_by(Vendor.market_id)
    )
    return db.session.execute(query).all()


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def comparable(report):
    return [(row.kind, row.market_code, vars(row.figures)) for row in report.rows]


def run(url: str, repeat: int):
    os.environ.update({"MARKET_PAY_DATABASE_URL": url, "MARKET_PAY_SECRET_KEY": "bench"})
    from market_pay import create_app
    from market_pay.common.local_time import local_zone
    from market_pay.extensions import db
    from market_pay.payments.models import BankTransaction
    from market_pay.reports.adoption import adoption_report
    from market_pay.reports.responses import fresh_report
    from tests.reports.base_figures import stall_figures_from_base

    app = create_app()
    with app.app_context():
        rows = db.session.scalar(db.select(db.func.count()).select_from(BankTransaction))
        today = datetime.now(local_zone()).date()
        month_end = today.replace(day=1) - timedelta(days=1)
        cases = [
            ("province, 365 days", "08", today - timedelta(days=364), today),
            ("commune, one month", COMMUNE, month_end.replace(day=1), month_end),
        ]
        print(f"\n{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}: {rows:,} bank transactions")
        for label, region, first, last in cases:
            times = {"report": [], "base": [], "groupby": []}
            for _ in range(repeat):
                elapsed, fast = timed(
                    partial(
                        fresh_report,
                        None,
                        {"region": region, "market": None, "first": first, "last": last, "active_min": 1},
                    )
                )
                times["report"].append(elapsed)
                elapsed, slow = timed(
                    partial(
                        adoption_report,
                        None,
                        region_code=region,
                        first=first,
                        last=last,
                        stall_figures=stall_figures_from_base,
                    )
                )
                times["base"].append(elapsed)
                assert comparable(fast) == comparable(slow), "the rollups disagree with the base tables"
                elapsed, _ = timed(partial(direct_group_by, first, last))
                times["groupby"].append(elapsed)
                db.session.rollback()
            report, base, groupby = (statistics.median(times[key]) for key in ("report", "base", "groupby"))
            print(
                f"  {label:<20} report {report * 1000:8.1f} ms   same report from base {base * 1000:8.1f} ms "
                f"({base / report:5.1f}×)   direct GROUP BY {groupby * 1000:8.1f} ms ({groupby / report:5.1f}×)"
                f"   [{first:%d/%m/%Y}–{last:%d/%m/%Y}, medians of {repeat}, figures equal]"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", action="append", required=True, help="A database URL (repeat for several).")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for url in args.database:
        # One process per database: the app and its engine are built per database URL.
        if len(args.database) > 1:
            import subprocess

            subprocess.run([sys.executable, __file__, "--database", url, "--repeat", str(args.repeat)], check=True)
        else:
            run(url, args.repeat)


if __name__ == "__main__":
    main()
