"""`market-pay statements check-payos`: the real CLI against a fake payOS over real HTTP, on SQLite
and PostgreSQL, with committed data (the check commits between its steps)."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from market_pay.audit.models import AuditLog
from market_pay.common.local_time import VIETNAM
from market_pay.extensions import db
from market_pay.payments.models import BankTransaction, InboxEntry, PaymentRequest
from market_pay.payments.partners import set_credentials
from market_pay.payments.references import new_reference
from market_pay.reconciliation.models import ReconciliationBreak, ReconciliationRun
from market_pay.reconciliation.payos_check.order_codes import order_code_for
from market_pay.vietqr.codec import build
from tests.factories import account_data, auth_header, make_user, make_vendor
from tests.office.conftest import sign_in
from tests.payments.helpers import PAYOS_KEY, post_payos
from tests.reconciliation.payos_fake import API_KEY, CLIENT_ID, FakePayos, transaction
from tests.servers import ROOT

DAY = date(2026, 11, 30)
ACCOUNT = "0011001234567"


@pytest.fixture
def payos(committed, monkeypatch):
    with FakePayos() as fake:
        monkeypatch.setitem(committed.config, "PAYOS_API_URL", fake.url)
        yield fake


@pytest.fixture
def stall(committed):
    set_credentials("payos", [PAYOS_KEY], [], pull_tokens=[API_KEY], client_ids=[CLIENT_ID])
    vendor = make_vendor(accounts=[account_data("970436", ACCOUNT, "NGUYEN THI HOA")])
    db.session.commit()
    return vendor


def open_request(vendor, amount=50_000, day=DAY, hour=10, status="pending", paid=0) -> str:
    """A payment request of ours created on `day` (Vietnam time); returns its reference."""
    account = vendor.accounts[0]
    reference = new_reference()
    created = datetime(day.year, day.month, day.day, hour, 0, tzinfo=VIETNAM)
    db.session.add(
        PaymentRequest(
            reference=reference,
            vendor_id=vendor.id,
            account_id=account.id,
            amount=amount,
            payload=build(account.bin, account.account_number, amount=amount, purpose=reference),
            status=status,
            paid_amount=paid,
            created_at=created,
            expires_at=created + timedelta(minutes=10),
        )
    )
    db.session.commit()
    return reference


def check(app, *args):
    result = app.test_cli_runner().invoke(args=["statements", "check-payos", *(args or ("--date", DAY.isoformat()))])
    db.session.rollback()  # see what the command committed
    return result


def request_of(reference) -> PaymentRequest:
    db.session.rollback()
    return db.session.scalar(select(PaymentRequest).where(PaymentRequest.reference == reference))


def count(model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def breaks() -> list[tuple[str, dict]]:
    db.session.rollback()
    return [(row.kind, row.detail) for row in db.session.scalars(select(ReconciliationBreak))]


def paid_transfer(reference, amount=50_000, bank_reference="FT26334000001", account=ACCOUNT):
    return transaction(account, amount, bank_reference, description=f"{reference} thanh toan")


def late_callback(link: dict, txn: dict) -> dict:
    """The payOS callback for `txn` that was lost, arriving after the check."""
    return {
        "orderCode": link["orderCode"],
        "amount": txn["amount"],
        "description": txn["description"],
        "accountNumber": txn["accountNumber"],
        "reference": txn["reference"],
        "transactionDateTime": txn["transactionDateTime"],
        "currency": "VND",
        "paymentLinkId": link["id"],
        "code": "00",
        "desc": "success",
        "counterAccountBankId": txn["counterAccountBankId"],
        "counterAccountName": txn["counterAccountName"],
        "counterAccountNumber": txn["counterAccountNumber"],
    }


# -- the lost callback ------------------------------------------------------------------------------
def test_a_credit_paid_at_payos_whose_callback_was_lost_is_recovered_once(committed, payos, stall):
    reference = open_request(stall)
    paid = paid_transfer(reference)
    link = payos.link(reference, 50_000, "PAID", [paid])

    result = check(committed)
    assert result.exit_code == 0, result.output
    assert "Recovered 1 credit(s) (50000 đồng)" in result.output
    request = request_of(reference)
    assert (request.status, request.paid_amount) == ("paid", 50_000)
    txn = db.session.scalar(select(BankTransaction))
    # payOS's own id, as its callback would have given it: a late callback is then a duplicate.
    assert txn.partner_txn_id == f"{link['id']}:FT26334000001"
    assert (txn.partner, txn.amount, txn.payment_request_id, txn.confirmation) == (
        "payos",
        50_000,
        request.id,
        "recovered",
    )
    run = db.session.scalar(select(ReconciliationRun))
    assert (run.partner, run.statement_date, run.line_count, run.break_count) == ("payos", DAY, 1, 1)
    assert run.totals["missing_callback"]["lines"] == 1 and run.totals["payos"] == {"agreed": 1}
    assert [kind for kind, _ in breaks()] == ["missing_callback"]
    assert txn.reconciliation_run_id == run.id

    # Checked again: the same run, nothing asked, nothing changed.
    calls = dict(payos.calls)
    again = check(committed)
    assert again.exit_code == 0 and "was checked already: run" in again.output
    assert dict(payos.calls) == calls
    assert count(ReconciliationRun) == 1 and count(BankTransaction) == 1

    # payOS's callback finally arrives: the same money, so nothing doubles.
    response = post_payos(committed.test_client(), late_callback(link, paid))
    assert response.status_code == 200
    assert count(BankTransaction) == 1
    assert request_of(reference).paid_amount == 50_000
    assert count(InboxEntry, InboxEntry.outcome == "duplicate") == 1


def test_a_callback_that_arrived_is_not_recorded_again(committed, payos, stall):
    reference = open_request(stall, status="underpaid", paid=20_000)
    first = paid_transfer(reference, 20_000, "FT26334000011")
    link = payos.link(reference, 50_000, "UNDERPAID", [first])
    # The first transfer's callback did arrive (our request is underpaid by it).
    assert post_payos(committed.test_client(), late_callback(link, first)).status_code == 200
    db.session.rollback()
    db.session.execute(
        PaymentRequest.__table__.update().where(PaymentRequest.reference == reference).values(paid_amount=20_000)
    )
    db.session.commit()
    before = count(BankTransaction)

    assert check(committed).exit_code == 0
    assert count(BankTransaction) == before
    assert request_of(reference).paid_amount == 20_000
    assert breaks() == []


def test_a_partly_paid_request_is_recovered_as_underpaid(committed, payos, stall):
    reference = open_request(stall)
    payos.link(reference, 50_000, "UNDERPAID", [paid_transfer(reference, 20_000)])
    assert check(committed).exit_code == 0
    request = request_of(reference)
    assert (request.status, request.paid_amount) == ("underpaid", 20_000)


def test_recovered_money_whose_content_lacks_the_reference_is_recorded_but_named_a_break(committed, payos, stall):
    reference = open_request(stall)
    payos.link(reference, 50_000, "PAID", [transaction(ACCOUNT, 50_000, "FT26334000009", description="CHUYEN TIEN")])
    assert check(committed).exit_code == 0
    txn = db.session.scalar(select(BankTransaction))
    # As its callback would have been: a static-QR sale on the stall, not on the request.
    assert (txn.match_kind, txn.vendor_id, txn.payment_request_id) == ("static", stall.id, None)
    problems = sorted((kind, detail.get("problem")) for kind, detail in breaks())
    assert problems == [("field_disagreement", None), ("payos_check", "not_on_request")]
    assert request_of(reference).status == "pending"


# -- two checks at once ------------------------------------------------------------------------------
def checks_at_once(committed, payos, *args) -> list[subprocess.CompletedProcess]:
    """Two `market-pay statements check-payos` processes started together on the test's database."""
    payos.delay = 0.2  # both processes are asking payOS at the same time
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "MARKET_PAY_DATABASE_URL": committed.config["SQLALCHEMY_DATABASE_URI"],
        "MARKET_PAY_SECRET_KEY": "e2e-secret",
        "MARKET_PAY_PAYOS_API_URL": payos.url,
        "MARKET_PAY_MATCHER": "off",
    }
    db.session.close()

    def run(_):
        return subprocess.run(
            [sys.executable, "-m", "market_pay.cli", "statements", "check-payos", "--date", DAY.isoformat(), *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, range(2)))
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    return results


def test_two_checks_of_one_day_started_at_once_record_one_run_and_the_money_once(committed, payos, stall):
    references = [open_request(stall, hour=9 + n) for n in range(3)]
    for n, reference in enumerate(references):
        payos.link(reference, 50_000, "PAID", [paid_transfer(reference, bank_reference=f"FT2633400010{n}")])
    outputs = [result.stdout for result in checks_at_once(committed, payos)]
    assert sum("Run " in output for output in outputs) == 1
    assert sum("was checked already" in output for output in outputs) == 1
    assert count(ReconciliationRun) == 1
    assert count(BankTransaction) == 3
    for reference in references:
        assert request_of(reference).paid_amount == 50_000


def test_two_continuations_at_once_ask_into_the_run_once(committed, payos, stall):
    references = [open_request(stall, hour=9 + n) for n in range(3)]
    for n, reference in enumerate(references):
        payos.link(reference, 50_000, "PAID", [paid_transfer(reference, bank_reference=f"FT2633400030{n}")])
    assert check(committed, "--date", DAY.isoformat(), "--max-requests", "1").exit_code == 0
    outputs = [result.stdout for result in checks_at_once(committed, payos)]
    assert sum("continued" in output for output in outputs) == 1
    assert count(ReconciliationRun) == 1 and count(BankTransaction) == 3
    assert [kind for kind, _ in breaks()] == ["missing_callback"] * 3
    run = db.session.scalar(select(ReconciliationRun))
    assert (run.break_count, run.totals["payos"]) == (3, {"agreed": 3})


# -- what payOS says, and what follows ----------------------------------------------------------------
def test_payos_cancelled_or_expired_links_close_our_unpaid_requests(committed, payos, stall):
    cancelled = open_request(stall, hour=9)
    expired = open_request(stall, hour=10)
    payos.link(cancelled, 50_000, "CANCELLED", canceledAt="2026-11-30T09:05:00+07:00", cancellationReason="khach huy")
    payos.link(expired, 50_000, "EXPIRED")
    result = check(committed)
    assert result.exit_code == 0, result.output
    assert request_of(cancelled).status == "cancelled" and request_of(cancelled).cancelled_at is not None
    assert request_of(expired).status == "expired"
    assert count(AuditLog, AuditLog.action == "payment_request.cancel") == 1
    assert breaks() == []


def test_a_cancelled_link_does_not_cancel_a_request_that_has_money(committed, payos, stall):
    reference = open_request(stall, status="underpaid", paid=20_000)
    payos.link(reference, 50_000, "CANCELLED", amountPaid=0, amountRemaining=50_000)
    assert check(committed).exit_code == 0
    assert request_of(reference).status == "underpaid"
    ((kind, detail),) = breaks()
    assert kind == "field_disagreement"
    assert detail["differences"] == [{"field": "amount_paid", "statement": 0, "callback": 20_000}]


def test_a_different_amount_at_payos_is_a_break_and_records_no_money(committed, payos, stall):
    reference = open_request(stall)
    payos.link(reference, 60_000, "PAID", [paid_transfer(reference, 60_000)])
    assert check(committed).exit_code == 0
    assert count(BankTransaction) == 0
    ((kind, detail),) = breaks()
    assert kind == "field_disagreement"
    assert detail["differences"] == [{"field": "request_amount", "statement": 60_000, "callback": 50_000}]


def test_money_payos_lists_on_another_account_is_not_recorded(committed, payos, stall):
    reference = open_request(stall)
    payos.link(reference, 50_000, "PAID", [paid_transfer(reference, account="9999000011112")])
    assert check(committed).exit_code == 0
    assert count(BankTransaction) == 0
    kinds = sorted(kind for kind, _ in breaks())
    assert kinds == ["field_disagreement", "other_account"]  # and what payOS counts as paid differs


def test_a_request_unknown_to_payos_is_a_break_on_a_payos_account(committed, payos, stall):
    # The account has had payOS money before: its requests are payOS's to know.
    earlier = open_request(stall, day=DAY - timedelta(days=3))
    link = payos.link(earlier, 50_000, "PAID", [paid_transfer(earlier, bank_reference="FT26331000001")])
    assert post_payos(committed.test_client(), late_callback(link, link["transactions"][0])).status_code == 200
    reference = open_request(stall)
    result = check(committed)
    assert result.exit_code == 0, result.output
    ((kind, detail),) = breaks()
    assert (kind, detail["problem"], detail["reference"]) == ("payos_check", "unknown", reference)


def test_a_request_on_an_account_payos_never_served_is_not_a_break_when_payos_does_not_know_it(committed, payos, stall):
    open_request(stall)
    result = check(committed)
    assert result.exit_code == 0, result.output
    assert breaks() == []
    assert db.session.scalar(select(ReconciliationRun.totals))["payos"] == {"not_at_payos": 1}


# -- payOS's quirks ------------------------------------------------------------------------------------
def test_429_with_retry_after_and_5xx_are_retried(committed, payos, stall):
    reference = open_request(stall)
    payos.link(reference, 50_000, "PAID", [paid_transfer(reference)])
    payos.script(reference, (429, {"Retry-After": "1"}, {"code": "429", "desc": "Too many requests"}))
    payos.script(reference, (503, {}, b"<html>busy</html>"))
    result = check(committed)
    assert result.exit_code == 0, result.output
    assert payos.calls[order_code_for(reference)] == 3
    assert request_of(reference).paid_amount == 50_000


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ((200, {}, {"code": "20", "desc": "Internal error"}), "code '20'"),
        ((200, {}, b"not json at all"), "no JSON object"),
        ((200, {}, {"code": "00", "desc": "success", "data": None}), "no data object"),
        ((400, {}, {"code": "01", "desc": "Invalid"}), "code '01'"),
    ],
)
def test_an_unusable_answer_refuses_that_request_with_a_reason(committed, payos, stall, answer, reason):
    reference = open_request(stall)
    payos.link(reference, 50_000, "PAID", [paid_transfer(reference)])
    payos.script(reference, answer)
    result = check(committed)
    assert result.exit_code == 0, result.output
    assert count(BankTransaction) == 0
    ((kind, detail),) = breaks()
    assert (kind, detail["problem"]) == ("payos_check", "refused")
    assert reason in detail["reason"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amountPaid", "50000"),
        ("amountPaid", 50_000.0),
        ("amount", True),
        ("amount", 10**13),
        ("status", "WEIRD"),
        ("transactions", "none"),
    ],
)
def test_garbage_amounts_and_fields_from_payos_are_refused(committed, payos, stall, field, value):
    reference = open_request(stall)
    payos.link(reference, 50_000, "PAID", [paid_transfer(reference)])[field] = value
    result = check(committed)
    assert result.exit_code == 0, result.output
    assert count(BankTransaction) == 0
    assert [(kind, detail["problem"]) for kind, detail in breaks()] == [("payos_check", "refused")]


@pytest.mark.parametrize(
    ("field", "value"), [("amount", 2_000_000_000), ("amount", "50000"), ("transactionDateTime", "yesterday")]
)
def test_a_garbage_transaction_is_refused_and_records_nothing(committed, payos, stall, field, value):
    reference = open_request(stall)
    txn = {**paid_transfer(reference), field: value}
    payos.link(reference, 50_000, "PAID", [txn], amountPaid=50_000, amountRemaining=0)
    assert check(committed).exit_code == 0
    assert count(BankTransaction) == 0
    assert [(kind, detail["problem"]) for kind, detail in breaks()] == [("payos_check", "refused")]


def test_a_wrong_key_fails_in_one_line_records_nothing_and_leaves_the_day_to_check(committed, payos, stall):
    reference = open_request(stall)
    payos.link(reference, 50_000, "PAID", [paid_transfer(reference)])
    set_credentials("payos", [PAYOS_KEY], [], pull_tokens=["a-wrong-api-key"], client_ids=[CLIENT_ID])
    db.session.commit()
    result = check(committed)
    assert result.exit_code == 1
    assert "payOS refused our credentials" in result.output and "Traceback" not in result.output
    assert "a-wrong-api-key" not in result.output
    assert count(ReconciliationRun) == 0

    set_credentials("payos", [PAYOS_KEY], [], pull_tokens=[API_KEY], client_ids=[CLIENT_ID])
    db.session.commit()
    assert check(committed).exit_code == 0
    assert request_of(reference).paid_amount == 50_000


def test_the_time_budget_ends_the_check_and_says_what_was_not_asked(committed, payos, stall, monkeypatch):
    monkeypatch.setitem(committed.config, "PAYOS_CHECK_BUDGET_SECONDS", 2)
    first, second = open_request(stall, hour=9), open_request(stall, hour=10)
    payos.link(first, 50_000, "PENDING")
    payos.link(second, 50_000, "PENDING")
    payos.script(first, (429, {"Retry-After": "30"}, {"code": "429", "desc": "slow down"}))
    result = check(committed)
    assert result.exit_code == 0, result.output
    assert sorted(detail["problem"] for _, detail in breaks()) == ["not_checked", "not_checked"]
    assert payos.calls[order_code_for(second)] == 0


def test_the_bound_on_requests_per_run_is_kept_and_the_rest_reported(committed, payos, stall):
    references = [open_request(stall, hour=8 + n) for n in range(3)]
    for reference in references:
        payos.link(reference, 50_000, "PENDING")
    result = check(committed, "--date", DAY.isoformat(), "--max-requests", "2")
    assert result.exit_code == 0, result.output
    assert sum(payos.calls.values()) == 2
    ((kind, detail),) = breaks()
    assert (kind, detail["problem"], detail["reference"]) == ("payos_check", "not_checked", references[2])


def test_a_check_cut_short_is_continued_into_the_same_run_and_then_is_complete(committed, payos, stall):
    references = [open_request(stall, hour=8 + n) for n in range(3)]
    for n, reference in enumerate(references):
        payos.link(reference, 50_000, "PAID", [paid_transfer(reference, bank_reference=f"FT2633400020{n}")])
    first = check(committed, "--date", DAY.isoformat(), "--max-requests", "1")
    assert first.exit_code == 0, first.output
    run_id = db.session.scalar(select(ReconciliationRun.id))
    assert sorted(detail.get("problem", "") for _, detail in breaks()) == ["", "not_checked", "not_checked"]

    second = check(committed)
    assert second.exit_code == 0 and f"Run {run_id} continued" in second.output, second.output
    assert count(ReconciliationRun) == 1 and count(BankTransaction) == 3
    assert [kind for kind, _ in breaks()] == ["missing_callback"] * 3
    run = db.session.get(ReconciliationRun, run_id)
    assert (run.break_count, run.totals["missing_callback"]["lines"], run.totals["payos"]) == (3, 3, {"agreed": 3})
    for reference in references:
        assert request_of(reference).paid_amount == 50_000
    asked = sum(payos.calls.values())

    third = check(committed)
    assert "was checked already" in third.output and sum(payos.calls.values()) == asked


# -- which requests, which days -----------------------------------------------------------------------
def test_only_the_days_open_requests_are_asked(committed, payos, stall):
    asked = open_request(stall)
    paid = open_request(stall, status="paid", paid=50_000)
    cancelled = open_request(stall, status="cancelled")
    other_day = open_request(stall, day=DAY + timedelta(days=1), hour=0)
    before_midnight = open_request(stall, day=DAY, hour=23)
    for reference in (asked, paid, cancelled, other_day, before_midnight):
        payos.link(reference, 50_000, "PENDING")
    assert check(committed).exit_code == 0
    asked_codes = {code for code, calls in payos.calls.items() if calls}
    assert asked_codes == {order_code_for(asked), order_code_for(before_midnight)}


def test_a_day_not_yet_over_and_bad_options_are_refused_in_one_line(committed, payos, stall):
    today = datetime.now(VIETNAM).date()
    result = check(committed, "--date", today.isoformat())
    assert result.exit_code == 1 and "has not ended yet" in result.output
    both = check(committed, "--date", DAY.isoformat(), "--yesterday")
    assert both.exit_code == 2 and "one of them" in both.output
    assert check(committed, "--date", "30/11/2026").exit_code == 2
    assert count(ReconciliationRun) == 0


def test_a_payos_address_without_tls_is_refused_in_one_line(committed, payos, stall, monkeypatch):
    open_request(stall)
    monkeypatch.setitem(committed.config, "PAYOS_API_URL", "http://payos.example")
    result = check(committed)
    assert result.exit_code == 1 and "must be https" in result.output and "Traceback" not in result.output
    assert count(ReconciliationRun) == 0


def test_without_payos_api_credentials_the_check_says_how_to_set_them(committed, payos):
    set_credentials("payos", [PAYOS_KEY], [])
    db.session.commit()
    result = check(committed)
    assert result.exit_code == 1
    assert "partners set payos" in result.output and "Traceback" not in result.output


# -- who reads the outcome ---------------------------------------------------------------------------
def test_the_market_s_manager_reads_the_check_and_another_market_s_does_not(committed, payos, stall):
    reference = open_request(stall)
    payos.link(reference, 50_000, "PAID", [paid_transfer(reference)])
    unknown_elsewhere = make_vendor(accounts=[account_data("970436", "0022002345678", "TRAN VAN C")])
    open_request(unknown_elsewhere)
    assert check(committed).exit_code == 0
    run_id = db.session.scalar(select(ReconciliationRun.id))
    manager = make_user("market_manager", scope=stall.market.code)
    other = make_user("market_manager", scope=unknown_elsewhere.market.code)
    client = committed.test_client()
    run = client.get(f"/api/v1/reconciliation-runs/{run_id}?lang=en", headers=auth_header(manager)).get_json()
    assert (run["partner"], run["statement_date"], run["breaks_by_kind"]) == (
        "payos",
        "2026-11-30",
        {"missing_callback": 1},
    )
    listed = client.get(f"/api/v1/reconciliation-runs/{run_id}/breaks?lang=en", headers=auth_header(manager)).get_json()
    (item,) = listed["items"]
    assert "callback was lost" in item["message"] and reference in item["message"]
    vietnamese = client.get(f"/api/v1/reconciliation-runs/{run_id}/breaks", headers=auth_header(manager)).get_json()
    assert "payOS đã nhận tiền" in vietnamese["items"][0]["message"]
    # The other market's request was only asked about (payOS did not know it): its manager sees
    # the run's own market only, and none of this stall's money.
    theirs = client.get(f"/api/v1/reconciliation-runs/{run_id}/breaks", headers=auth_header(other)).get_json()
    assert theirs["items"] == []
    # The market office shows the check among the market's runs, with the break in Vietnamese.
    office = committed.test_client()
    sign_in(office, manager)
    code = stall.market.code
    assert "30/11/2026" in office.get(f"/office/m/{code}/reconciliation").get_data(as_text=True)
    page = office.get(f"/office/m/{code}/reconciliation/{run_id}").get_data(as_text=True)
    assert "payOS đã nhận tiền" in page and 'data-kind="missing_callback"' in page


def test_partners_set_takes_payos_pull_credentials_and_prints_fingerprints_only(committed):
    runner = committed.test_cli_runner()
    result = runner.invoke(
        args=["partners", "set", "payos", "--secret", PAYOS_KEY, "--client-id", CLIENT_ID, "--pull-token", API_KEY]
    )
    assert result.exit_code == 0, result.output
    assert "1 pull token(s), 1 client id(s)" in result.output
    assert API_KEY not in result.output and CLIENT_ID not in result.output
    listing = runner.invoke(args=["partners", "list"]).output
    assert "pull_token" in listing and "client_id" in listing and API_KEY not in listing
    refused = runner.invoke(args=["partners", "set", "sepay", "--client-id", CLIENT_ID])
    assert refused.exit_code == 1 and "Only payOS has a client id" in refused.output
    short = runner.invoke(args=["partners", "set", "payos", "--pull-token", "short"])
    assert short.exit_code == 1 and "8 to 200" in short.output
