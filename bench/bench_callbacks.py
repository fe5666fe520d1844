"""Sustained signed `simbank` callbacks through gunicorn + a real database, against a ceiling.

Each round runs wrk (16 connections, C load generator on loopback) first against the ceiling
endpoint (same app, gunicorn and database; it only inserts the raw body into one table) and then
against POST /api/v1/callbacks/simbank with unique, correctly signed static-QR credits. After the
callback runs, every callback wrk issued is replayed as a bank would retry unanswered ones, and the
database is checked against the ledger: lost = 0 and double-counted = 0, per account.

    .venv/bin/python bench/bench_callbacks.py                      # PostgreSQL, then SQLite
    .venv/bin/python bench/bench_callbacks.py --skip-sqlite --stalls 200 1   # spread, then one stall

With several --stalls values the whole benchmark runs once per value (a fresh database each),
one after the other in the same run, and the table has a row per value. One stall is the worst
case: every callback credits the same stall, whose feed counter row each recording statement
locks until it commits, so those callbacks take turns however many workers there are.
Needs wrk (apt-get install wrk) and the local PostgreSQL.
"""

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import market_database, market_pay  # noqa: E402
from cpu_accounting import per_request_us, snapshot  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

SECRET = "bench-simbank-secret"
CALLBACK_PATH = "/api/v1/callbacks/simbank"


def prepare_database(url: str, stalls: int, tmp: Path) -> tuple[dict, list]:
    """A fresh database with one market of `stalls` stalls; returns (env, accounts)."""
    accounts = [("970405", f"{5_000_000_000 + n}") for n in range(stalls)]
    env = market_database(url, accounts, tmp)
    market_pay(env, "partners", "set", "simbank", "--secret", SECRET)
    engine = create_engine(_sqlalchemy_url(url))
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE bench_ceiling (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
                if url.startswith("sqlite")
                else "CREATE TABLE bench_ceiling (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)"
            )
        )
    engine.dispose()
    return env, accounts


def _sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def write_bodies(path: Path, accounts, count: int, tag: str, rng: random.Random) -> dict:
    """Signed callback lines "<X-Signature>\\t<body>"; returns {transaction_id: (account, amount, body, sig)}."""
    from market_pay.payments.signatures import sign_simbank

    ledger = {}
    now = int(time.time())
    with path.open("w", encoding="utf-8") as handle:
        for n in range(count):
            bin_code, account = rng.choice(accounts)
            amount = rng.randint(2, 500) * 1000
            body = json.dumps(
                {
                    "transaction_id": f"{tag}{n:08d}",
                    "bank_reference": f"FT{tag}{n:08d}",
                    "bin": bin_code,
                    "account_number": account,
                    "amount": amount,
                    "direction": "in",
                    "description": "MBVCB.1234567.CHUYEN TIEN MUA RAU",
                    "booked_at": "2026-11-22T09:00:00+07:00",
                    "payer_name": "TRAN VAN B",
                },
                separators=(",", ":"),
            )
            signature = sign_simbank(SECRET, body.encode(), now)
            handle.write(f"{signature}\t{body}\n")
            ledger[f"{tag}{n:08d}"] = (account, amount, body, signature)
    return ledger


def start_gunicorn(env, workers: int, threads: int, port: int, app_spec: str = "bench.ceiling_wsgi:app"):
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--backlog",
        "2048",
        app_spec,
    ]
    if threads > 1:
        args[3:3] = ["--threads", str(threads)]
    # A file, not a pipe: the service logs a line per request, and an unread pipe blocks it.
    log = tempfile.TemporaryFile()  # noqa: SIM115 (open for the server's life; closed when it stops)
    server = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    server.stderr_file = log
    import urllib.request

    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("gunicorn did not start")


def run_wrk(port: int, path: str, lines: Path, duration: int, connections: int, wrk_threads: int) -> dict:
    output = subprocess.run(
        [
            "wrk",
            f"-t{wrk_threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench/callbacks.lua"),
            f"http://127.0.0.1:{port}",
            "--",
            str(lines),
            str(wrk_threads),
            path,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[7:])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def measured(server, matcher, port: int, path: str, lines: Path, args) -> dict:
    """run_wrk, plus the CPU each part of the stack spent per request meanwhile."""
    before = snapshot(server.pid, matcher.pid if matcher else None)
    result = run_wrk(port, path, lines, args.duration, args.connections, args.wrk_threads)
    after = snapshot(server.pid, matcher.pid if matcher else None)
    result["cpu_us"] = per_request_us(before, after, result["requests"])
    if path != CALLBACK_PATH and (result["non2xx"] or result["errors"]):  # a broken ceiling measures nothing
        raise RuntimeError(f"{path}: {result['non2xx']} non-2xx answers, {result['errors']} errors")
    return result


def replay_issued(port: int, ledger: dict, issued_per_thread: list, wrk_threads: int) -> dict:
    """Re-send everything wrk issued (a bank retries what it got no answer to): all must be 2xx."""
    import http.client

    ids = sorted(ledger)
    mine = [
        [tid for index, tid in enumerate(ids) if index % wrk_threads == t][: issued_per_thread[t]]
        for t in range(wrk_threads)
    ]
    issued = [tid for share in mine for tid in share]
    outcomes = defaultdict(int)

    def send(chunk):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        from market_pay.payments.signatures import sign_simbank

        for tid in chunk:
            body = ledger[tid][2].encode()
            connection.request(
                "POST",
                CALLBACK_PATH,
                body,
                {"Content-Type": "application/json", "X-Signature": sign_simbank(SECRET, body, int(time.time()))},
            )
            response = connection.getresponse()
            outcomes[(response.status, json.loads(response.read()).get("status"))] += 1
        connection.close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(send, [issued[i::8] for i in range(8)]))
    return {"issued": issued, "outcomes": dict(outcomes)}


def wait_matched(url: str, started: float) -> float:
    """Seconds from `started` until the matcher has allocated everything recorded."""
    import market_pay.models  # noqa: F401
    from market_pay.payments.models import BankTransaction

    engine = create_engine(_sqlalchemy_url(url))
    try:
        while True:
            with engine.connect() as conn:
                pending = conn.scalar(
                    select(func.count()).select_from(BankTransaction).where(BankTransaction.match_kind == "pending")
                )
            if not pending:
                return time.monotonic() - started
            time.sleep(0.05)
    finally:
        engine.dispose()


def check_ledger(url: str, ledger: dict, issued: list) -> dict:
    """lost / double-counted against the bank ledger, per account. Only this round's rows (their
    ids carry the round's tag): the earlier rounds' stay in the database and are not unexpected."""
    import market_pay.models  # noqa: F401
    from market_pay.payments.models import BankTransaction

    tag = next(iter(ledger))[:-8]  # write_bodies' ids: the round's tag, then 8 digits
    engine = create_engine(_sqlalchemy_url(url))
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                BankTransaction.partner_txn_id,
                BankTransaction.account_number,
                BankTransaction.amount,
                BankTransaction.vendor_id,
            ).where(BankTransaction.partner_txn_id.startswith(tag, autoescape=True))
        ).all()
    engine.dispose()
    recorded = defaultdict(int)
    for tid, *_ in rows:
        recorded[tid] += 1
    expected_sum, actual_sum = defaultdict(int), defaultdict(int)
    for tid in issued:
        expected_sum[ledger[tid][0]] += ledger[tid][1]
    for tid, account, amount, vendor_id in rows:
        if tid in ledger and vendor_id is not None:
            actual_sum[account] += amount
    return {
        "lost": sum(1 for tid in issued if recorded[tid] == 0),
        "double": sum(1 for count in recorded.values() if count > 1),
        "unexpected": sum(1 for tid in recorded if tid not in ledger),
        "accounts_differing": sum(1 for a in expected_sum if expected_sum[a] != actual_sum[a]),
    }


def start_matcher(env):
    # `matcher run` lowers its own priority (payments/match_worker.py: yield_to_requests).
    return subprocess.Popen(
        [sys.executable, "-m", "market_pay.cli", "matcher", "run"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def bench(url: str, label: str, args, stalls: int) -> list:
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env, accounts = prepare_database(url, stalls, tmp)
        port = 18000 + random.randint(0, 999)
        matcher = None
        if args.matcher == "process":
            # The deployment for bursts: web workers only record; one matcher process, at a lower
            # CPU priority, allocates behind them and catches up when the burst ends.
            env = {**env, "MARKET_PAY_MATCHER": "off"}
            matcher = start_matcher(env)
        elif args.matcher == "after":
            # Pure ingest, for comparison: nothing matches during the first burst; a matcher
            # process starts when it ends (and then stays, so later rounds are like "process").
            env = {**env, "MARKET_PAY_MATCHER": "off"}
        else:
            env = {**env, "MARKET_PAY_MATCHER": "thread"}
        server = start_gunicorn(env, args.workers, args.threads, port)
        bare_server = None
        if args.bare and url.startswith("postgresql"):
            # The bare ceiling: a separate tiny Flask app, same worker model, one autocommit
            # INSERT … ON CONFLICT DO NOTHING into a one-table database (bench/bare_ceiling_wsgi.py).
            from bare_ceiling_wsgi import create_schema
            from benchlib import recreate_database

            recreate_database(args.bare_url)
            create_schema(args.bare_url)
            bare_server = start_gunicorn(
                {**env, "BARE_DATABASE_URL": args.bare_url},
                args.workers,
                args.threads,
                port + 1,
                "bench.bare_ceiling_wsgi:app",
            )
        try:
            warm = tmp / "warm.txt"
            write_bodies(warm, accounts, 3000, "W", random.Random(1))
            run_wrk(port, "/bench/ceiling", warm, 2, args.connections, args.wrk_threads)
            for round_number in range(args.rounds):
                lines = tmp / f"round{round_number}.txt"
                count = args.duration * args.max_rate
                ledger = write_bodies(
                    lines, accounts, count, f"R{round_number}{label[:2].upper()}", random.Random(round_number)
                )
                bare = measured(bare_server, None, port + 1, "/ingest", lines, args) if bare_server else None
                ceiling = measured(server, matcher, port, "/bench/ceiling", lines, args)
                lean = measured(server, matcher, port, "/bench/ceiling-lean", lines, args) if args.lean else None
                callbacks = measured(server, matcher, port, CALLBACK_PATH, lines, args)
                assert sum(callbacks["issued"]) < count, "ran out of pre-signed callbacks: raise --max-rate"
                started = time.monotonic()
                if args.matcher == "after" and matcher is None:
                    # Requests still in flight when wrk stops commit later: keep matching.
                    matcher = start_matcher(env)
                callbacks["matching_lag_s"] = wait_matched(url, started)
                replay = replay_issued(port, ledger, callbacks["issued"], args.wrk_threads)
                wait_matched(url, time.monotonic())
                check = check_ledger(url, ledger, replay["issued"])
                rows.append(
                    {
                        "label": label,
                        "round": round_number,
                        "bare": bare,
                        "ceiling": ceiling,
                        "lean": lean,
                        "callbacks": callbacks,
                        "replay": replay["outcomes"],
                        "check": check,
                    }
                )
                print(
                    json.dumps(
                        {
                            "label": label,
                            "round": round_number,
                            "bare_rps": round(bare["rps"]) if bare else None,
                            "ceiling_rps": round(ceiling["rps"]),
                            "lean_ceiling_rps": round(lean["rps"]) if lean else None,
                            "callbacks_rps": round(callbacks["rps"]),
                            "p50": callbacks["p50_ms"],
                            "p99": callbacks["p99_ms"],
                            "cpu_us": {
                                **({"bare": bare["cpu_us"]} if bare else {}),
                                "ceiling": ceiling["cpu_us"],
                                **({"lean ceiling": lean["cpu_us"]} if lean else {}),
                                "callbacks": callbacks["cpu_us"],
                            },
                            "non2xx": callbacks["non2xx"],
                            "matching_lag_s": round(callbacks["matching_lag_s"], 2),
                            "errors": callbacks["errors"],
                            "replay": {f"{k[0]} {k[1]}": v for k, v in replay["outcomes"].items()},
                            "check": check,
                        }
                    ),
                    flush=True,
                )
        finally:
            if bare_server is not None:
                bare_server.terminate()
                bare_server.wait(timeout=30)
            if matcher is not None:
                matcher.terminate()
                matcher.wait(timeout=30)
            server.terminate()
            server.wait(timeout=30)
            server.stderr_file.seek(0)
            if b"database is locked" in server.stderr_file.read():
                print(f"{label}: 'database is locked' appeared in the server log", flush=True)
    return rows


def summarise(rows: list, label: str):
    mine = [r for r in rows if r["label"] == label]
    med = statistics.median
    ceiling = med([r["ceiling"]["rps"] for r in mine])
    callbacks = med([r["callbacks"]["rps"] for r in mine])
    leans = [r["lean"]["rps"] for r in mine if r["lean"]]
    lean = f"{med(leans):,.0f} ({callbacks / med(leans):.0%})" if leans else "–"
    bares = [r["callbacks"]["rps"] / r["bare"]["rps"] for r in mine if r["bare"]]
    bare = f"{med([r['bare']['rps'] for r in mine if r['bare']]):,.0f} ({med(bares):.2f} ×)" if bares else "–"
    print(
        f"| {label} | {bare} | {ceiling:,.0f} | {callbacks:,.0f} | {callbacks / ceiling:.0%} | {lean} | "
        f"{med([r['callbacks']['p50_ms'] for r in mine]):.1f} | {med([r['callbacks']['p99_ms'] for r in mine]):.1f} | "
        f"{sum(r['check']['lost'] for r in mine)} | {sum(r['check']['double'] for r in mine)} | "
        f"{sum(r['callbacks']['non2xx'] + r['callbacks']['errors'] for r in mine)} |"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/market_pay_bench")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--stalls",
        type=int,
        nargs="+",
        default=[500],
        help="stalls the callbacks are spread over; several: one run each",
    )
    parser.add_argument(
        "--matcher",
        choices=["thread", "process", "after"],
        default="process",
        help="match in the web workers' threads, in one separate (niced) process, or (to measure "
        "ingest alone) in a process started after the first burst",
    )
    parser.add_argument(
        "--lean",
        action="store_true",
        help="also measure /bench/ceiling-lean (one autocommit insert, as callbacks are recorded)",
    )
    parser.add_argument(
        "--bare",
        action="store_true",
        help="also measure the bare ceiling (bench/bare_ceiling_wsgi.py; PostgreSQL only)",
    )
    parser.add_argument("--bare-url", default="postgresql://postgres@127.0.0.1:5432/market_pay_bare")
    parser.add_argument("--max-rate", type=int, default=4000, help="pre-signed callbacks per second of run")
    args = parser.parse_args()
    rows = []
    for stalls in args.stalls:
        rows += bench(args.postgres_url, f"postgresql, {stalls} stalls", args, stalls)
        if not args.skip_sqlite:
            with tempfile.TemporaryDirectory() as tmp:
                rows += bench(f"sqlite:///{tmp}/bench.db", f"sqlite, {stalls} stalls", args, stalls)
    print(
        "\n| database | bare ceiling req/s (callbacks of it, median of rounds) | ceiling req/s | callbacks/s "
        "| of ceiling | lean ceiling (callbacks of it) | p50 ms | p99 ms | lost | double | non-2xx |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label in dict.fromkeys(r["label"] for r in rows):  # in the order they ran
        summarise(rows, label)


if __name__ == "__main__":
    main()
