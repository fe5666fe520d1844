"""A day pulled from SePay's v2 list (the local fake over real HTTP, in its own process): fetch
every page, spool to disk, write the day as statement rows and run the checking pass — beside the
checking pass of the same day as our CSV file. Each run in its own process, so its peak RSS is its
own: the pull's memory must not grow with the day. Interleaved, medians.

    .venv/bin/python bench/bench_pull.py --sizes 20000,100000 --repeats 3
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FAKE = """
import sys, time
from tests.reconciliation.partner_apis import FakePartners, FakeServer, Transaction
n = int(sys.argv[1])
day = [Transaction(f"{1000 + i % 200:012d}", 10_000 + i, f"2026-11-21 {i % 86400 // 3600:02d}:{i % 3600 // 60:02d}:{i % 60:02d}",
                   f"FT{i:010d}", legacy_id=i + 1) for i in range(n)]
with FakeServer(FakePartners(token="bench-token", sepay=day)) as base:
    print(base, flush=True)
    sys.stdin.read()
"""

PULL = """
import json, resource, sys, time
from datetime import date
from zoneinfo import ZoneInfo
from market_pay.reconciliation.pull import sepay
from market_pay.reconciliation.pull.client import ApiClient, RetryPolicy
from market_pay.reconciliation.pull.spool import Spool
from market_pay.reconciliation.statement_file import check_statement
started = time.monotonic()
client = ApiClient(sys.argv[1] + "/sepay", sepay.headers("bench-token"), RetryPolicy(budget_seconds=3600), "sepay")
spool = Spool("sepay", 10**7)
for record in sepay.fetch_v2(client, date(2026, 11, 21), 100_000):
    spool.add(record)
fetched = time.monotonic() - started
path = spool.write_statement({key: "970436" for key in spool.accounts()})
check = check_statement(path, ZoneInfo("Asia/Ho_Chi_Minh"), date(2026, 11, 21), "pulled")
seconds = time.monotonic() - started
lines, errors = check.lines, len(check.errors)
check.discard(); spool.discard()
print(json.dumps({"lines": lines, "errors": errors, "seconds": seconds, "fetch_seconds": fetched,
                  "requests": client.requests_made, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

CSV = """
import csv, json, resource, sys, time
from zoneinfo import ZoneInfo
from market_pay.reconciliation.statement_file import check_statement
started = time.monotonic()
check = check_statement(sys.argv[1], ZoneInfo("Asia/Ho_Chi_Minh"))
print(json.dumps({"lines": check.lines, "errors": len(check.errors), "seconds": time.monotonic() - started,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _csv_of_the_day(n: int, path: Path):
    """The same day as our CSV (with balances), what a file reconciliation would read."""
    import csv

    from market_pay.reconciliation.statement_file import COLUMNS

    by_account: dict = {}
    for i in range(n):
        by_account.setdefault(f"{1000 + i % 200:012d}", []).append(i)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for account, items in by_account.items():
            writer.writerow(["", "", "", "970436", account, "opening", "", "", 0])
            balance = 0
            for i in items:
                balance += 10_000 + i
                when = f"2026-11-21T{i % 86400 // 3600:02d}:{i % 3600 // 60:02d}:{i % 60:02d}"
                writer.writerow(
                    [i + 1, f"FT{i:010d}", when, "970436", account, "in", 10_000 + i, "chuyen tien", balance]
                )
            writer.writerow(["", "", "", "970436", account, "closing", "", "", balance])


def _child(code: str, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    output = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, env=env, check=True
    )
    return json.loads(output.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="20000,100000")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for n in (int(size) for size in args.sizes.split(",")):
        fake = subprocess.Popen(
            [sys.executable, "-c", FAKE, str(n)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        base = fake.stdout.readline().strip()
        results: dict = {"pull": [], "csv": []}
        with tempfile.TemporaryDirectory() as scratch:
            csv_path = Path(scratch) / "day.csv"
            _csv_of_the_day(n, csv_path)
            try:
                for _ in range(args.repeats):
                    results["pull"].append(_child(PULL, base))
                    results["csv"].append(_child(CSV, str(csv_path)))
            finally:
                fake.stdin.close()
                fake.wait(10)
        for name, runs in results.items():
            assert all(run["errors"] == 0 and run["lines"] == n for run in runs), runs
            seconds = statistics.median(run["seconds"] for run in runs)
            rss = max(run["peak_rss_mib"] for run in runs)
            extra = f"  requests {runs[0]['requests']}" if name == "pull" else ""
            print(
                f"{n:>8} {name:<5} median {seconds:7.2f} s  {n / seconds:9,.0f} lines/s  peak RSS {rss:6.1f} MiB{extra}"
            )
    print(f"load average {os.getloadavg()}  at {time.strftime('%Y-%m-%d %H:%M:%S')}")


if __name__ == "__main__":
    main()
