"""A simulated market day end to end: the simulator talks to a real gunicorn over HTTP with every
fault switched on; afterwards every delivered credit is on the right stall or in suspense with the
right reason, and nothing is counted twice. Then its statement is reconciled: the money per stall
account equals the bank's ledger, and every difference is a listed break with its reason."""

import csv
import time
from collections import Counter, defaultdict

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

import market_pay.models  # noqa: F401  (configure every mapper)
from market_pay.payments.models import BankTransaction, InboxEntry, SuspenseItem
from market_pay.reconciliation.models import ReconciliationBreak, ReconciliationRun
from market_pay.simulator.day import Faults
from market_pay.simulator.run import simulate
from tests.conftest import PG_URL
from tests.servers import ROOT, cli, fresh_database_url, gunicorn, service_env

SECRET = "simbank-e2e-secret"
STALLS_CSV = "stall_code,display_name,phone,floor_amount,bin,account_number,account_name\n" + "".join(
    f"A-{n:02d},Sạp {n},09{n:08d},1000,{'970405' if n % 3 else '970422'},{7000000 + n},NGUYEN THI {n}\n"
    + (f"A-{n:02d},Sạp {n},09{n:08d},1000,970436,{8000000 + n},NGUYEN THI {n}\n" if n % 4 == 0 else "")
    for n in range(1, 16)
)
ALL_FAULTS = Faults(
    duplicates=0.2,
    out_of_order=0.2,
    bad_signatures=0.05,
    unknown_accounts=0.05,
    underpay=0.1,
    overpay=0.1,
    late=0.1,
    reversals=0.05,
    forget=0.05,
)


def wait_until_matched(engine, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with Session(engine) as session:
            if not session.scalar(
                select(func.count(BankTransaction.id)).where(BankTransaction.match_kind == "pending")
            ):
                return
        time.sleep(0.1)
    raise AssertionError("transactions were still pending after the matcher's time")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"] + (["postgresql"] if PG_URL else []))
def test_a_simulated_day_with_every_fault_lands_exactly(backend, tmp_path):
    database_url = fresh_database_url(backend, tmp_path, PG_URL)
    env = service_env(database_url)
    cli(env, "db", "upgrade")
    cli(env, "regions", "import", str(ROOT / "market_pay/data/regions_ha_giang.csv"))
    cli(env, "markets", "create", "--code", "DV", "--name", "Chợ Đồng Văn", "--region", "00721")
    (tmp_path / "stalls.csv").write_text(STALLS_CSV, encoding="utf-8")
    cli(env, "vendors", "import", str(tmp_path / "stalls.csv"), "--market", "DV")
    cli(
        env,
        "users",
        "create",
        "--username",
        "ql.dongvan",
        "--password",
        "manager-pass-1",
        "--role",
        "market_manager",
        "--scope",
        "DV",
    )
    cli(env, "partners", "set", "simbank", "--secret", SECRET)
    statement = tmp_path / "statement.csv"
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with gunicorn(env, workers=3, threads=2) as base:
        summary, lines = simulate(
            base,
            "ql.dongvan",
            "manager-pass-1",
            SECRET,
            market_code="DV",
            payments=150,
            seed=4242,
            faults=ALL_FAULTS,
            concurrency=8,
            statement_out=str(statement),
        )
        wait_until_matched(engine)  # the web workers' matcher threads finish the queue
    assert "Traceback" not in gunicorn.last_log

    forged = summary.forged
    assert summary.outcomes["failed"] == 0
    assert summary.outcomes["rejected"] == forged > 0
    assert summary.outcomes["accepted"] + summary.outcomes["duplicate"] == summary.deliveries - forged
    assert summary.outcomes["duplicate"] > 0 and summary.forgotten > 0

    with Session(engine) as session:
        recorded = {t.partner_txn_id: t for t in session.scalars(select(BankTransaction))}
        suspense = {item.transaction_id: item.reason for item in session.scalars(select(SuspenseItem))}
        rejected = session.scalar(select(InboxEntry.id).where(InboxEntry.outcome == "rejected").limit(1))
    engine.dispose()

    delivered = [line for line in lines if not line.forgotten]
    assert set(recorded) == {line.transaction_id for line in delivered}  # nothing lost, nothing forged
    assert rejected is not None
    by_id = {line.transaction_id: line for line in lines}
    for line in delivered:
        txn = recorded[line.transaction_id]
        assert txn.amount == line.amount and txn.account_number == line.account_number
        if line.kind == "unknown_account":
            assert suspense[txn.id] == "unknown_account"
        elif line.kind == "reversal":
            original = by_id[line.reverses]
            if original.forgotten:
                assert suspense[txn.id] == "unmatched_reversal"
            else:
                assert txn.match_kind == "reversal" and recorded[original.transaction_id].reversed
        else:
            assert txn.vendor_id == line.vendor_id, line
            assert txn.match_kind == ("request" if line.kind == "request" else "static")

    # The money per stall in the database equals the bank's delivered credits, less reversals.
    expected, actual = defaultdict(int), defaultdict(int)
    for line in delivered:
        if line.kind in ("static", "request") and not any(
            other.reverses == line.transaction_id and not other.forgotten for other in lines
        ):
            expected[line.vendor_id] += line.amount
    for txn in recorded.values():
        if txn.direction == "in" and txn.vendor_id and not txn.reversed:
            actual[txn.vendor_id] += txn.amount
    assert actual == expected

    with statement.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    kinds = Counter(row["direction"] for row in rows)
    assert kinds["in"] + kinds["out"] == len(lines) and kinds["opening"] == kinds["closing"] > 0

    assert_statement_reconciles(env, database_url, statement, lines)


def assert_statement_reconciles(env, database_url, statement, lines):
    output = cli(env, "reconcile", str(statement), "--partner", "simbank")
    assert output.startswith("Run "), output
    ledger = defaultdict(int)
    for line in lines:
        ledger[(line.bin, line.account_number)] += line.amount if line.direction == "in" else -line.amount
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with Session(engine) as session:
        run = session.scalar(select(ReconciliationRun))
        breaks = session.scalars(select(ReconciliationBreak)).all()
        stall_accounts = {
            (t.bin, t.account_number)
            for t in session.scalars(select(BankTransaction).where(BankTransaction.receiving_account_id.is_not(None)))
        }
        on_stalls = defaultdict(int)
        for txn in session.scalars(select(BankTransaction).where(BankTransaction.vendor_id.is_not(None))):
            if txn.direction == "in" or txn.match_kind == "reversal":
                on_stalls[(txn.bin, txn.account_number)] += txn.amount if txn.direction == "in" else -txn.amount
        confirmations = Counter(session.scalars(select(BankTransaction.confirmation)))
    engine.dispose()

    forgotten = [line for line in lines if line.forgotten]
    assert Counter(b.kind for b in breaks)["missing_callback"] == len(forgotten) > 0
    assert {b.bank_txn_id for b in breaks if b.kind == "missing_callback"} == {
        line.transaction_id for line in forgotten
    }
    assert run.totals["missing_callback"]["lines"] == len(forgotten)
    assert run.totals["duplicate"]["callbacks"] > 0  # the bank's repeated deliveries, counted once
    assert not [b for b in breaks if b.kind in ("not_on_statement", "field_disagreement", "broken_chain")]
    # Every line is now known to the service: confirmed from a callback or recovered from the statement.
    assert confirmations == {"confirmed": len(lines) - len(forgotten), "recovered": len(forgotten)}
    # The bank's ledger per stall account is exactly what the stall was credited…
    for account in stall_accounts:
        assert on_stalls[account] == ledger[account], account
    # …and every account whose money is not (all) on a stall has a break saying why.
    explained = {(b.bin, b.account_number) for b in breaks if b.kind == "in_suspense"}
    differing = {account for account in ledger if on_stalls[account] != ledger[account]}
    assert differing and differing <= explained
