"""A whole market's printable kit: `market-pay kits build --market … --layout a4x4` on one core.

For each size, a fresh database gets one market of N stalls (one account each); the command runs
as its own process pinned to one CPU (taskset), and the bench reports its wall time and peak
resident memory (the kernel's accounting of that child, via wait4), then checks the PDF: one A4
page per four cards, and the first and last pages' QR codes read back to their stalls' payloads.

    .venv/bin/python bench/bench_kits.py                          # 500 and 2,000 stalls, SQLite then PostgreSQL
    .venv/bin/python bench/bench_kits.py --sizes 500 --skip-postgresql
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pypdfium2  # noqa: E402
import zxingcpp  # noqa: E402
from benchlib import market_database  # noqa: E402

from market_pay.vietqr.codec import build  # noqa: E402


def accounts_for(stalls: int) -> list:
    banks = ["970436", "970405", "970415", "970418", "970422"]
    return [(banks[n % len(banks)], f"{7_000_000_000 + n}") for n in range(stalls)]


def timed_build(env, output: Path, tmp: Path) -> tuple[float, float]:
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    err_path = tmp / "kits.err"
    started = time.monotonic()
    with err_path.open("w") as err:
        process = subprocess.Popen(
            pin
            + [
                sys.executable,
                "-m",
                "market_pay.cli",
                "kits",
                "build",
                "--market",
                "BENCH",
                "--layout",
                "a4x4",
                "-o",
                str(output),
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("kits build failed: " + err_path.read_text())
    return elapsed, usage.ru_maxrss / 1024


def check_pdf(path: Path, accounts: list) -> bool:
    document = pypdfium2.PdfDocument(str(path))
    pages = len(document)
    ok = pages == (len(accounts) + 3) // 4
    # Stall codes sort S00000, S00001…: the first page holds the first four accounts.
    for index, expected in ((0, accounts[:4]), (pages - 1, accounts[(pages - 1) * 4 :])):
        image = document[index].render(scale=150 / 72).to_pil()
        found = sorted(code.text for code in zxingcpp.read_barcodes(image))
        ok = ok and found == sorted(build(bin_code, number) for bin_code, number in expected)
    return ok


def bench(url: str, label: str, stalls: int, tmp: Path) -> dict:
    accounts = accounts_for(stalls)
    env = market_database(url, accounts, tmp)
    output = tmp / f"kit-{stalls}.pdf"
    runs = [timed_build(env, output, tmp) for _ in range(3)]
    seconds = sorted(r[0] for r in runs)[1]
    result = {
        "database": label,
        "stalls": stalls,
        "median_seconds": round(seconds, 2),
        "runs": [round(r[0], 2) for r in runs],
        "peak_rss_mib": round(max(r[1] for r in runs), 1),
        "pdf_kib": round(output.stat().st_size / 1024),
        "pdf_ok": check_pdf(output, accounts),
    }
    print(json.dumps(result), flush=True)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="500,2000")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1/market_pay_bench_kits")
    parser.add_argument("--skip-postgresql", action="store_true")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        targets = [(f"sqlite:///{tmp / 'bench.db'}", "SQLite")] + (
            [] if args.skip_postgresql else [(args.pg, "PostgreSQL")]
        )
        for url, label in targets:
            for size in (int(s) for s in args.sizes.split(",")):
                results.append(bench(url, label, size, tmp))
    print("\n| database | stalls | A4 pages | median s (3 runs, one core) | peak RSS MiB | PDF KiB | QRs read back |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in results:
        print(
            f"| {r['database']} | {r['stalls']:,} | {(r['stalls'] + 3) // 4} | {r['median_seconds']} "
            f"({', '.join(map(str, r['runs']))}) | {r['peak_rss_mib']} | {r['pdf_kib']} | "
            f"{'yes' if r['pdf_ok'] else 'NO'} |"
        )


if __name__ == "__main__":
    main()
