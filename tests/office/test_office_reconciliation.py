"""Reconciliation in the office: region staff upload the day's statement for their market, the
manager reads the run and its breaks; another market's manager sees nothing of it."""

import pytest
from sqlalchemy import func, select

from market_pay.extensions import db
from market_pay.reconciliation.models import ReconciliationRun
from tests.office.conftest import sign_in
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer
from tests.reconciliation.statements import line, write_statement

pytestmark = pytest.mark.usefixtures("app")
DAY = "2026-11-21"


@pytest.fixture
def statement(client, office, tmp_path):
    set_partners()
    account = office.stall_a.accounts[0]
    post_simbank(
        client,
        simbank_transfer(
            account, 50_000, transaction_id="SIM-1", bank_reference="FT1", booked_at=f"{DAY}T09:00:00+07:00"
        ),
    )
    return write_statement(
        tmp_path / "sao-ke.csv",
        [
            (
                account.bin,
                account.account_number,
                0,
                [
                    line("SIM-1", "FT1", f"{DAY}T09:00:00+07:00", 50_000),
                    line("SIM-2", "FT2", f"{DAY}T09:30:00+07:00", 1_250_000, description="MUA GAO"),
                ],
                None,
            )
        ],
    )


def upload(client, code, token, path, **fields):
    with open(path, "rb") as handle:
        return client.post(
            f"/office/m/{code}/reconciliation",
            content_type="multipart/form-data",
            data={"csrf_token": token, "file": (handle, path.name), "partner": "simbank", **fields},
        )


def runs():
    return db.session.scalar(select(func.count()).select_from(ReconciliationRun))


def test_region_staff_upload_and_the_manager_reads_the_breaks(client, office, statement):
    token = sign_in(client, office.staff_a)
    code = office.market_a.code
    assert 'id="statement-form"' in client.get(f"/office/m/{code}/reconciliation").get_data(as_text=True)
    response = upload(client, code, token, statement)
    assert response.status_code == 302
    run_path = response.headers["Location"]
    manager = client.application.test_client()
    sign_in(manager, office.manager_a)
    listing = manager.get(f"/office/m/{code}/reconciliation").get_data(as_text=True)
    assert "21/11/2026" in listing and 'id="statement-form"' not in listing
    html = manager.get(run_path).get_data(as_text=True)
    assert "Thiếu thông báo (đã bổ sung từ sao kê)" in html and "1.250.000 ₫" in html
    assert 'data-kind="missing_callback"' in html


def test_a_manager_may_not_upload_and_another_market_sees_nothing(client, office, statement):
    token = sign_in(client, office.manager_a)
    code = office.market_a.code
    assert upload(client, code, token, statement).status_code == 403
    assert runs() == 0
    staff = client.application.test_client()
    upload(staff, code, sign_in(staff, office.staff_a), statement)
    run_id = db.session.scalar(select(ReconciliationRun.id))
    other = client.application.test_client()
    sign_in(other, office.manager_b)
    assert other.get(f"/office/m/{code}/reconciliation").status_code == 403
    assert other.get(f"/office/m/{code}/reconciliation/{run_id}").status_code == 403
    assert other.get(f"/office/m/{office.market_b.code}/reconciliation/{run_id}").status_code == 404
    assert "21/11/2026" not in other.get(f"/office/m/{office.market_b.code}/reconciliation").get_data(as_text=True)


def test_an_upload_without_the_token_or_a_file_changes_nothing(client, office, statement):
    token = sign_in(client, office.staff_a)
    code = office.market_a.code
    with open(statement, "rb") as handle:
        refused = client.post(
            f"/office/m/{code}/reconciliation",
            content_type="multipart/form-data",
            data={"file": (handle, "s.csv"), "partner": "simbank"},
        )
    assert refused.status_code == 403
    missing = client.post(f"/office/m/{code}/reconciliation", data={"csrf_token": token, "partner": "simbank"})
    assert missing.status_code == 422 and "Hãy chọn tệp sao kê." in missing.get_data(as_text=True)
    wrong_partner = upload(client, code, token, statement, partner="nobank")
    assert wrong_partner.status_code == 422
    # A file that is no statement: said in Vietnamese, every missing column named once.
    statement.write_text("garbage,here\n1,2\n", encoding="utf-8")
    garbage = upload(client, code, token, statement).get_data(as_text=True)
    assert "Dòng tiêu đề của sao kê thiếu cột." in garbage and "Thiếu cột transaction_id, bank_reference," in garbage
    assert "Missing column" not in garbage and "header is incomplete" not in garbage
    assert runs() == 0


def mt940_without_its_bank(number: str) -> str:
    """A one-account MT940 export whose :25: has the number only (no BIN): the uploader must say
    which account it is, as the API's `account` and the command line's --account do."""
    return (
        f":20:STMT1\n:25:{number}\n:28C:1/1\n:60F:C261121VND100000,\n"
        ":61:2611211121C50000,NTRFNONREF//FT9\n:86:MUA RAU\n:62F:C261121VND150000,\n-\n"
    )


def test_a_single_account_export_is_reconciled_with_the_format_and_account_given(client, office, tmp_path):
    set_partners()
    token = sign_in(client, office.staff_a)
    code = office.market_a.code
    form = client.get(f"/office/m/{code}/reconciliation").get_data(as_text=True)
    assert 'name="format"' in form and 'value="mt940"' in form and "Tự nhận biết theo nội dung tệp" in form
    assert 'name="account_bin"' in form and 'name="account_number"' in form
    own, theirs = office.stall_a.accounts[0], office.stall_b.accounts[0]
    path = tmp_path / "sao-ke.sta"
    path.write_text(mt940_without_its_bank(own.account_number), encoding="utf-8")

    unnamed = upload(client, code, token, path, format="mt940")
    assert unnamed.status_code == 422
    assert "Tệp không ghi sao kê của tài khoản nào" in unnamed.get_data(as_text=True)
    half = upload(client, code, token, path, format="mt940", account_number=own.account_number)
    assert half.status_code == 422 and "Hãy chọn ngân hàng và nhập số tài khoản" in half.get_data(as_text=True)
    assert upload(client, code, token, path, format="pdf", account_bin=own.bin).status_code == 422
    # Another area's account: refused whole (403), exactly as the API refuses it.
    path.write_text(mt940_without_its_bank(theirs.account_number), encoding="utf-8")
    outside = upload(
        client, code, token, path, format="mt940", account_bin=theirs.bin, account_number=theirs.account_number
    )
    assert outside.status_code == 403
    assert runs() == 0

    path.write_text(mt940_without_its_bank(own.account_number), encoding="utf-8")
    done = upload(client, code, token, path, format="mt940", account_bin=own.bin, account_number=own.account_number)
    assert done.status_code == 302, done.get_data(as_text=True)
    run = db.session.scalar(select(ReconciliationRun))
    assert (run.account_count, run.totals["missing_callback"]["lines"]) == (1, 1)


def test_the_format_and_account_are_the_api_s_for_a_manager_too(client, office, tmp_path):
    """A market manager may not reconcile: refused before the file or its fields are read."""
    token = sign_in(client, office.manager_a)
    path = tmp_path / "sao-ke.sta"
    path.write_text(mt940_without_its_bank(office.stall_a.accounts[0].account_number), encoding="utf-8")
    refused = upload(client, office.market_a.code, token, path, format="nonsense", account_bin="x")
    assert refused.status_code == 403
    assert runs() == 0


def test_region_staff_upload_a_statement_larger_than_a_form_through_the_office(client, office, statement, tmp_path):
    """The page promises the role's statement limit (64 MB for region staff), not a form's 2 MB: the
    app's NUL check read every page form before the office set that limit, so any real day's file
    over 2 MB was a 413 (found by the insider review of issue 24)."""
    account = office.stall_a.accounts[0]
    lines = [
        line(f"SIM-BIG-{n}", f"FTBIG{n}", f"{DAY}T10:00:00+07:00", 1_000 + n, description="MUA " + "x" * 900)
        for n in range(2_600)
    ]
    big = write_statement(tmp_path / "big.csv", [(account.bin, account.account_number, 0, lines, None)])
    limit = client.application.config["MAX_CONTENT_LENGTH"]
    assert limit < big.stat().st_size < client.application.config["STATEMENT_MAX_BYTES_REGION"]
    token = sign_in(client, office.staff_a)
    response = upload(client, office.market_a.code, token, big)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert runs() == 1
    # Ordinary forms keep a form's limit, and their NUL check.
    huge = client.post(
        f"/office/m/{office.market_a.code}/stalls/{office.stall_a.id}/logins",
        content_type="multipart/form-data",
        data={"csrf_token": token, "note": "x" * (limit + 1)},
    )
    assert huge.status_code == 413
    nul = client.post(
        f"/office/m/{office.market_a.code}/reconciliation",
        content_type="multipart/form-data",
        data={"csrf_token": token, "partner": "simbank\x00"},
    )
    assert nul.status_code == 400


def test_region_staff_are_told_in_vietnamese_that_today_s_statement_waits_for_tomorrow(client, office, tmp_path):
    from datetime import datetime

    from market_pay.common.local_time import local_zone

    account = office.stall_a.accounts[0]
    now = datetime.now(local_zone())
    path = write_statement(
        tmp_path / "today.csv",
        [
            (
                account.bin,
                account.account_number,
                0,
                [line("SIM-T", "FTT", now.isoformat(timespec="seconds"), 9_000)],
                None,
            )
        ],
    )
    response = upload(client, office.market_a.code, sign_in(client, office.staff_a), path)
    assert response.status_code == 422
    assert "chưa kết thúc (giờ Việt Nam): hãy tải lên từ ngày mai" in response.get_data(as_text=True)
    assert runs() == 0
