"""`market-pay statements pull` against local fakes of SePay (v2 and the older API) and Casso over
real HTTP, on SQLite and PostgreSQL: lost callbacks recovered, duplicates changing nothing, the day
never in two runs, the partners' quirks (string amounts, empty-200 auth errors, days without time,
429 with Retry-After, pagination) handled, and every failure leaving nothing written."""

import json
import time
from datetime import datetime, timedelta
from email.utils import formatdate

import pytest
from sqlalchemy import func, select

from market_pay.common.local_time import VIETNAM
from market_pay.extensions import db
from market_pay.payments.models import BankTransaction, PartnerCredential, SuspenseItem
from market_pay.payments.partners import set_credentials
from market_pay.reconciliation.models import ReconciliationBreak, ReconciliationRun
from market_pay.reconciliation.pull.client import retry_after_seconds
from market_pay.reconciliation.pull.models import StatementPull
from tests.factories import account_data, make_market, make_vendor
from tests.payments.helpers import SEPAY_KEY, SEPAY_SECRET, post_sepay, set_partners
from tests.reconciliation.partner_apis import FakePartners, FakeServer, Transaction

DAY = "2026-11-21"
ACCOUNT = ("970436", "0011001234567")  # Vietcombank
UNKNOWN = "99999999"
TOKEN = "pull-token-for-tests"


@pytest.fixture
def fake(app, monkeypatch):
    """The fake partners, served; the app pointed at them, waiting without sleeping (the waits it
    asked for are recorded in fake.waits)."""
    partners = FakePartners(token=TOKEN)
    partners.waits = []
    with FakeServer(partners) as base:
        for key, value in {
            "SEPAY_API_URL": f"{base}/sepay",
            "SEPAY_LEGACY_API_URL": f"{base}/sepay-legacy",
            "CASSO_API_URL": f"{base}/casso",
            "STATEMENT_PULL_MIN_INTERVAL_SECONDS": 0,
            "STATEMENT_PULL_SLEEP": partners.waits.append,
            "STATEMENT_PULL_ATTEMPTS": 4,
        }.items():
            monkeypatch.setitem(app.config, key, value)
        yield partners


@pytest.fixture
def stall(app):
    set_partners()
    set_credentials("sepay", [SEPAY_SECRET], [SEPAY_KEY], pull_tokens=[TOKEN])
    set_credentials("casso", [], [], pull_tokens=[TOKEN])
    db.session.commit()
    return make_vendor(make_market(), accounts=[account_data(*ACCOUNT, "NGUYEN THI HOA")])


def the_day():
    """Four transactions at the bank: two reported by callbacks, one whose callback was lost, one
    on an account no stall registered."""
    return [
        Transaction(ACCOUNT[1], 50_000, f"{DAY} 09:00:00", "FT26325001", legacy_id=9001),
        Transaction(ACCOUNT[1], 30_000, f"{DAY} 10:00:00", "FT26325002", legacy_id=9002),
        Transaction(ACCOUNT[1], 70_000, f"{DAY} 11:00:00", "FT26325003", legacy_id=9003),
        Transaction(UNKNOWN, 20_000, f"{DAY} 12:00:00", "FT26325004", legacy_id=9004),
    ]


def sepay_callback(client, t: Transaction):
    body = {
        "id": t.legacy_id,
        "gateway": t.bank,
        "transactionDate": t.when,
        "accountNumber": t.account,
        "subAccount": None,
        "code": None,
        "content": t.content,
        "transferType": t.direction,
        "transferAmount": t.amount,
        "accumulated": 0,
        "referenceCode": t.reference,
        "description": "BankAPINotify " + t.content,
    }
    response = post_sepay(client, body)
    assert response.status_code == 200, response.get_json()


def pull(runner, *args):
    return runner.invoke(args=["statements", "pull", *args])


def runs() -> int:
    return db.session.scalar(select(func.count(ReconciliationRun.id)))


def recovered(reference):
    return db.session.scalar(select(BankTransaction).where(BankTransaction.bank_reference == reference))


@pytest.mark.parametrize("api", ["v2", "legacy"])
def test_a_sepay_pull_recovers_the_lost_callback_and_a_second_pull_is_refused_politely(
    client, runner, fake, stall, api
):
    fake.sepay = the_day()
    sepay_callback(client, fake.sepay[0])
    sepay_callback(client, fake.sepay[0])  # delivered twice: recorded once
    sepay_callback(client, fake.sepay[1])

    result = pull(runner, "--partner", "sepay", "--date", DAY, "--api", api)

    assert result.exit_code == 0, result.output
    run = db.session.scalar(select(ReconciliationRun))
    assert run.partner == "sepay" and run.line_count == 4
    assert run.totals["matched"]["callbacks"] == 2 and run.totals["matched"]["amount_in"] == 80_000
    assert run.totals["missing_callback"]["lines"] == 2  # the lost one, and the unknown account's
    lost = recovered("FT26325003")
    assert (lost.confirmation, lost.vendor_id, lost.amount) == ("recovered", stall.id, 70_000)
    # An account no stall registered: in suspense, on no stall, and a break says so.
    foreign = recovered("FT26325004")
    assert foreign.vendor_id is None and foreign.bin == ACCOUNT[0]
    assert db.session.scalar(select(SuspenseItem.reason).where(SuspenseItem.transaction_id == foreign.id)) == (
        "unknown_account"
    )
    kinds = dict(
        db.session.execute(
            select(ReconciliationBreak.kind, func.count())
            .where(ReconciliationBreak.run_id == run.id)
            .group_by(ReconciliationBreak.kind)
        ).all()
    )
    assert kinds == {"missing_callback": 2, "in_suspense": 1}
    assert db.session.scalar(select(StatementPull.api)) == api
    # The callbacks that arrived are confirmed: by id (older API) or by the bank's reference (v2's UUIDs).
    assert recovered("FT26325001").confirmation == "confirmed"

    again = pull(runner, "--partner", "sepay", "--date", DAY, "--api", api)

    assert again.exit_code == 0, again.output
    assert "already pulled" in again.output and f"run {run.id}" in again.output
    assert runs() == 1
    assert db.session.scalar(select(func.count(BankTransaction.id))) == 4


def test_the_older_sepay_api_reads_string_amounts_exactly(client, runner, fake, stall):
    fake.sepay = the_day()[:1]
    fake.sepay[0].amount = 18_067_000
    result = pull(runner, "--partner", "sepay", "--date", DAY, "--api", "legacy")
    assert result.exit_code == 0, result.output
    assert recovered("FT26325001").amount == 18_067_000
    # The fake wrote it the older API's way.
    assert (
        fake._sepay_legacy({"transaction_date_min": DAY, "transaction_date_max": f"{DAY} 23:59:59"})["transactions"][0][
            "amount_in"
        ]
        == "18067000.00"
    )


@pytest.mark.parametrize("raw", ["18067000.50", "18,067,000", "lots", "-5000.00"])
@pytest.mark.parametrize("api", ["v2", "legacy"])
def test_an_amount_that_is_not_whole_dong_refuses_the_pull_naming_the_record(runner, fake, stall, raw, api):
    fake.sepay = the_day()[:2]
    fake.sepay[1].raw_amount = raw
    result = pull(runner, "--partner", "sepay", "--date", DAY, "--api", api)
    assert result.exit_code == 1
    record = fake.sepay[1].uuid if api == "v2" else "9002"
    assert record in result.output and "amount_in" in result.output and "Traceback" not in result.output
    assert runs() == 0 and db.session.scalar(select(func.count(BankTransaction.id))) == 0


def test_the_older_apis_empty_200_is_an_authentication_failure_not_an_empty_day(runner, fake, stall):
    fake.sepay = the_day()
    fake.token = "another-token"  # ours is no longer valid
    result = pull(runner, "--partner", "sepay", "--date", DAY, "--api", "legacy")
    assert result.exit_code == 1
    assert "empty 200" in result.output and "--pull-token" in result.output
    assert runs() == 0


@pytest.mark.parametrize("partner", ["sepay", "casso"])
def test_a_wrong_token_is_refused_with_a_clear_message_and_nothing_written(runner, fake, stall, partner):
    fake.sepay, fake.casso = the_day(), the_day()
    fake.token = "another-token"
    result = pull(runner, "--partner", partner, "--date", DAY)
    assert result.exit_code == 1 and "refused our credentials (HTTP 401)" in result.output
    assert len(fake.requests) == 1  # never retried
    assert runs() == 0


def test_the_token_value_is_never_printed(runner, app):
    result = runner.invoke(args=["partners", "set", "casso", "--pull-token", "casso-secret-key-123"])
    assert result.exit_code == 0, result.output
    assert "casso-secret-key-123" not in result.output and "1 pull token(s)" in result.output
    assert db.session.scalar(select(PartnerCredential.kind).where(PartnerCredential.partner == "casso")) == "pull_token"
    assert "Warning" not in result.output  # Casso has no callbacks to refuse
    sepay_only = runner.invoke(args=["partners", "set", "sepay", "--pull-token", "sepay-pull-token-1"])
    assert sepay_only.exit_code == 0 and "Warning: sepay now has no callback secret" in sepay_only.output
    refused = runner.invoke(args=["partners", "set", "casso", "--secret", "casso-secret-key-123"])
    assert refused.exit_code == 1 and "sends no callbacks" in refused.output


def test_a_casso_pull_matches_other_partners_callbacks_by_the_banks_reference(client, runner, fake, stall):
    fake.casso = the_day()
    fake.casso[2].casso_day_only = True  # this bank gives Casso the day only
    fake.casso.append(Transaction(ACCOUNT[1], 5_000, f"{DAY} 13:00:00", "FT26325005", direction="out", legacy_id=9005))
    sepay_callback(client, fake.casso[0])
    sepay_callback(client, fake.casso[1])

    result = pull(runner, "--partner", "casso", "--date", DAY)

    assert result.exit_code == 0, result.output
    run = db.session.scalar(select(ReconciliationRun).where(ReconciliationRun.partner == "casso"))
    assert run.totals["matched"]["callbacks"] == 2
    assert run.totals["missing_callback"]["lines"] == 3
    lost = recovered("FT26325003")
    assert (lost.vendor_id, lost.amount, lost.direction) == (stall.id, 70_000, "in")
    debit = recovered("FT26325005")
    assert (debit.amount, debit.direction) == (5_000, "out")  # Casso's -5000
    assert pull(runner, "--partner", "casso", "--date", DAY).output.count("already pulled") == 1
    assert runs() == 1


def test_pages_are_followed_to_the_end(runner, fake, stall):
    fake.sepay = [
        Transaction(ACCOUNT[1], 1_000 + n, f"{DAY} 08:{n // 60:02d}:{n % 60:02d}", f"FT{n:08d}", legacy_id=10_000 + n)
        for n in range(250)
    ]
    result = pull(runner, "--partner", "sepay", "--date", DAY)
    assert result.exit_code == 0, result.output
    assert [query["page"] for _, query in fake.requests] == ["1", "2", "3"]
    assert all(query["per_page"] == "100" for _, query in fake.requests)
    run = db.session.scalar(select(ReconciliationRun))
    assert run.line_count == 250 and run.totals["missing_callback"]["amount_in"] == sum(1_000 + n for n in range(250))


@pytest.mark.parametrize("envelope", ["nested", "flat"])
def test_a_server_paging_by_fewer_than_asked_is_followed_by_its_own_pagination(runner, fake, stall, envelope):
    fake.sepay_envelope, fake.sepay_page_cap = envelope, 20  # v2's default page, whatever we ask
    fake.sepay = [
        Transaction(ACCOUNT[1], 1_000 + n, f"{DAY} 09:{n // 60:02d}:{n % 60:02d}", f"FT{n:08d}", legacy_id=20_000 + n)
        for n in range(45)
    ]
    result = pull(runner, "--partner", "sepay", "--date", DAY)
    assert result.exit_code == 0, result.output
    assert [query["page"] for _, query in fake.requests] == ["1", "2", "3"]
    run = db.session.scalar(select(ReconciliationRun))
    assert run.line_count == 45


def test_the_end_of_a_day_is_read_from_each_shape_of_pagination():
    from market_pay.reconciliation.pull.sepay import _was_last_page

    assert _was_last_page({"has_more": True}, 1, 100, 20) is False
    assert _was_last_page({"has_more": False}, 1, 100, 100) is True
    assert _was_last_page({"pagination": {"last_page": 3}}, 2, 100, 100) is False
    assert _was_last_page({"page_count": 3}, 3, 100, 20) is True
    assert _was_last_page({"total": 45, "per_page": 20}, 2, 100, 20) is False
    assert _was_last_page({"total": 45, "per_page": 20}, 3, 100, 5) is True
    assert _was_last_page(None, 1, 100, 100) is False  # no pagination: a full page goes on
    assert _was_last_page(None, 1, 100, 99) is True
    assert _was_last_page({"has_more": True}, 4, 100, 0) is True  # an empty page ends it whatever meta says
    assert _was_last_page({"has_more": "yes", "last_page": True}, 1, 100, 100) is False  # wrong types ignored


def test_the_older_api_is_paged_by_since_id(runner, fake, stall, monkeypatch, app):
    monkeypatch.setitem(app.config, "SEPAY_LEGACY_LIMIT", 2)
    fake.sepay = the_day()
    result = pull(runner, "--partner", "sepay", "--date", DAY, "--api", "legacy")
    assert result.exit_code == 0, result.output
    assert [query.get("since_id") for _, query in fake.requests] == [None, "9003", "9005"]
    assert db.session.scalar(select(ReconciliationRun.line_count)) == 4


def test_a_day_beyond_the_page_bound_is_refused_whole(runner, fake, stall, monkeypatch, app):
    monkeypatch.setitem(app.config, "STATEMENT_PULL_MAX_PAGES", 2)
    fake.sepay = [
        Transaction(ACCOUNT[1], 1_000, f"{DAY} 08:00:{n % 60:02d}", f"FT{n:08d}", legacy_id=n + 1) for n in range(201)
    ]
    result = pull(runner, "--partner", "sepay", "--date", DAY)
    assert result.exit_code == 1 and "more than 2 pages" in result.output
    assert runs() == 0


@pytest.mark.parametrize("as_date", [False, True])
def test_429_is_waited_out_as_retry_after_says(runner, fake, stall, as_date):
    fake.sepay = the_day()
    fake.throttle = 2
    # Retry-After in seconds, or as an HTTP date two minutes ahead.
    fake.retry_after = formatdate(time.time() + 120, usegmt=True) if as_date else "7"
    result = pull(runner, "--partner", "sepay", "--date", DAY)
    assert result.exit_code == 0, result.output
    if as_date:
        assert len(fake.waits) == 2 and all(100 < wait <= 120 for wait in fake.waits)
    else:
        assert fake.waits == [7.0, 7.0]
    assert len(fake.requests) == 3 and runs() == 1


def test_retry_after_in_the_past_or_unreadable():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
    assert retry_after_seconds("120") == 120.0


def test_a_partner_that_keeps_failing_fails_the_pull_cleanly_and_it_can_be_retried(runner, fake, stall):
    fake.sepay = the_day()
    fake.failures = 4  # every one of the 4 attempts
    result = pull(runner, "--partner", "sepay", "--date", DAY)
    assert result.exit_code == 1 and "HTTP 503 after 4 attempts" in result.output
    assert len(fake.waits) == 3 and all(0 <= wait <= 30 for wait in fake.waits)  # jittered, capped backoff
    assert runs() == 0 and db.session.scalar(select(func.count(StatementPull.id))) == 0

    result = pull(runner, "--partner", "sepay", "--date", DAY)
    assert result.exit_code == 0, result.output
    assert runs() == 1


def test_a_time_budget_too_short_for_retry_after_fails_at_once(runner, fake, stall, monkeypatch, app):
    monkeypatch.setitem(app.config, "STATEMENT_PULL_BUDGET_SECONDS", 30)
    fake.sepay = the_day()
    fake.throttle, fake.retry_after = 1, "3600"
    result = pull(runner, "--partner", "sepay", "--date", DAY)
    assert result.exit_code == 1 and "time budget" in result.output
    assert fake.waits == [] and runs() == 0


def test_an_empty_day_makes_no_run(runner, fake, stall):
    result = pull(runner, "--partner", "casso", "--date", DAY)
    assert result.exit_code == 0 and "no transactions" in result.output
    assert runs() == 0


def test_usage_errors_are_one_line(runner, fake, stall):
    assert pull(runner, "--partner", "sepay").exit_code == 2
    assert pull(runner, "--partner", "sepay", "--date", "21/11/2026").exit_code == 2
    assert pull(runner, "--partner", "casso", "--date", DAY, "--api", "legacy").exit_code == 2
    result = pull(runner, "--partner", "casso", "--date", DAY)
    assert result.exit_code == 0  # (no records, fine)


def test_a_partner_without_a_pull_token_is_told_how_to_set_one(runner, app, fake):
    set_partners()
    result = pull(runner, "--partner", "sepay", "--date", DAY)
    assert result.exit_code == 1 and "partners set sepay --pull-token" in result.output
    assert fake.requests == []


def test_the_same_run_json_as_a_file(client, runner, fake, stall):
    """A pulled run is read like any other (API), its lines numbered as rows of the day."""
    from tests.factories import auth_header, make_user

    fake.sepay = the_day()
    assert pull(runner, "--partner", "sepay", "--date", DAY).exit_code == 0
    run_id = db.session.scalar(select(ReconciliationRun.id))
    response = client.get(f"/api/v1/reconciliation-runs/{run_id}", headers=auth_header(make_user("admin")))
    assert response.status_code == 200
    assert json.loads(response.data)["partner"] == "sepay"


def test_a_callback_the_list_contradicts_is_disputed_never_overwritten(client, runner, fake, stall):
    fake.sepay = the_day()[:2]
    told = Transaction(ACCOUNT[1], 55_000, f"{DAY} 09:00:00", "FT26325001", legacy_id=9001)
    sepay_callback(client, told)  # the callback said 55,000; the bank's list says 50,000
    result = pull(runner, "--partner", "sepay", "--date", DAY, "--api", "legacy")
    assert result.exit_code == 0, result.output
    callback = recovered("FT26325001")
    assert (callback.confirmation, callback.amount) == ("disputed", 55_000)
    assert db.session.scalar(select(ReconciliationRun)).totals["field_disagreement"]["callbacks"] == 1


def test_a_record_listed_on_two_pages_is_kept_once(client, runner, fake, stall):
    day = the_day()[:3]
    sepay_callback(client, day[0])
    # New money arrived while we paged: the second page starts with the first page's last record.
    fake.sepay = [day[0], day[1], day[1], day[2]]
    result = pull(runner, "--partner", "sepay", "--date", DAY, "--api", "legacy")
    assert result.exit_code == 0, result.output
    assert "1 listed twice (kept once)" in result.output
    run = db.session.scalar(select(ReconciliationRun))
    assert run.line_count == 3 and run.totals["duplicate"]["lines"] == 0
    assert db.session.scalar(select(func.count(BankTransaction.id))) == 3


@pytest.mark.parametrize(
    "change, named",
    [
        ({"amount_in": None}, "amount_in is missing"),
        ({"amount_in": True}, "amount_in is missing"),
        ({"amount_in": 1e30}, "above the service's bound"),
        ({"amount_out": 70_000}, "exactly one of amount_in and amount_out"),
        ({"transfer_type": "out"}, "disagrees with its amounts"),
        ({"transaction_date": "21/11/2026 11:00"}, "is not 'YYYY-MM-DD HH:MM:SS'"),
        ({"account_number": "../../etc"}, "is not an account number"),
        ({"reference_number": "x" * 101}, "longer than 100"),
        ({"transaction_content": "a\x00b"}, "holds NUL"),
    ],
)
def test_a_record_that_breaks_the_documented_shape_refuses_the_day_naming_it(
    runner, fake, stall, monkeypatch, change, named
):
    fake.sepay = the_day()[2:3]
    original = fake._sepay_v2

    def tampered(query):
        answer = original(query)
        answer["data"][0].update(change)
        return answer

    monkeypatch.setattr(fake, "_sepay_v2", tampered)
    result = pull(runner, "--partner", "sepay", "--date", DAY)
    assert result.exit_code == 1, result.output
    assert named in result.output and fake.sepay[0].uuid in result.output and "Traceback" not in result.output
    assert runs() == 0


def test_casso_runs_are_listed_by_partner(client, runner, fake, stall):
    from tests.factories import auth_header, make_user

    fake.casso = the_day()
    assert pull(runner, "--partner", "casso", "--date", DAY).exit_code == 0
    response = client.get("/api/v1/reconciliation-runs?partner=casso", headers=auth_header(make_user("admin")))
    assert response.status_code == 200, response.get_json()
    assert [item["partner"] for item in response.get_json()["items"]] == ["casso"]


def test_a_redirect_is_not_followed_with_our_token(runner, fake, stall):
    fake.sepay = the_day()
    catcher = FakePartners(token="none")
    with FakeServer(catcher) as elsewhere:
        fake.redirect_to = f"{elsewhere}/steal"
        result = pull(runner, "--partner", "sepay", "--date", DAY)
    assert result.exit_code == 1 and "HTTP 302" in result.output
    assert catcher.requests == [] and runs() == 0


@pytest.mark.parametrize("offset", [0, 1])
def test_a_day_not_over_yet_is_not_pulled(runner, fake, stall, offset):
    day = datetime.now(VIETNAM).date() + timedelta(days=offset)
    result = pull(runner, "--partner", "sepay", "--date", day.isoformat())
    assert result.exit_code == 1 and "is not over yet" in result.output
    assert fake.requests == [] and runs() == 0


def test_pull_due_is_what_cron_runs(runner, fake, stall, monkeypatch, app):
    from market_pay.reconciliation.pull import schedule

    monkeypatch.setitem(app.extensions, schedule.STATE_KEY, {"empty": set(), "next_check": 0.0, "thread": None})
    off = runner.invoke(args=["statements", "pull-due"])
    assert off.exit_code == 1 and "MARKET_PAY_STATEMENT_PULL is not set" in off.output
    monkeypatch.setitem(app.config, "STATEMENT_PULL", ("sepay", "casso"))
    monkeypatch.setitem(app.config, "STATEMENT_PULL_HOUR", 0)
    yesterday = (datetime.now(VIETNAM) - timedelta(days=1)).date().isoformat()
    fake.sepay = [Transaction(ACCOUNT[1], 70_000, f"{yesterday} 11:00:00", "FT26325003", legacy_id=9003)]

    result = runner.invoke(args=["statements", "pull-due"])

    assert result.exit_code == 0, result.output
    run_id = db.session.scalar(select(ReconciliationRun.id))
    assert f"sepay {yesterday}: created, run {run_id}" in result.output and f"casso {yesterday}: empty" in result.output
    assert runner.invoke(args=["statements", "pull-due"]).output == "Nothing due.\n"
    assert runs() == 1


def test_pull_due_fails_visibly_when_a_pull_fails(runner, fake, stall, monkeypatch, app):
    from market_pay.reconciliation.pull import schedule

    monkeypatch.setitem(app.extensions, schedule.STATE_KEY, {"empty": set(), "next_check": 0.0, "thread": None})
    monkeypatch.setitem(app.config, "STATEMENT_PULL", ("casso",))
    monkeypatch.setitem(app.config, "STATEMENT_PULL_HOUR", 0)
    fake.token = "another-token"
    result = runner.invoke(args=["statements", "pull-due"])
    assert result.exit_code == 1 and "casso" in result.output and "refused our credentials" in result.output
    assert runs() == 0


def test_a_partner_that_cannot_be_reached_is_retried_then_named(runner, fake, stall, monkeypatch, app):
    from tests.servers import free_port

    monkeypatch.setitem(app.config, "CASSO_API_URL", f"http://127.0.0.1:{free_port()}/casso")  # nobody listens
    result = pull(runner, "--partner", "casso", "--date", DAY)
    assert result.exit_code == 1 and "cannot reach casso" in result.output and "after 4 attempts" in result.output
    assert len(fake.waits) == 3 and runs() == 0
