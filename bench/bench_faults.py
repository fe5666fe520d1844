"""Faults under load: a simulated market day against real gunicorn and PostgreSQL while workers are
killed (-9), while PostgreSQL restarts, and spread over two app servers. Afterwards the database
must match the bank's ledger exactly: every delivered credit recorded once with its amount, none
twice, nothing the bank did not send; and no answer was a 500.

    .venv/bin/python bench/bench_faults.py                     # all three scenarios
    .venv/bin/python bench/bench_faults.py --scenario kill9 --payments 3000 --rate 150

The PostgreSQL restart uses pg_ctlcluster (root, the machine's local cluster): run it on a
machine whose database may restart.
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import market_database, market_pay  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from tests.servers import create_user, start_gunicorn  # noqa: E402  (the tests' way to serve the app)

SECRET = "faults-simbank-secret"
MANAGER, PASSWORD = "ql.faults", "faults-pass-2026"


def engine_for(url: str):
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), pool_pre_ping=True)


def prepare(url: str, stalls: int, tmp: Path) -> dict:
    accounts = [("970405" if n % 3 else "970422", f"{6_100_000_000 + n}") for n in range(stalls)]
    env = market_database(url, accounts, tmp)
    market_pay(env, "partners", "set", "simbank", "--secret", SECRET)
    create_user(env, MANAGER, PASSWORD, "market_manager", "BENCH")
    return env


def start_server(env: dict, workers: int, threads: int, log: Path):
    """(gunicorn's master process, its base URL); its log in `log`. Shut down quickly (a killed
    worker's requests are the point, not a graceful drain)."""
    return start_gunicorn(env, workers, threads, ("--graceful-timeout", "2"), log.open("wb"), attempts=300)


def workers_of(server) -> list[int]:
    result = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True)
    return [int(pid) for pid in result.stdout.split()]


def pg_cluster() -> tuple[str, str]:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    return version, "main"


def wait_matched(url: str, seconds: float = 120.0):
    engine = engine_for(url)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            try:
                with engine.connect() as conn:
                    if not conn.scalar(text("SELECT count(*) FROM bank_transaction WHERE match_kind = 'pending'")):
                        return
            except Exception:  # noqa: BLE001, S110 (the database may still be coming back)
                pass
            time.sleep(0.2)
        raise RuntimeError("transactions still pending")
    finally:
        engine.dispose()


def check(url: str, lines) -> dict:
    """The database against the bank's ledger."""
    delivered = {line.transaction_id: line for line in lines if not line.forgotten}
    engine = engine_for(url)
    with engine.connect() as conn:
        recorded = {
            row.partner_txn_id: row
            for row in conn.execute(
                text("SELECT partner_txn_id, amount, account_number FROM bank_transaction WHERE partner = 'simbank'")
            )
        }
        same_money_twice = conn.scalar(
            text(
                "SELECT count(*) FROM (SELECT 1 FROM bank_transaction GROUP BY account_number, bank_reference, amount, "
                "direction HAVING count(*) > 1) AS doubled"
            )
        )
        accepted_deliveries = conn.scalar(text("SELECT count(*) FROM inbox_entry WHERE outcome = 'accepted'"))
    engine.dispose()
    lost = [tid for tid in delivered if tid not in recorded]
    wrong = [
        tid
        for tid, line in delivered.items()
        if tid in recorded
        and (recorded[tid].amount != line.amount or recorded[tid].account_number != line.account_number)
    ]
    return {
        "delivered": len(delivered),
        "recorded": len(recorded),
        "lost": len(lost),
        "wrong": len(wrong),
        "double": same_money_twice + max(0, accepted_deliveries - len(recorded)),
        "not_sent_by_bank": len([tid for tid in recorded if tid not in delivered]),
    }


def run_scenario(name: str, url: str, args) -> dict:
    from market_pay.simulator.day import Faults
    from market_pay.simulator.run import simulate

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = prepare(url, args.stalls, tmp)
        servers = [
            start_server(env, args.workers, args.threads, tmp / f"server{n}.log")
            for n in range(2 if name == "two_servers" else 1)
        ]
        faults = Faults(
            duplicates=0.2, out_of_order=0.2, bad_signatures=0.02, unknown_accounts=0.02, forget=0.03, reversals=0.02
        )
        result, actions = {}, Counter()

        def day():
            result["summary"], result["lines"] = simulate(
                ",".join(base for _, base in servers),
                MANAGER,
                PASSWORD,
                SECRET,
                market_code="BENCH",
                payments=args.payments,
                seed=args.seed,
                faults=faults,
                dynamic_share=0.0,
                concurrency=8,
                rate=args.rate,
                max_attempts=12,
                base_delay=0.1,
            )

        simulator = threading.Thread(target=day)
        started = time.monotonic()
        simulator.start()
        time.sleep(2)  # the day is under way
        while simulator.is_alive():
            if name == "kill9":
                server, _ = servers[0]
                victims = workers_of(server)
                if victims:
                    os.kill(random.choice(victims), signal.SIGKILL)  # gunicorn's master starts a new one
                    actions["workers killed"] += 1
                time.sleep(args.kill_every)
            elif name == "pg_restart" and not actions:
                version, cluster = pg_cluster()
                down = time.monotonic()
                subprocess.run(
                    ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "stop", "-m", "fast"], check=True
                )
                time.sleep(args.pg_down)
                subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "start"], check=True)
                actions["postgresql restarts"] += 1
                actions["seconds down"] = round(time.monotonic() - down, 1)
            else:  # two_servers (the fault is the spread itself), or pg_restart after its restart
                time.sleep(0.5)
        simulator.join()
        elapsed = time.monotonic() - started
        wait_matched(url)
        summary = result["summary"]
        verdict = check(url, result["lines"])
        logs = ""
        for server, _ in servers:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        for n in range(len(servers)):
            logs += (tmp / f"server{n}.log").read_text(errors="replace")
        return {
            "scenario": name,
            "servers": len(servers),
            "seconds": round(elapsed, 1),
            **dict(actions),
            "deliveries": summary.deliveries,
            "accepted": summary.outcomes["accepted"],
            "duplicates": summary.outcomes["duplicate"],
            "rejected (forged)": summary.outcomes["rejected"],
            "failed": summary.outcomes["failed"],
            "retried": summary.retried,
            "answers": {str(k): v for k, v in sorted(summary.statuses.items(), key=lambda kv: str(kv[0]))},
            **verdict,
            "500s": summary.statuses.get(500, 0),
            "tracebacks_in_log": logs.count("Traceback"),
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/market_pay_faults")
    parser.add_argument("--scenario", action="append", choices=["kill9", "pg_restart", "two_servers"])
    parser.add_argument("--payments", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=150.0, help="Deliveries per second.")
    parser.add_argument("--stalls", type=int, default=40)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--kill-every", type=float, default=1.5, help="Seconds between kill -9s.")
    parser.add_argument("--pg-down", type=float, default=3.0, help="Seconds PostgreSQL stays down.")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rows = [
        run_scenario(name, args.database_url, args) for name in args.scenario or ["kill9", "pg_restart", "two_servers"]
    ]
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    print(
        "\n| scenario | servers | deliveries | accepted | duplicates | retried | answers | lost | double | "
        "wrong | 500s |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['scenario']} | {row['servers']} | {row['deliveries']} | {row['accepted']} | {row['duplicates']} | "
            f"{row['retried']} | {row['answers']} | {row['lost']} | {row['double']} | {row['wrong']} | "
            f"{row['500s']} |"
        )


if __name__ == "__main__":
    main()
