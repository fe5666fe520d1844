"""The checking pass alone (read, validate, balance chains; for MT940/camt also the spool of
normalized rows) over one statement in each format, without a database: where the formats' own
cost lies. Each format runs in its own process, so its peak RSS is its own; repeated, medians.

    .venv/bin/python bench/bench_statement_readers.py --lines 100000 --repeats 3
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CHILD = """
import json, resource, sys, time
from zoneinfo import ZoneInfo
from market_pay.reconciliation.statement_file import check_statement
started = time.monotonic()
check = check_statement(sys.argv[1], ZoneInfo("Asia/Ho_Chi_Minh"))
seconds = time.monotonic() - started
check.discard()
print(json.dumps({"format": check.format, "lines": check.lines, "errors": len(check.errors), "seconds": seconds,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from bench_reconcile import convert, plan

    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "statement.csv"
        for _ in plan(args.lines, args.accounts, source, seed=1):
            pass
        files = {name: convert(source, name) for name in ("csv", "mt940", "camt053")}
        results = {}
        for _ in range(args.repeats):
            for name, path in files.items():  # interleaved, so load changes hit every format alike
                output = subprocess.run(
                    [sys.executable, "-c", CHILD, str(path)],
                    capture_output=True,
                    text=True,
                    cwd=ROOT,
                    env={**os.environ, "PYTHONPATH": str(ROOT)},
                    check=True,
                ).stdout
                result = json.loads(output)
                assert result["errors"] == 0 and result["lines"] == args.lines, result
                results.setdefault(name, []).append(result)
    base = statistics.median(r["seconds"] for r in results["csv"])
    print(f"| format | lines | seconds (median of {args.repeats}) | µs/line | × CSV | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, runs in results.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        rss = max(r["peak_rss_mib"] for r in runs)
        print(
            f"| {name} | {args.lines:,} | {seconds:.1f} | {seconds / args.lines * 1e6:.0f} | {seconds / base:.2f} | "
            f"{rss:.0f} |"
        )


if __name__ == "__main__":
    main()
