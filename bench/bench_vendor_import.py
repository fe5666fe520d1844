"""A market board's vendor spreadsheet imported in one request: POST /api/v1/markets/<code>/vendors/import.

For each run a fresh database (migrated to head) gets one market and an admin; the bench then posts
a CSV of N stalls (one account each) through the real route, in this process (Flask's test
client: the route, the schemas, the import and the commit, without the network), and times it.
It then posts the same file again and times the re-import (every stall unchanged, nothing
written). A two-row file is imported into another market first, as a running worker would have. It reports the median of the runs, on SQLite and on PostgreSQL.

    .venv/bin/python bench/bench_vendor_import.py                    # 10,000 rows, 3 runs, both databases
    .venv/bin/python bench/bench_vendor_import.py --rows 2000 --runs 1 --skip-postgresql
    # the code under test is whatever `market_pay` imports first: to measure another checkout,
    PYTHONPATH=/path/to/checkout .venv/bin/python bench/bench_vendor_import.py
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))  # after PYTHONPATH, so another checkout's code can be measured

from benchlib import recreate_database  # noqa: E402

import market_pay  # noqa: E402
from market_pay import create_app  # noqa: E402
from market_pay.auth.services import create_user, issue_token  # noqa: E402
from market_pay.extensions import db  # noqa: E402
from market_pay.markets.services import create_market  # noqa: E402
from market_pay.regions.services import create_region  # noqa: E402


def spreadsheet(rows: int, first_account: int = 7_000_000_000) -> str:
    banks = ["970436", "970405", "970415", "970418", "970422"]
    lines = ["stall_code,display_name,phone,floor_amount,bin,account_number,account_name"]
    lines += [
        f"S{n:05d},Sạp rau {n},0912{n:06d},{1000 if n % 3 == 0 else ''},{banks[n % 5]},{first_account + n},"
        f"NGUYỄN THỊ {n}"
        for n in range(rows)
    ]
    return "\n".join(lines) + "\n"


def one_run(url: str, csv_text: str, rows: int) -> tuple[float, float]:
    recreate_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret", "MATCHER": "off"})
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        create_region(None, {"code": "C1", "name": "Xã", "kind": "commune"})
        create_market(None, {"code": "BENCH", "name": "Chợ benchmark", "region_code": "C1"})
        create_market(None, {"code": "WARM", "name": "Chợ khởi động", "region_code": "C1"})
        token, _ = issue_token(create_user(None, "admin", "long-enough-pw", "admin"))
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    # A long-running worker has imported before: a tiny file first, so the timed ones are not firsts.
    client.post("/api/v1/markets/WARM/vendors/import", data=spreadsheet(2, 6_000_000_000).encode(), headers=headers)
    timings = []
    for expected in ({"created": rows, "unchanged": 0}, {"created": 0, "unchanged": rows}):
        started = time.perf_counter()
        response = client.post("/api/v1/markets/BENCH/vendors/import", data=csv_text.encode(), headers=headers)
        timings.append(time.perf_counter() - started)
        if response.status_code != 201 or response.get_json() != expected:
            raise SystemExit(f"import answered {response.status_code}: {response.get_data(as_text=True)[:500]}")
    with app.app_context():
        db.engine.dispose()
    return timings[0], timings[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1/market_pay_bench_vendor_import")
    parser.add_argument("--skip-postgresql", action="store_true")
    args = parser.parse_args()
    print(f"code under test: {Path(market_pay.__file__).parent}", flush=True)
    csv_text = spreadsheet(args.rows)
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        targets = [(f"sqlite:///{Path(scratch) / 'bench.db'}", "SQLite")]
        targets += [] if args.skip_postgresql else [(args.pg, "PostgreSQL")]
        for url, label in targets:
            runs = [one_run(url, csv_text, args.rows) for _ in range(args.runs)]
            result = {
                "database": label,
                "rows": args.rows,
                "import_median_s": round(statistics.median(r[0] for r in runs), 2),
                "import_runs": [round(r[0], 2) for r in runs],
                "reimport_median_s": round(statistics.median(r[1] for r in runs), 2),
                "reimport_runs": [round(r[1], 2) for r in runs],
            }
            print(json.dumps(result), flush=True)
            results.append(result)
    print(f"\n| database | rows | import median s ({args.runs} runs) | re-import (all unchanged) median s |")
    print("|---|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['database']} | {r['rows']:,} | {r['import_median_s']} ({', '.join(map(str, r['import_runs']))}) | "
            f"{r['reimport_median_s']} ({', '.join(map(str, r['reimport_runs']))}) |"
        )


if __name__ == "__main__":
    main()
