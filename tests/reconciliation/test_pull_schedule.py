"""Two pulls of one day at once make one run (SQLite and PostgreSQL, real threads, committed
data), and the daily pull an operator enables runs once a day, after its hour, in any number of
processes."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from market_pay.common.local_time import VIETNAM
from market_pay.extensions import db
from market_pay.payments.partners import set_credentials
from market_pay.payments.signals import matching_drained
from market_pay.reconciliation.models import ReconciliationRun
from market_pay.reconciliation.pull import schedule
from market_pay.reconciliation.pull.models import StatementPull
from market_pay.reconciliation.pull.runs import pull_day
from market_pay.reconciliation.pull.schedule import due_days, run_due_pulls
from tests.factories import account_data, make_market, make_vendor
from tests.reconciliation.partner_apis import FakePartners, FakeServer
from tests.reconciliation.test_pull import ACCOUNT, DAY, TOKEN, the_day


@pytest.fixture
def served(committed, monkeypatch):
    """Committed data (other connections see it): a stall, the tokens, and the fakes serving the day."""
    make_vendor(make_market(), accounts=[account_data(*ACCOUNT, "NGUYEN THI HOA")])
    set_credentials("sepay", [], [], pull_tokens=[TOKEN])
    set_credentials("casso", [], [], pull_tokens=[TOKEN])
    db.session.commit()
    db.session.close()  # SQLite: hold no transaction while the pulls below take turns
    partners = FakePartners(token=TOKEN, sepay=the_day(), casso=the_day())
    with FakeServer(partners) as base:
        for key, value in {
            "SEPAY_API_URL": f"{base}/sepay",
            "CASSO_API_URL": f"{base}/casso",
            "STATEMENT_PULL_MIN_INTERVAL_SECONDS": 0,
        }.items():
            monkeypatch.setitem(committed.config, key, value)
        yield partners


def counts():
    db.session.rollback()
    return (
        db.session.scalar(select(func.count(ReconciliationRun.id))),
        db.session.scalar(select(func.count(StatementPull.id))),
    )


def test_two_pulls_of_one_day_at_once_make_one_run_and_the_other_names_it(committed, served):
    # Both have listed the day (the fake holds each first page until both asked) before either
    # reconciles: each passed the "already pulled?" check, and still only one run is made. (The
    # job the command runs, in two threads: click's runner swaps sys.stdout, one at a time.)
    served.barrier = threading.Barrier(2)

    def pull(_):
        with committed.app_context():
            outcome = pull_day("sepay", date.fromisoformat(DAY))
            return outcome.status, outcome.run.id

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(pull, range(2)))

    run_id = db.session.scalar(select(ReconciliationRun.id))
    assert outcomes == [("already", run_id), ("created", run_id)]
    assert counts() == (1, 1)
    # The command says so too, afterwards.
    again = committed.test_cli_runner().invoke(args=["statements", "pull", "--partner", "sepay", "--date", DAY])
    assert again.exit_code == 0 and "already pulled" in again.output and f"as run {run_id};" in again.output


def test_the_schedule_pulls_yesterday_once_its_hour_has_come():
    now = datetime(2026, 11, 22, 5, 59, tzinfo=VIETNAM)
    assert due_days(("sepay", "casso"), 6, now) == []
    later = now.replace(hour=6, minute=0)
    assert due_days(("sepay", "casso"), 6, later) == [("sepay", date(2026, 11, 21)), ("casso", date(2026, 11, 21))]
    assert due_days(("sepay",), 6, later, done={("sepay", date(2026, 11, 21))}) == []
    # A UTC clock: 23:30 UTC is already 06:30 the next day in Vietnam.
    assert due_days(("sepay",), 6, datetime.fromisoformat("2026-11-21T23:30:00+00:00")) == [
        ("sepay", date(2026, 11, 21))
    ]


def test_the_daily_pull_runs_once_in_any_number_of_processes(committed, served, monkeypatch):
    monkeypatch.setitem(committed.config, "STATEMENT_PULL", ("sepay", "casso"))
    monkeypatch.setitem(committed.config, "STATEMENT_PULL_HOUR", 6)
    monkeypatch.setitem(committed.extensions, schedule.STATE_KEY, {"empty": set(), "next_check": 0.0, "thread": None})
    before = datetime(2026, 11, 22, 5, 0, tzinfo=VIETNAM)
    after = datetime(2026, 11, 22, 7, 0, tzinfo=VIETNAM)

    assert run_due_pulls(committed, before) == [] and served.requests == []
    with ThreadPoolExecutor(3) as pool:  # three "processes" looking at once
        lines = [line for batch in pool.map(lambda _: run_due_pulls(committed, after), range(3)) for line in batch]

    assert counts() == (2, 2)
    created = [line for line in lines if ": created" in line]
    assert sorted(line.split()[0] for line in created) == ["casso", "sepay"]
    assert run_due_pulls(committed, after) == []  # done for the day
    assert counts() == (2, 2)


def test_the_matchers_heartbeat_starts_the_daily_pull_at_most_once_per_check(committed, served, monkeypatch):
    monkeypatch.setitem(committed.config, "STATEMENT_PULL", ("sepay",))
    monkeypatch.setitem(committed.config, "STATEMENT_PULL_HOUR", 0)  # due whenever it looks
    state = {"empty": set(), "next_check": 0.0, "thread": None}
    monkeypatch.setitem(committed.extensions, schedule.STATE_KEY, state)
    yesterday = datetime.now(VIETNAM).date() - timedelta(days=1)
    for t in served.sepay:  # the fake serves the day the schedule will ask for: yesterday
        t.when = yesterday.isoformat() + t.when[10:]

    matching_drained.send(committed)
    first = state["thread"]
    assert first is not None
    first.join(60)
    matching_drained.send(committed)  # within CHECK_SECONDS: not looked at again

    assert state["thread"] is first
    assert counts() == (1, 1)


def test_without_the_setting_the_heartbeat_does_nothing(committed, served, monkeypatch):
    monkeypatch.setitem(committed.config, "STATEMENT_PULL", ())
    monkeypatch.setitem(committed.extensions, schedule.STATE_KEY, {"empty": set(), "next_check": 0.0, "thread": None})
    matching_drained.send(committed)
    assert committed.extensions[schedule.STATE_KEY]["thread"] is None and served.requests == []
