"""The database's share of a callback, alone: pgbench runs the recording statement a callback
sends (payments/callbacks.py, _RECORD_SQL) beside the lean ceiling's one-row insert, with no
Python in the way, so the figures say what PostgreSQL itself must do per callback.

Three statements, each as many times as it can in --duration seconds from 8 clients, rounds
interleaved (the machine is shared: compare within a round, quote medians):
- lean:       INSERT INTO bench_ceiling (body) — what /bench/ceiling-lean sends;
- two rows:   the recording statement for a delivery that is not a plain static sale (the raw
              inbox row and the pending transaction, both idempotency keys checked);
- static sale: the same statement allocating a plain static sale to its stall (account lookup,
              duplicate checks, the stall's feed number, rollup marker).

    .venv/bin/python bench/bench_recording_sql.py --rounds 3 --duration 8
Needs pgbench (PostgreSQL's client tools) and the local PostgreSQL.
"""

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import market_database  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

URL = "postgresql://postgres@127.0.0.1:5432/market_pay_bench_sql"
STALLS = 200
BODY = (
    '{"transaction_id":"T\' || :n || \'","bank_reference":"FT\' || :n || \'","bin":"970405",'
    '"account_number":"5000000001","amount":5000,"direction":"in",'
    '"description":"MBVCB.1234567.CHUYEN TIEN MUA RAU","booked_at":"2026-11-22T09:00:00+07:00",'
    '"payer_name":"TRAN VAN B"}'
)
# pgbench draws :n (a fresh delivery), :acct (one of the stalls) and :amt per statement.
DRAWS = f"\\set n random(1, 2000000000)\n\\set acct random(0, {STALLS - 1})\n\\set amt random(2, 500) * 1000\n"


def _parameters(static_sale: bool) -> dict:
    """The statement's parameters as SQL over pgbench's variables (the values a unique
    simbank static-QR credit carries)."""
    return {
        "partner": "'simbank'",
        "partner_txn_id": "('T' || :n)",
        "bank_reference": "('FT' || :n)",
        "bin": "'970405'",
        "account_number": "(5000000000 + :acct)::text",
        "amount": ":amt",
        "direction": "'in'",
        "description": "'MBVCB.1234567.CHUYEN TIEN MUA RAU'",
        "booked_at": "now()",
        "received_at": "now()",
        "payer_name": "'TRAN VAN B'",
        "payer_account": "NULL::text",
        "payer_bin": "NULL::text",
        "reverses_txn_id": "NULL::text",
        "remote_addr": "'127.0.0.1'",
        "auth_header": "'t=1700000000,v1=" + "ab" * 32 + "'",
        "body": f"'{BODY}'",
        "body_sha256": "md5(:n::text) || md5(:n::text)",
        "static_sale": "true" if static_sale else "false",
    }


def recording_script(static_sale: bool) -> str:
    from market_pay.payments.callbacks import _RECORD_SQL

    values = _parameters(static_sale)
    # Bound parameters are ":name" (a "::type" cast is not one).
    sql = re.sub(r"(?<!:):([a-z_0-9]+)", lambda match: values[match.group(1)], _RECORD_SQL.text)
    return DRAWS + " ".join(sql.split()) + ";\n"


def lean_script() -> str:
    return DRAWS + f"INSERT INTO bench_ceiling (body) VALUES ('{BODY}') RETURNING id;\n"


def pgbench(script: Path, duration: int, clients: int) -> float:
    output = subprocess.run(
        [
            "pgbench",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-n",
            "-M",
            "prepared",
            "-c",
            str(clients),
            "-j",
            "2",
            "-T",
            str(duration),
            "-f",
            str(script),
            "market_pay_bench_sql",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if not re.search(r"number of failed transactions: 0 ", output):
        raise RuntimeError(f"pgbench reported failures:\n{output}")
    return float(re.search(r"^tps = ([\d.]+)", output, re.MULTILINE).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        market_database(URL, [("970405", f"{5_000_000_000 + n}") for n in range(STALLS)], tmp)
        engine = create_engine(URL.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE bench_ceiling (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)"))
        engine.dispose()
        scripts = {"lean": lean_script(), "two rows": recording_script(False), "static sale": recording_script(True)}
        paths = {}
        for name, script in scripts.items():
            paths[name] = tmp / f"{name.replace(' ', '_')}.sql"
            paths[name].write_text(script, encoding="utf-8")
        rounds = []
        for round_number in range(args.rounds):
            row = {name: pgbench(path, args.duration, args.clients) for name, path in paths.items()}
            rounds.append(row)
            print(json.dumps({"round": round_number, **{name: round(tps) for name, tps in row.items()}}), flush=True)
    print("\n| statement | statements/s (median) | of lean | machine µs each |")
    print("|---|---:|---:|---:|")
    for name in scripts:
        tps = statistics.median(row[name] for row in rounds)
        lean = statistics.median(row["lean"] for row in rounds)
        # Two cores, shared by PostgreSQL and pgbench: the CPU time one statement takes of them.
        print(f"| {name} | {tps:,.0f} | {tps / lean:.0%} | {2e6 / tps:,.0f} |")


if __name__ == "__main__":
    main()
