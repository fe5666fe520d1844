"""The checking pass alone (read, validate, balance chains; for MT940/camt also the spool of
normalized rows) over one statement in each format, without a database: where the formats' own
cost lies. Each format runs in its own process, so its peak RSS is its own; repeated, medians.
Wall seconds and CPU seconds are both reported: on a loaded machine the wall time mostly measures
the load, the process's own CPU time much less so.

    .venv/bin/python bench/bench_statement_readers.py --lines 100000 --repeats 3
    .venv/bin/python bench/bench_statement_readers.py --code /path/to/other/checkout   # before/after

--code (repeatable) measures the readers of other checkouts too, interleaved with this one's on
the same files, so that a change is compared under the same load.
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
started, cpu = time.monotonic(), time.process_time()
check = check_statement(sys.argv[1], ZoneInfo("Asia/Ho_Chi_Minh"))
seconds, cpu = time.monotonic() - started, time.process_time() - cpu
check.discard()
print(json.dumps({"format": check.format, "lines": check.lines, "errors": len(check.errors), "seconds": seconds,
                  "cpu": cpu, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--code", action="append", default=[], help="Another checkout to measure (repeatable).")
    args = parser.parse_args()
    trees = [("this", ROOT)] + [(Path(code).name, Path(code).resolve()) for code in args.code]
    from bench_reconcile import convert, plan

    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "statement.csv"
        for _ in plan(args.lines, args.accounts, source, seed=1):
            pass
        files = {name: convert(source, name) for name in ("csv", "mt940", "camt053")}
        results = {}
        for _ in range(args.repeats):
            for name, path in files.items():  # interleaved, so load changes hit every format alike
                for tree, code in trees:
                    output = subprocess.run(
                        [sys.executable, "-c", CHILD, str(path)],
                        capture_output=True,
                        text=True,
                        cwd=code,
                        env={**os.environ, "PYTHONPATH": str(code)},
                        check=True,
                    ).stdout
                    result = json.loads(output)
                    assert result["errors"] == 0 and result["lines"] == args.lines, result
                    results.setdefault((tree, name), []).append(result)
    print(
        f"| code | format | lines | wall s (median of {args.repeats}) | CPU s | CPU µs/line | CPU × CSV | peak RSS MiB |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for (tree, name), runs in results.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        base = statistics.median(r["cpu"] for r in results[(tree, "csv")])
        rss = max(r["peak_rss_mib"] for r in runs)
        print(
            f"| {tree} | {name} | {args.lines:,} | {seconds:.1f} | {cpu:.2f} | {cpu / args.lines * 1e6:.1f} | "
            f"{cpu / base:.2f} | {rss:.0f} |"
        )


if __name__ == "__main__":
    main()
