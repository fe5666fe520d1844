"""Statement upload, runs and breaks over HTTP and the command line; who may do what; bad files."""

import csv
import io

import pytest
from sqlalchemy import func, select

from market_pay.extensions import db
from market_pay.payments.models import BankTransaction
from market_pay.reconciliation.models import ReconciliationBreak, ReconciliationRun
from tests.factories import account_data, auth_header, make_market, make_user, make_vendor, scope_of
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer
from tests.reconciliation.statements import line, write_statement

pytestmark = pytest.mark.usefixtures("app")
DAY = "2026-11-21"


@pytest.fixture
def setup(client, tmp_path):
    set_partners()
    market = make_market()
    stall = make_vendor(market, accounts=[account_data("970436", "0011001234567", "NGUYEN THI HOA")])
    post_simbank(
        client,
        simbank_transfer(
            stall.accounts[0], 50_000, transaction_id="SIM-1", bank_reference="FT1", booked_at=f"{DAY}T09:00:00+07:00"
        ),
    )
    statement = write_statement(
        tmp_path / "sao-ke.csv",
        [
            (
                "970436",
                "0011001234567",
                0,
                [
                    line("SIM-1", "FT1", f"{DAY}T09:00:00+07:00", 50_000),
                    line("SIM-2", "FT2", f"{DAY}T09:30:00+07:00", 1_250_000, description="MUA GAO"),
                ],
                None,
            )
        ],
    )
    return market, stall, statement


def upload(client, path, user, partner="simbank", **fields):
    with open(path, "rb") as handle:
        return client.post(
            "/api/v1/statements",
            headers=auth_header(user),
            content_type="multipart/form-data",
            data={"file": (handle, path.name), "partner": partner, **fields},
        )


def test_region_staff_upload_the_days_statement_and_the_manager_reads_the_run(client, setup):
    market, stall, statement = setup
    manager = make_user("market_manager", market.code)
    region_staff = make_user("region_staff", market.region.code)
    response = upload(client, statement, region_staff)
    assert response.status_code == 201, response.get_json()
    run = response.get_json()
    assert run["already_reconciled"] is False and run["markets"] == [market.code]
    classes = {c["name"]: c for c in run["classes"]}
    assert classes["matched"]["lines"] == 1 and classes["missing_callback"]["amount_in"] == 1_250_000
    assert classes["missing_callback"]["label"] == "Thiếu thông báo (đã bổ sung từ sao kê)"
    assert run["breaks_by_kind"] == {"missing_callback": 1} and run["created_by"] == region_staff.username

    again = upload(client, statement, region_staff)
    assert again.status_code == 200 and again.get_json()["already_reconciled"] is True
    assert again.get_json()["id"] == run["id"]

    listed = client.get("/api/v1/reconciliation-runs", headers=auth_header(manager)).get_json()
    assert [item["id"] for item in listed["items"]] == [run["id"]]
    english = client.get(f"/api/v1/reconciliation-runs/{run['id']}?lang=en", headers=auth_header(manager)).get_json()
    assert {c["name"]: c["label"] for c in english["classes"]}["missing_callback"] == "Missing callback (recovered)"
    breaks = client.get(f"/api/v1/reconciliation-runs/{run['id']}/breaks", headers=auth_header(manager)).get_json()
    [item] = breaks["items"]
    assert (item["kind"], item["bank_txn_id"], item["stall_code"], item["amount"]) == (
        "missing_callback",
        "SIM-2",
        stall.stall_code,
        1_250_000,
    )
    assert item["message"].startswith("Ngân hàng không gửi thông báo")


def test_the_breaks_csv_opens_in_a_spreadsheet_with_its_accents(client, setup):
    market, stall, statement = setup
    admin = make_user("admin")
    run_id = upload(client, statement, admin).get_json()["id"]
    response = client.get(f"/api/v1/reconciliation-runs/{run_id}/breaks.csv", headers=auth_header(admin))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Loại", "Mã loại", "Dòng sao kê"]
    assert rows[1][1:3] == ["missing_callback", "4"]  # header, opening row, SIM-1, SIM-2
    assert rows[1][5:7] == [market.code, stall.stall_code]
    assert rows[1][9] == "21/11/2026 09:30:00" and rows[1][10] == "vào" and rows[1][11] == "1250000"
    english = client.get(f"/api/v1/reconciliation-runs/{run_id}/breaks.csv?lang=en", headers=auth_header(admin))
    assert english.get_data(as_text=True).lstrip("\ufeff").startswith("Class,Code,Statement row")


def test_who_may_reconcile_and_read(client, setup):
    market, stall, statement = setup
    other_manager = make_user("market_manager", make_market().code)
    assert upload(client, statement, other_manager).status_code == 403
    assert upload(client, statement, make_user("market_manager", market.code)).status_code == 403
    assert upload(client, statement, make_user("vendor", scope_of(stall))).status_code == 403
    region_staff = make_user("region_staff", market.region.code)
    other_region_staff = make_user("region_staff", make_market().region.code)
    refused = upload(client, statement, other_region_staff)
    assert refused.status_code == 403 and "row 2" in refused.get_json()["errors"], refused.get_json()
    assert db.session.scalar(select(func.count(ReconciliationRun.id))) == 0

    run_id = upload(client, statement, make_user("admin")).get_json()["id"]
    assert client.get(f"/api/v1/reconciliation-runs/{run_id}", headers=auth_header(region_staff)).status_code == 200
    assert client.get(f"/api/v1/reconciliation-runs/{run_id}", headers=auth_header(other_manager)).status_code == 404
    assert client.get("/api/v1/reconciliation-runs", headers=auth_header(other_manager)).get_json()["items"] == []
    vendor = make_user("vendor", scope_of(stall))
    assert client.get("/api/v1/reconciliation-runs", headers=auth_header(vendor)).status_code == 403
    assert (
        client.get(f"/api/v1/reconciliation-runs/{run_id}/breaks.csv", headers=auth_header(vendor)).status_code == 403
    )


@pytest.mark.parametrize("query", ["?lang=xx", "?kind=nope&limit=0", "?x=1"])
def test_a_run_s_scope_is_decided_before_its_query_is_read(client, setup, query):
    """Another market's manager or a stall is refused (404, 403) whatever the query says, and told
    nothing of it; the run's readers are told what is wrong with the query (422)."""
    market, stall, statement = setup
    run_id = upload(client, statement, make_user("admin")).get_json()["id"]
    base = f"/api/v1/reconciliation-runs/{run_id}"
    paths = (base, f"{base}/breaks", f"{base}/breaks.csv")
    for outsider, status in (
        (make_user("market_manager", make_market().code), 404),
        (make_user("vendor", scope_of(stall)), 403),
    ):
        for path in paths:
            refused = client.get(path + query, headers=auth_header(outsider))
            assert refused.status_code == status, (outsider.role, path, refused.get_json())
            assert set(refused.get_json()["errors"]) <= {"who_can"}, refused.get_json()
    for path in paths:
        assert (
            client.get(path + query, headers=auth_header(make_user("market_manager", market.code))).status_code == 422
        )


BAD_FILES = {
    "no header": ("nothing,useful\n1,2\n", "header"),
    "letters in the amount": (
        "{header}\n,,,970436,0011001234567,opening,0,,0\n"
        "SIM-1,FT1,2026-11-21T09:00:00+07:00,970436,0011001234567,in,50.000,x,50000\n"
        ",,,970436,0011001234567,closing,0,,50000\n",
        "row 3",
    ),
    "a line outside its block": (
        "{header}\nSIM-1,FT1,2026-11-21T09:00:00+07:00,970436,0011001234567,in,5000,x,5000\n",
        "row 2",
    ),
    "no closing row": ("{header}\n,,,970436,0011001234567,opening,0,,0\n", "row 1"),
    "an impossible time": (
        "{header}\n,,,970436,0011001234567,opening,0,,0\n"
        "SIM-1,FT1,21/11/2026 09:00,970436,0011001234567,in,5000,x,5000\n"
        ",,,970436,0011001234567,closing,0,,5000\n",
        "row 3",
    ),
    "a bad direction": (
        "{header}\n,,,970436,0011001234567,opening,0,,0\n"
        "SIM-1,FT1,2026-11-21T09:00:00+07:00,970436,0011001234567,sideways,5000,x,5000\n"
        ",,,970436,0011001234567,closing,0,,5000\n",
        "row 3",
    ),
    "a line a week away": (
        "{header}\n,,,970436,0011001234567,opening,0,,0\n"
        "SIM-1,FT1,2026-11-21T09:00:00+07:00,970436,0011001234567,in,5000,x,5000\n"
        "SIM-2,FT2,2026-11-21T09:00:00+07:00,970436,0011001234567,in,5000,x,10000\n"
        "SIM-3,FT3,2026-11-28T09:00:00+07:00,970436,0011001234567,in,5000,x,15000\n"
        ",,,970436,0011001234567,closing,0,,15000\n",
        "row 5",
    ),
    "a short row": (
        "{header}\n,,,970436,0011001234567,opening,0,,0\nSIM-1,FT1\n,,,970436,0011001234567,closing,0,,0\n",
        "row 3",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_malformed_statement_is_refused_whole_with_row_numbers(client, setup, tmp_path, case):
    text, where = BAD_FILES[case]
    path = tmp_path / "bad.csv"
    path.write_text(
        text.format(
            header="transaction_id,bank_reference,booked_at,bin,account_number,direction,amount,"
            "description,balance_after"
        ),
        encoding="utf-8",
    )
    before = db.session.scalar(select(func.count(BankTransaction.id)))
    response = upload(client, path, make_user("admin"))
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert where in body["errors"], body
    assert db.session.scalar(select(func.count(ReconciliationRun.id))) == 0
    assert db.session.scalar(select(func.count(ReconciliationBreak.id))) == 0
    assert db.session.scalar(select(func.count(BankTransaction.id))) == before


def a_file(content=b"x"):
    return (io.BytesIO(content), "s.csv")


@pytest.mark.parametrize(
    "fields, status",
    [
        (lambda: {"partner": "simbank"}, 400),  # no file
        (lambda: {"file": a_file(), "partner": "nobank"}, 422),
        (lambda: {"file": a_file()}, 422),  # no partner
        (lambda: {"file": a_file(), "partner": "simbank", "date": "21/11/2026"}, 422),
        (lambda: {"file": a_file(b"\xff\xfe\x00bad"), "partner": "simbank"}, 422),  # not UTF-8
        (lambda: {"file": a_file(), "partner": "simbank", "extra": "1"}, 422),
    ],
)
def test_bad_uploads_get_a_clear_error(client, fields, status):
    response = client.post(
        "/api/v1/statements", headers=auth_header(make_user("admin")), data=fields(), content_type="multipart/form-data"
    )
    assert response.status_code == status, response.get_json()
    assert set(response.get_json()) == {"code", "status", "message", "errors"}


def test_json_is_not_a_statement(client):
    response = client.post("/api/v1/statements", headers=auth_header(make_user("admin")), json={"partner": "simbank"})
    assert response.status_code == 415


def test_the_command_line_reconciles_and_says_so_the_second_time(runner, setup):
    _, _, statement = setup
    result = runner.invoke(args=["reconcile", str(statement), "--partner", "simbank", "--date", DAY])
    assert result.exit_code == 0, result.output
    assert "statement of 21/11/2026, 2 lines, 1 accounts" in result.output
    assert "Missing callback (recovered)" in result.output and "Breaks: 1 (missing_callback 1)" in result.output
    again = runner.invoke(args=["reconcile", str(statement), "--partner", "simbank"])
    assert again.exit_code == 0 and "Already reconciled as run" in again.output


def test_the_command_line_lists_a_bad_files_rows(runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "transaction_id,bank_reference,booked_at,bin,account_number,direction,amount,description,"
        "balance_after\n,,,97043,0011001234567,opening,0,,0\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["reconcile", str(path), "--partner", "simbank"])
    assert result.exit_code == 1
    assert "nothing was reconciled" in result.output and '"row 2"' in result.output


def test_a_statement_larger_than_the_json_limit_is_accepted(client, app, tmp_path):
    """A province's statement is far above the 2 MiB body limit that guards JSON endpoints."""
    rows = ["transaction_id,bank_reference,booked_at,bin,account_number,direction,amount,description,balance_after"]
    for n in range(32_000):
        rows += [f",,,970405,{70_000_000 + n},opening,0,,1000", f",,,970405,{70_000_000 + n},closing,0,,1000"]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert path.stat().st_size > app.config["MAX_CONTENT_LENGTH"]
    response = upload(client, path, make_user("admin"), date=DAY)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["account_count"] == 32_000


def test_a_field_beyond_the_csv_limit_is_a_clear_error(client, tmp_path):
    path = tmp_path / "huge-field.csv"
    path.write_text(
        "transaction_id,bank_reference,booked_at,bin,account_number,direction,amount,description,"
        'balance_after\n,,,970405,1234567,opening,0,"' + "x" * 200_000 + '",0\n',
        encoding="utf-8",
    )
    response = upload(client, path, make_user("admin"))
    assert response.status_code == 422
    assert "row 2" in response.get_json()["errors"]
