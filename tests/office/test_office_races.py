"""Ten identical office forms at once against the real service (gunicorn, several workers, real
HTTP, SQLite and PostgreSQL): a double-clicked (or scripted) form that changes money or accounts
is carried out exactly once, the other nine refused, and the audit log says it once.

The tests share one service per database but none relies on another having run before it: each
makes what it races over and counts audit lines from where it started. (The withdrawal test once
took the account the first test had made; run without it, on a fresh service — `-k`, a re-run of
failures, or pytest-xdist restarting a crashed worker, which gives the group's remaining tests a
new module fixture — it posted to /accounts/None/withdraw and all ten got the router's 404.)"""

import time

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_URL
from tests.servers import dong_van_service, fresh_database_url, office_session, post_form_at_once, simbank_credit

pytestmark = pytest.mark.slow
MANAGER, PASSWORD, SECRET = "ql.races", "manager-password-1", "races-simbank-secret"
STALLS_CSV = (
    "stall_code,display_name,phone,bin,account_number,account_name\n"
    "A-07,Rau sạch bà Hoa,0987654321,970405,1900123456789,NGUYEN THI HOA\n"
    "A-08,Thịt lợn ông Nam,0912000008,970422,1900000000008,TRAN VAN NAM\n"
)
RACERS = 10


@pytest.fixture(scope="module", params=["sqlite"] + (["postgresql"] if PG_URL else []))
def service(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("races")
    url = fresh_database_url(request.param, tmp, PG_URL)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    users = [(MANAGER, PASSWORD, "market_manager", "DV")]
    with dong_van_service(url, tmp, STALLS_CSV, users, SECRET, workers=3, threads=4) as base:
        yield base, engine
    engine.dispose()


def one(engine, sql, **values):
    with engine.connect() as conn:
        return conn.execute(text(sql), values).scalar()


def signed_in(base):
    return office_session(base, MANAGER, PASSWORD)


def race(base, path, fields, files=None) -> list[int]:
    """The same form posted RACERS times at once from the same signed-in browser."""
    return post_form_at_once(base, MANAGER, PASSWORD, path, fields, RACERS, files)


def stall_id(engine, code):
    return one(engine, "SELECT id FROM vendor WHERE stall_code = :code", code=code)


def audited(engine, action):
    return one(engine, "SELECT count(*) FROM audit_log WHERE action = :action", action=action)


def credit(base: str, account: str, amount: int, bin_code: str):
    simbank_credit(base, SECRET, account, amount, bin_code, prefix="RC")


def ask_for_account(base, engine, vendor: int, number: str) -> int:
    """One manager's request for a new account (pending until the vendor confirms); its id."""
    session, token = signed_in(base)
    response = session.post(
        f"{base}/office/m/DV/stalls/{vendor}/accounts",
        data={"bin": "970422", "account_number": number, "account_name": "NGUYEN THI HOA", "csrf_token": token},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:300]
    account = one(engine, "SELECT id FROM receiving_account WHERE account_number = :n", n=number)
    assert account is not None
    return account


def test_ten_requests_for_one_new_account_make_one(service):
    base, engine = service
    vendor = stall_id(engine, "A-07")
    added = audited(engine, "account.add")
    statuses = race(
        base,
        f"/office/m/DV/stalls/{vendor}/accounts",
        {"bin": "970422", "account_number": "7770001112223", "account_name": "NGUYEN THI HOA"},
    )
    assert statuses == [302] + [409] * (RACERS - 1), statuses
    assert one(engine, "SELECT count(*) FROM receiving_account WHERE account_number = '7770001112223'") == 1
    assert audited(engine, "account.add") == added + 1


def test_ten_withdrawals_of_one_request_withdraw_it_once(service):
    base, engine = service
    vendor = stall_id(engine, "A-07")
    # A number of its own each time, so the test can be repeated on one service (pytest-repeat).
    account = ask_for_account(base, engine, vendor, f"777{time.time_ns() % 10**10:010d}")
    rejected = audited(engine, "account.reject")
    statuses = race(base, f"/office/m/DV/stalls/{vendor}/accounts/{account}/withdraw", {})
    assert statuses == [302] + [409] * (RACERS - 1), statuses
    assert one(engine, "SELECT status FROM receiving_account WHERE id = :a", a=account) == "rejected"
    assert audited(engine, "account.reject") == rejected + 1


def test_ten_resolutions_of_one_suspense_item_assign_the_money_once(service):
    base, engine = service
    vendor = stall_id(engine, "A-08")
    statuses = race(
        base,
        f"/office/m/DV/stalls/{vendor}/accounts",
        {"bin": "970422", "account_number": "8880001112223", "account_name": "TRAN VAN NAM"},
    )
    assert statuses.count(302) == 1
    credit(base, "8880001112223", 45_000, "970422")
    for _ in range(300):  # the matcher (a thread in the web workers) queues it within moments
        item = one(engine, "SELECT max(id) FROM suspense_item")
        if item is not None:
            break
        time.sleep(0.1)
    statuses = race(
        base,
        f"/office/m/DV/suspense/{item}",
        {"action": "assign_stall", "stall_code": "A-08", "note": "sạp mới mở tài khoản"},
    )
    assert statuses == [302] + [409] * (RACERS - 1), statuses
    assert audited(engine, "suspense.assign_stall") == 1
    assert one(engine, "SELECT count(*) FROM bank_transaction WHERE vendor_id = :v", v=vendor) == 1


def test_ten_registrations_of_one_stall_register_it_once(service):
    base, engine = service
    created = audited(engine, "vendor.create")
    statuses = race(
        base,
        "/office/m/DV/stalls/new",
        {
            "stall_code": "B-01",
            "display_name": "Gạo ông Tư",
            "legal_name": "Lê Văn Tư",
            "phone": "0911222333",
            "floor_amount": "",
            "bin": "970422",
            "account_number": "88001234",
            "account_name": "LE VAN TU",
        },
    )
    assert statuses == [302] + [409] * (RACERS - 1), statuses
    assert one(engine, "SELECT count(*) FROM vendor WHERE stall_code = 'B-01'") == 1
    assert audited(engine, "vendor.create") == created + 1


def test_ten_suspensions_of_one_stall_suspend_it_once(service):
    base, engine = service
    vendor = stall_id(engine, "A-07")
    suspended = audited(engine, "vendor.suspend")
    statuses = race(base, f"/office/m/DV/stalls/{vendor}/status", {"status": "suspended", "reason": "nợ phí"})
    assert statuses.count(302) >= 1 and set(statuses) <= {302, 409}, statuses
    assert audited(engine, "vendor.suspend") == suspended + 1


def test_ten_uploads_of_one_cash_survey_count_the_day_s_cash_once(service):
    """A survey replaces the (market, stall, day)'s earlier one: ten at once must leave one, not
    ten rows of the same cash (the market's cash total multiplied by ten)."""
    base, engine = service
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 2 * 86400))
    text_ = f"date,market_code,stall_code,count,value\n{day},DV,A-08,12,3400000\n"
    statuses = race(base, "/office/m/DV/cash-survey", {}, files={"file": ("khao-sat.csv", text_.encode())})
    # Each upload is valid and replaces the day's figures: they take turns, and all are done.
    assert statuses == [302] * RACERS, statuses
    vendor = stall_id(engine, "A-08")
    assert one(engine, "SELECT count(*) FROM cash_sale WHERE source = 'survey' AND vendor_id = :v", v=vendor) == 1
    assert (
        one(engine, "SELECT sum(amount) FROM cash_sale WHERE source = 'survey' AND vendor_id = :v", v=vendor)
        == 3_400_000
    )
