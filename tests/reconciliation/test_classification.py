"""A one-day fixture with at least one case of every class reconciles to exactly the expected
classification, and the money ends where it should (SQLite and PostgreSQL)."""

import pytest
from sqlalchemy import func, select

from market_pay.extensions import db
from market_pay.payments.models import BankTransaction, PaymentRequest, SuspenseItem
from market_pay.reconciliation.models import ReconciliationBreak, ReconciliationRun
from market_pay.reconciliation.services import reconcile_file
from tests.factories import account_data, make_market, make_user, make_vendor
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer
from tests.reconciliation.statements import line, write_statement

pytestmark = pytest.mark.usefixtures("app")
DAY = "2026-11-21"
ACC1 = ("970436", "0011001234567")
ACC2 = ("970405", "1234567890")
ACC3 = ("970422", "5555555555")
UNKNOWN = ("970405", "99999999")


class Scenario:
    def __init__(self, client, tmp_path):
        set_partners()
        self.client, self.tmp_path = client, tmp_path
        market = make_market()
        self.market = market
        self.stall_a = make_vendor(market, accounts=[account_data(*ACC1, "NGUYEN THI HOA")])
        self.stall_b = make_vendor(market, accounts=[account_data(*ACC2, "TRAN VAN BINH")])
        self.stall_c = make_vendor(market, accounts=[account_data(*ACC3, "LE THI CUC")])
        self.request = self._payment_request(self.stall_b, 120_000)

    def _payment_request(self, vendor, amount):
        from tests.factories import auth_header

        response = self.client.post(
            f"/api/v1/vendors/{vendor.id}/payment-requests",
            json={"amount": amount},
            headers=auth_header(make_user("admin")),
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def callback(self, account, txn_id, reference, amount, booked_at, **extra):
        body = simbank_transfer(
            account, amount, transaction_id=txn_id, bank_reference=reference, booked_at=booked_at, **extra
        )
        response = post_simbank(self.client, body)
        assert response.status_code == 200, response.get_json()
        return body


@pytest.fixture
def day(client, tmp_path):
    """Callbacks as the service received them, and the bank's statement of the same day."""
    s = Scenario(client, tmp_path)
    a, b, c = s.stall_a.accounts[0], s.stall_b.accounts[0], s.stall_c.accounts[0]
    first = s.callback(a, "SIM-1", "FT1", 50_000, f"{DAY}T09:00:00+07:00")
    post_simbank(client, first)  # delivered twice
    s.callback(a, "SIM-2", "FT2", 30_000, f"{DAY}T10:00:00+07:00")
    s.callback(
        a,
        "SIM-3",
        "FT3",
        30_000,
        f"{DAY}T10:30:00+07:00",
        direction="out",
        reverses="SIM-2",
        description="HOAN TRA GD FT2",
    )
    s.callback(b, "SIM-6", "FT6", 100_000, f"{DAY}T11:00:00+07:00")  # statement says 10,000
    s.callback(b, "SIM-7", "FT7", 25_000, "2026-11-20T23:59:30+07:00")  # booked just after midnight
    s.callback(c, "SIM-8", "FT8", 60_000, f"{DAY}T08:00:00+07:00")
    s.callback(a, "SIM-10", "FT10", 20_000, f"{DAY}T15:00:00+07:00")  # not on the statement
    s.statement = write_statement(
        tmp_path / "statement.csv",
        [
            (
                *ACC1,
                1_000_000,
                [
                    line("SIM-1", "FT1", f"{DAY}T09:00:01+07:00", 50_000),
                    line("SIM-2", "FT2", f"{DAY}T10:00:01+07:00", 30_000),
                    line("SIM-3", "FT3", f"{DAY}T10:30:01+07:00", 30_000, "out", "HOAN TRA GD FT2"),
                    line("SIM-4", "FT4", f"{DAY}T10:45:00+07:00", 40_000, description="MBVCB.555.MUA RAU"),
                ],
                None,
            ),
            (
                *ACC2,
                0,
                [
                    line("SIM-7", "FT7", f"{DAY}T00:00:40+07:00", 25_000),
                    line(
                        "SIM-5",
                        "FT5",
                        f"{DAY}T10:50:00+07:00",
                        120_000,
                        description=f"IBFT {s.request['reference']} THANH TOAN",
                    ),
                    line("SIM-6", "FT6", f"{DAY}T11:00:00+07:00", 10_000),
                ],
                None,
            ),
            (*ACC3, 0, [line("SIM-8", "FT8", f"{DAY}T08:00:00+07:00", 60_000)], 70_000),  # closing is wrong
            (*UNKNOWN, 0, [line("SIM-9", "FT9", f"{DAY}T12:00:00+07:00", 15_000)], None),
        ],
        repeat_rows={"SIM-1"},
    )
    return s


def totals_of(run):
    return {name: total for name, total in run.totals.items() if total["lines"] or total["callbacks"]}


def txn(partner_txn_id):
    """The transaction with this id: a callback's, or the statement's id of a recovered one."""
    return db.session.scalar(
        select(BankTransaction).where(
            (BankTransaction.partner_txn_id == partner_txn_id) | (BankTransaction.statement_txn_id == partner_txn_id)
        )
    )


def test_every_class_is_found_exactly(day):
    run, created = reconcile_file(None, day.statement, "simbank")
    db.session.commit()
    assert created and run.statement_date.isoformat() == DAY
    assert (run.line_count, run.account_count) == (10, 4)
    assert totals_of(run) == {
        "matched": {"lines": 2, "callbacks": 2, "amount_in": 80_000, "amount_out": 0},
        "missing_callback": {"lines": 3, "callbacks": 0, "amount_in": 175_000, "amount_out": 0},
        "not_on_statement": {"lines": 0, "callbacks": 1, "amount_in": 20_000, "amount_out": 0},
        "field_disagreement": {"lines": 1, "callbacks": 1, "amount_in": 10_000, "amount_out": 0},
        "duplicate": {"lines": 1, "callbacks": 1, "amount_in": 50_000, "amount_out": 0},
        "reversal": {"lines": 1, "callbacks": 1, "amount_in": 0, "amount_out": 30_000},
        "day_cutoff": {"lines": 1, "callbacks": 1, "amount_in": 25_000, "amount_out": 0},
        "broken_chain": {"lines": 1, "callbacks": 0, "amount_in": 60_000, "amount_out": 0},
    }
    breaks = {(b.kind, b.bank_txn_id) for b in db.session.scalars(select(ReconciliationBreak))}
    assert breaks == {
        ("duplicate", "SIM-1"),
        ("missing_callback", "SIM-4"),
        ("missing_callback", "SIM-5"),
        ("missing_callback", "SIM-9"),
        ("field_disagreement", "SIM-6"),
        ("not_on_statement", "SIM-10"),
        ("broken_chain", None),
        ("in_suspense", "SIM-9"),
    }
    assert run.break_count == 8


def test_the_money_lands_where_the_statement_says(day):
    reconcile_file(None, day.statement, "simbank")
    db.session.commit()
    # Confirmed, recovered, disputed, or still provisional — never overwritten.
    states = {
        t.statement_txn_id or t.partner_txn_id: t.confirmation for t in db.session.scalars(select(BankTransaction))
    }
    assert states == {
        "SIM-1": "confirmed",
        "SIM-2": "confirmed",
        "SIM-3": "confirmed",
        "SIM-4": "recovered",
        "SIM-5": "recovered",
        "SIM-6": "disputed",
        "SIM-7": "confirmed",
        "SIM-8": "provisional",
        "SIM-9": "recovered",
        "SIM-10": "provisional",
    }
    assert txn("SIM-6").amount == 100_000  # the callback's figure stays; a person decides
    # A recovered line is matched exactly as its callback would have been.
    assert (txn("SIM-4").vendor_id, txn("SIM-4").match_kind) == (day.stall_a.id, "static")
    assert txn("SIM-4").feed_seq is not None
    request = db.session.scalar(select(PaymentRequest).where(PaymentRequest.reference == day.request["reference"]))
    assert (request.status, request.paid_amount, txn("SIM-5").match_kind) == ("paid", 120_000, "request")
    suspense = db.session.scalar(select(SuspenseItem).where(SuspenseItem.transaction_id == txn("SIM-9").id))
    assert suspense.reason == "unknown_account"
    assert txn("SIM-2").reversed and txn("SIM-3").match_kind == "reversal"


def test_the_same_file_twice_changes_nothing(day):
    first, _ = reconcile_file(None, day.statement, "simbank")
    db.session.commit()
    before = db.session.scalar(select(func.count(BankTransaction.id)))
    again, created = reconcile_file(None, day.statement, "simbank")
    db.session.commit()
    assert not created and again.id == first.id
    assert db.session.scalar(select(func.count(BankTransaction.id))) == before
    assert db.session.scalar(select(func.count(ReconciliationRun.id))) == 1


def test_a_callback_missing_from_one_statement_is_confirmed_by_the_next(day, tmp_path):
    reconcile_file(None, day.statement, "simbank")
    db.session.commit()
    next_day = write_statement(
        tmp_path / "next.csv", [(*ACC1, 1_090_000, [line("SIM-10", "FT10", "2026-11-22T00:00:05+07:00", 20_000)], None)]
    )
    run, _ = reconcile_file(None, next_day, "simbank")
    db.session.commit()
    assert totals_of(run) == {"day_cutoff": {"lines": 1, "callbacks": 1, "amount_in": 20_000, "amount_out": 0}}
    assert txn("SIM-10").confirmation == "confirmed" and run.break_count == 0


def test_a_reversal_only_the_statement_has_undoes_its_credit(client, tmp_path):
    s = Scenario(client, tmp_path)
    s.callback(s.stall_a.accounts[0], "SIM-20", "FT20", 70_000, f"{DAY}T09:00:00+07:00")
    statement = write_statement(
        tmp_path / "reversal.csv",
        [
            (
                *ACC1,
                0,
                [
                    line("SIM-20", "FT20", f"{DAY}T09:00:00+07:00", 70_000),
                    line("SIM-21", "FT21", f"{DAY}T09:40:00+07:00", 70_000, "out", "HOAN TRA GD FT20"),
                ],
                None,
            )
        ],
    )
    run, _ = reconcile_file(None, statement, "simbank")
    db.session.commit()
    assert run.totals["missing_callback"]["amount_out"] == 70_000
    assert txn("SIM-20").reversed
    assert (txn("SIM-21").match_kind, txn("SIM-21").reverses_txn_id) == ("reversal", "SIM-20")
