"""Reconcile a large statement against the matching callbacks, with bounded memory.

For each size, a fresh database gets one market of --accounts stalls and, written straight into
bank_transaction (as the callback path would have recorded them), the callbacks of the day: every
statement line except a few the bank "forgot" to call back, plus a few callbacks that are not on
the statement. Then `market-pay reconcile FILE --partner simbank` runs as its own process; the
bench reports its wall time and peak resident memory (from the kernel's accounting of the child),
checks the run's classification against what was planted, and compares memory across sizes: a
streaming reconciliation's memory must not grow with the file.

    .venv/bin/python bench/bench_reconcile.py                         # 100k and 1M lines, PostgreSQL then SQLite
    .venv/bin/python bench/bench_reconcile.py --sizes 1000000 --skip-sqlite
    .venv/bin/python bench/bench_reconcile.py --sizes 1000000 --skip-sqlite --formats csv,mt940,camt053

--formats (issue 24): the same day, the same callbacks, the statement converted from the CSV to
MT940 or camt.053 (which carry no partner transaction id: their lines are matched by account and
bank reference, the forgotten ones by time window, then recovered), each on a fresh database, one
after the other in the same run so their times can be compared.
"""

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import market_database  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from market_pay.reconciliation.statement_file import COLUMNS  # noqa: E402

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = datetime(2026, 11, 21, tzinfo=VIETNAM)
MISSING_EVERY = 1000  # 0.1 % of lines were never called back
UNLISTED_PER_ACCOUNT = 1  # one callback per account that the statement does not have


def prepare(url: str, accounts: int, tmp: Path) -> dict:
    return market_database(url, [("970405", str(6_000_000_000 + n)) for n in range(accounts)], tmp)


def plan(lines: int, accounts: int, path: Path, seed: int):
    """Write the statement; yield the callbacks the service recorded (dicts for the insert)."""
    rng = random.Random(seed)
    per_account = lines // accounts
    received = DAY.astimezone(ZoneInfo("UTC"))
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(COLUMNS) + "\n")
        number = 0
        for a in range(accounts):
            account = str(6_000_000_000 + a)
            balance = rng.randint(0, 50) * 100_000
            handle.write(f",,,970405,{account},opening,0,,{balance}\n")
            count = per_account + (1 if a < lines - per_account * accounts else 0)
            for k in range(count):
                number += 1
                amount = rng.randint(2, 500) * 1000
                booked = DAY + timedelta(hours=5, seconds=k * 40 + rng.randint(0, 39))
                txn_id, reference = f"SIM{number:09d}", f"FT{number:010d}"
                balance += amount
                handle.write(
                    f"{txn_id},{reference},{booked.isoformat()},970405,{account},in,{amount},"
                    f"CHUYEN TIEN {number},{balance}\n"
                )
                if number % MISSING_EVERY:
                    yield (txn_id, reference, account, amount, booked, received)
            handle.write(f",,,970405,{account},closing,0,,{balance}\n")
            for u in range(UNLISTED_PER_ACCOUNT):
                booked = DAY + timedelta(hours=18, minutes=u)
                # 1,500 đồng: no line has it (lines are whole thousands), so no line without an id
                # can take this callback in the time-window pass and the expected classes are exact.
                yield (f"UNL{a:06d}{u}", f"FX{a:06d}{u}", account, 1_500, booked, received)


INSERT_COLUMNS = (
    "partner",
    "partner_txn_id",
    "bank_reference",
    "bin",
    "account_number",
    "amount",
    "direction",
    "description",
    "booked_at",
    "received_at",
    "match_kind",
    "underpaid",
    "overpaid",
    "below_floor",
    "late",
    "reversed",
    "confirmation",
)


def _row(callback):
    txn_id, reference, account, amount, booked, received = callback
    return (
        "simbank",
        txn_id,
        reference,
        "970405",
        account,
        amount,
        "in",
        "CHUYEN TIEN",
        booked,
        received,
        "static",
        False,
        False,
        False,
        False,
        False,
        "provisional",
    )


def load_callbacks(url: str, callbacks) -> int:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    count = 0
    with engine.begin() as conn:
        if url.startswith("postgresql"):
            with conn.connection.cursor().copy(
                f"COPY bank_transaction ({', '.join(INSERT_COLUMNS)}) FROM STDIN"
            ) as copy:
                for callback in callbacks:
                    copy.write_row(_row(callback))
                    count += 1
        else:
            placeholders = ", ".join("?" for _ in INSERT_COLUMNS)
            cursor = conn.connection.cursor()
            batch = []
            for callback in callbacks:
                row = list(_row(callback))
                row[8], row[9] = row[8].astimezone(ZoneInfo("UTC")).isoformat(" "), row[9].isoformat(" ")
                batch.append(row)
                if len(batch) == 10_000:
                    cursor.executemany(
                        f"INSERT INTO bank_transaction ({', '.join(INSERT_COLUMNS)}) VALUES ({placeholders})", batch
                    )
                    count, batch = count + len(batch), []
            if batch:
                cursor.executemany(
                    f"INSERT INTO bank_transaction ({', '.join(INSERT_COLUMNS)}) VALUES ({placeholders})", batch
                )
                count += len(batch)
    engine.dispose()
    return count


def convert(source: Path, statement_format: str) -> Path:
    """The CSV statement, streamed into MT940 or camt.053 (one statement per account block)."""
    if statement_format == "csv":
        return source
    target = source.with_suffix(".sta" if statement_format == "mt940" else ".xml")
    with source.open(newline="", encoding="utf-8") as handle, target.open("w", encoding="utf-8") as out:
        rows = csv.reader(handle)
        next(rows)
        if statement_format == "camt053":
            out.write(
                '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:'
                'camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>BENCH</MsgId></GrpHdr>\n'
            )
        day = DAY.date()
        for number, (_txn_id, reference, booked, bin_code, account, direction, amount, text_, balance) in enumerate(
            rows
        ):
            if statement_format == "mt940":
                if direction == "opening":
                    out.write(f":20:B{number}\n:25:{bin_code}/{account}\n:28C:1/1\n:60F:C{day:%y%m%d}VND{balance},\n")
                elif direction == "closing":
                    out.write(f":62F:C{day:%y%m%d}VND{balance},\n-\n")
                else:
                    out.write(
                        f":61:{day:%y%m%d}{day:%m%d}{'C' if direction == 'in' else 'D'}{amount},NTRFNONREF//"
                        f"{reference}\n:86:{text_}\n"
                    )
            else:
                if direction == "opening":
                    out.write(
                        f"<Stmt><Id>B{number}</Id><Acct><Id><Othr><Id>{account}</Id></Othr></Id><Svcr><FinInstnId>"
                        f"<Othr><Id>{bin_code}</Id></Othr></FinInstnId></Svcr></Acct>\n<Bal><Tp><CdOrPrtry><Cd>"
                        f'OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="VND">{balance}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
                        "</Bal>\n"
                    )
                elif direction == "closing":
                    out.write(
                        f'<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="VND">{balance}</Amt>'
                        "<CdtDbtInd>CRDT</CdtDbtInd></Bal></Stmt>\n"
                    )
                else:
                    out.write(
                        f'<Ntry><Amt Ccy="VND">{amount}</Amt><CdtDbtInd>{"CRDT" if direction == "in" else "DBIT"}'
                        f"</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><DtTm>{booked}</DtTm></BookgDt><AcctSvcrRef>"
                        f"{reference}</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Ustrd>{text_}</Ustrd></RmtInf>"
                        "</TxDtls></NtryDtls></Ntry>\n"
                    )
        if statement_format == "camt053":
            out.write("</BkToCstmrStmt></Document>\n")
    return target


def timed_reconcile(env, statement: Path, tmp: Path) -> tuple[float, float, str, float]:
    """Wall seconds, peak RSS (MiB) and CPU seconds of the reconcile process alone (wait4 gives the
    child's own accounting; its output goes to files so nothing else has to reap it). The CPU time
    is the Python process's, not the database server's: on a loaded machine it says what the
    process itself costs when the wall time mostly says how long it waited for a core."""
    out_path, err_path = tmp / "reconcile.out", tmp / "reconcile.err"
    started = time.monotonic()
    with out_path.open("w") as out, err_path.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "market_pay.cli", "reconcile", str(statement), "--partner", "simbank"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=err,
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - started
    output = out_path.read_text() + err_path.read_text()
    if process.returncode != 0:
        raise SystemExit(f"reconcile failed: {output}")
    return elapsed, usage.ru_maxrss / 1024, output, usage.ru_utime + usage.ru_stime


def run_counts(url: str) -> dict:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        totals = conn.execute(text("SELECT totals FROM reconciliation_run")).scalar_one()
        breaks = dict(conn.execute(text("SELECT kind, count(*) FROM reconciliation_break GROUP BY kind")).all())
    engine.dispose()
    return {"totals": totals if isinstance(totals, dict) else json.loads(totals), "breaks": breaks}


def bench(url: str, label: str, size: int, accounts: int, tmp: Path, statement_format: str = "csv") -> dict:
    env = prepare(url, accounts, tmp)
    source = tmp / f"statement-{size}.csv"
    started = time.monotonic()
    loaded = load_callbacks(url, plan(size, accounts, source, seed=size))
    statement = convert(source, statement_format)
    setup_seconds = time.monotonic() - started
    seconds, rss, output, cpu = timed_reconcile(env, statement, tmp)
    counts = run_counts(url)
    missing = size // MISSING_EVERY
    expected = {
        "matched": size - missing,
        "missing_callback": missing,
        "not_on_statement": accounts * UNLISTED_PER_ACCOUNT,
    }
    totals = counts["totals"]
    found = {
        "matched": totals["matched"]["lines"],
        "missing_callback": totals["missing_callback"]["lines"],
        "not_on_statement": totals["not_on_statement"]["callbacks"],
    }
    result = {
        "database": label,
        "format": statement_format,
        "lines": size,
        "accounts": accounts,
        "callbacks": loaded,
        "file_mib": round(statement.stat().st_size / 2**20, 1),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "lines_per_second": round(size / seconds),
        "peak_rss_mib": round(rss, 1),
        "classification_ok": found == expected,
        "found": found,
        "setup_seconds": round(setup_seconds, 1),
    }
    print(json.dumps(result), flush=True)
    if found != expected:
        print(output, file=sys.stderr)
    statement.unlink()
    source.unlink(missing_ok=True)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1/market_pay_bench_reconcile")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgresql", action="store_true")
    parser.add_argument("--formats", default="csv", help="Comma-separated: csv, mt940, camt053.")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        targets = ([] if args.skip_postgresql else [(args.pg, "PostgreSQL")]) + (
            [] if args.skip_sqlite else [(f"sqlite:///{tmp / 'bench.db'}", "SQLite")]
        )
        for url, label in targets:
            for size in sizes:
                for statement_format in args.formats.split(","):
                    results.append(bench(url, label, size, args.accounts, tmp, statement_format))
    print("\n| database | format | lines | file MiB | seconds | lines/s | CPU s | peak RSS MiB | classification |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        print(
            f"| {r['database']} | {r['format']} | {r['lines']:,} | {r['file_mib']} | {r['seconds']} | {r['lines_per_second']:,} | "
            f"{r['cpu_seconds']} | "
            f"{r['peak_rss_mib']} | {'exact' if r['classification_ok'] else 'WRONG'} |"
        )


if __name__ == "__main__":
    main()
