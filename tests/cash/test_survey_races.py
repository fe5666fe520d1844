"""A day's cash survey imported twice at the same moment (a double-clicked upload, the office and
the command line together) must leave one row for the (market, stall, day), never two: two rows
count the day's cash twice in every report and revenue book.

The interleaving is forced, not hoped for: the first import has written and not committed when
the second starts; the first commits only once the second has finished or waits on a lock."""

import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from market_pay.cash.models import CashSale
from market_pay.cash.survey_import import import_cash_survey
from market_pay.extensions import db
from tests.factories import make_market, make_vendor

# Bounds on waiting for the other thread; the test's verdict never depends on how long it took.
WAIT_SECONDS = 60


def survey(market_code, stall_code, value):
    day = (datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date() - timedelta(days=2)).isoformat()
    return f"date,market_code,stall_code,count,value\n{day},{market_code},{stall_code},12,{value}\n"


def _waits_on_a_lock(pid: int) -> bool:
    with db.engine.connect() as conn:
        waiting = conn.execute(text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})
        return waiting.scalar() == "Lock"


@pytest.mark.parametrize("stall_code", ["A-01", ""], ids=["a stall", "the whole market"])
def test_a_second_import_of_the_day_while_the_first_is_uncommitted_replaces_it(committed, stall_code):
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite opens every transaction with BEGIN IMMEDIATE: the second cannot start (extensions.py)")
    market = make_market()
    make_vendor(market, "A-01")
    code = market.code
    db.session.commit()
    second: dict = {}
    started = threading.Event()

    def import_again():
        with committed.app_context():
            try:
                second["pid"] = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
                started.set()
                second["summary"] = import_cash_survey(survey(code, stall_code, 3_500_000))
                db.session.commit()
            except Exception as error:  # noqa: BLE001 (reported by the main thread)
                second["error"] = error
                started.set()
            finally:
                db.session.remove()

    first = import_cash_survey(survey(code, stall_code, 3_400_000))  # written, not committed
    racer = threading.Thread(target=import_again)
    racer.start()
    assert started.wait(WAIT_SECONDS)
    deadline = time.monotonic() + WAIT_SECONDS
    while racer.is_alive() and "pid" in second and not _waits_on_a_lock(second["pid"]):
        assert time.monotonic() < deadline, "the second import neither finished nor waited"
        time.sleep(0.02)
    db.session.commit()
    racer.join(WAIT_SECONDS)
    assert not racer.is_alive()
    assert "error" not in second, second.get("error")
    assert first["replaced"] == 0 and second["summary"]["replaced"] == 1
    rows = db.session.execute(select(CashSale.amount).where(CashSale.source == "survey")).scalars().all()
    assert rows == [3_500_000]


def test_the_database_refuses_a_second_survey_row_for_the_same_stall_and_day(committed):
    """Whatever writes it: the unique indexes, not only the import's lock, keep one row a day."""
    market = make_market()
    make_vendor(market, "A-01")
    db.session.commit()
    import_cash_survey(survey(market.code, "A-01", 3_400_000))
    import_cash_survey(survey(market.code, "", 9_000_000))
    db.session.commit()
    for stall in (CashSale.vendor_id.is_not(None), CashSale.vendor_id.is_(None)):
        row = db.session.execute(select(CashSale).where(CashSale.source == "survey", stall)).scalar_one()
        copy = {c: getattr(row, c) for c in ("market_id", "vendor_id", "amount", "count", "occurred_at", "source")}
        db.session.add(CashSale(**copy))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CashSale)) == 2
