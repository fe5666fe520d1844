"""The insider review of the new statement formats: what no bank would send, from a login allowed
to upload. Each file is refused whole (422, the place named) or read within bounded work; never a
500, never a hang, never an entity expanded or fetched."""

import io
import re
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from market_pay.extensions import db
from market_pay.payments.models import BankTransaction
from market_pay.reconciliation.formats.common import dong
from market_pay.reconciliation.formats.xlsx import layouts
from tests.factories import account_data, auth_header, make_market, make_user, make_vendor
from tests.payments.helpers import set_partners

pytestmark = pytest.mark.usefixtures("app")
ACCOUNT = ("970436", "0011001234567")


@pytest.fixture
def admin(client):
    set_partners()
    make_vendor(make_market(), accounts=[account_data(*ACCOUNT, "NGUYEN THI HOA")])
    return make_user("admin")


def upload(client, user, payload: bytes, name: str, **fields):
    return client.post(
        "/api/v1/statements",
        headers=auth_header(user),
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(payload), name), "partner": "simbank", **fields},
    )


def credits():
    return db.session.scalar(select(func.count(BankTransaction.id)))


def camt(entry_amount="10000", doctype="", extra_content=""):
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>\n'
        f"<Stmt><Id>S1</Id><Acct><Id><Othr><Id>{ACCOUNT[1]}</Id></Othr></Id><Svcr><FinInstnId><Othr><Id>"
        f"{ACCOUNT[0]}</Id></Othr></FinInstnId></Svcr></Acct>\n"
        '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="VND">0</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>\n'
        f'<Ntry><Amt Ccy="VND">{entry_amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
        "<BookgDt><DtTm>2026-11-21T09:00:00+07:00</DtTm></BookgDt><AcctSvcrRef>FT1</AcctSvcrRef>"
        f"<NtryDtls><TxDtls><RmtInf><Ustrd>CHUYEN TIEN {extra_content}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n"
        "</Stmt></BkToCstmrStmt></Document>\n"
    ).encode()


@pytest.mark.parametrize("amount", ["1e5000", "1E+999999999", "9" * 5000, "-1e5000", "1e-999999999"])
def test_an_amount_beyond_any_integer_is_a_named_refusal(amount):
    # None ("not a whole number of đồng") or digits the money bound then refuses; never a
    # ValueError from int→str limits, never an integer of a billion digits built.
    value = dong(amount)
    assert value is None or (value.lstrip("-").isdigit() and len(value) <= 40)


@pytest.mark.parametrize("amount", ["1e5000", "1E+999999999", "18446744073709551617", "1e19"])
def test_a_camt_amount_beyond_64_bits_is_refused_whole(client, admin, amount):
    response = upload(client, admin, camt(amount), "s.xml")
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "amount" in response.get_json()["errors"]["line 5"]  # the <Ntry>'s line
    assert credits() == 0


def test_camt_entities_are_neither_expanded_nor_fetched(client, admin, tmp_path):
    laughs = "".join('<!ENTITY l{} "{}">'.format(n, f"&l{n - 1};" * 10) for n in range(1, 10))
    response = upload(
        client,
        admin,
        camt(doctype=f'<!DOCTYPE Document [<!ENTITY l0 "lol">{laughs}]>\n', extra_content="&l9;"),
        "s.xml",
    )
    assert response.status_code == 422 and "amplification" in response.get_data(as_text=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    doctype = (
        f'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file://{secret}"><!ENTITY net SYSTEM "http://127.0.0.1:9/x">]>\n'
    )
    response = upload(client, admin, camt(doctype=doctype, extra_content="&xxe; &net;"), "s.xml")
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    from market_pay.reconciliation.models import ReconciliationBreak

    texts = " ".join(str(d) for d in db.session.scalars(select(ReconciliationBreak.detail)))
    texts += " ".join(db.session.scalars(select(BankTransaction.description)).all())
    assert "TOP-SECRET" not in texts + response.get_data(as_text=True)
    assert credits() == 1  # the line itself, its content without the entities


def test_deeply_nested_camt_is_refused_not_recursed(client, admin):
    deep = "<a>" * 100_000 + "</a>" * 100_000
    response = upload(client, admin, camt(extra_content="").replace(b"<Stmt>", f"{deep}<Stmt>".encode(), 1), "s.xml")
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert credits() == 0


def _xlsx(dimension=None, extra_rows="", rows=()):
    layout = layouts()["layouts"][0]
    columns = layout["columns"]
    book = Workbook()
    sheet = book.active
    sheet.append(["Số tài khoản:", ACCOUNT[1]])
    sheet.append(["Số dư đầu kỳ:", 0])
    sheet.append(
        [
            "STT",
            columns["date"][0],
            columns["reference"][0],
            columns["debit"][0],
            columns["credit"][0],
            columns["balance"][0],
            columns["content"][0],
        ]
    )
    for line in rows:
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    target_bytes = io.BytesIO()
    with zipfile.ZipFile(target_bytes, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                if dimension:
                    text = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}"/>', text)
                text = text.replace("</sheetData>", extra_rows + "</sheetData>")
                data = text.encode()
            target.writestr(info.filename, data)
    return target_bytes.getvalue(), layout


def test_an_xlsx_claiming_the_whole_grid_is_read_within_its_rows(client, admin, monkeypatch):
    """A sheet of a few bytes whose dimension says A1:XFD1048576 (and one far cell): the reader
    looks at the columns a layout can use, and never walks 17 billion empty cells."""
    from market_pay.reconciliation.formats import xlsx

    payload, _ = _xlsx(
        "A1:XFD1048576",
        '<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>',
        rows=[[1, "21/11/2026 09:00:00", "FT1", None, 10000, 10000, "CHUYEN TIEN"]],
    )
    widths = []
    real_line = xlsx._line
    monkeypatch.setattr(
        xlsx, "_line", lambda number, cells, *rest: widths.append(len(cells)) or real_line(number, cells, *rest)
    )
    response = upload(client, admin, payload, "s.xlsx", account="/".join(ACCOUNT))
    assert response.status_code == 201, response.get_data(as_text=True)[:300]  # its one line, and no more
    assert set(widths) == {xlsx.MAX_COLUMNS}  # one line per reading pass, 40 cells wide
    assert credits() == 1


def test_an_xlsx_row_beyond_the_grid_is_refused(client, admin):
    payload, _ = _xlsx(None, '<row r="99999999999"><c r="A99999999999" t="n"><v>1</v></c></row>')
    response = upload(client, admin, payload, "s.xlsx", account="/".join(ACCOUNT))
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "readable XLSX" not in response.get_json()["message"]
    assert credits() == 0


def test_a_zip_bomb_xlsx_is_refused_before_it_is_inflated(client, admin, monkeypatch):
    from market_pay.reconciliation.formats import xlsx

    payload, _ = _xlsx()
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(payload)) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        target.writestr("xl/media/padding.bin", b"\0" * (xlsx.MAX_UNPACKED_BYTES + 1))
    assert len(bomb.getvalue()) < xlsx.MAX_UNPACKED_BYTES // 100
    opened = []
    monkeypatch.setattr(xlsx, "load_workbook", lambda *a, **k: opened.append(a) or pytest.fail("inflated"))
    response = upload(client, admin, bomb.getvalue(), "s.xlsx", account="/".join(ACCOUNT))
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert opened == [] and credits() == 0


@pytest.mark.parametrize("text", ["1e5000", "99999999999999999999999"])
def test_an_xlsx_amount_beyond_64_bits_is_refused(client, admin, text):
    payload, _ = _xlsx(rows=[[1, "21/11/2026 09:00:00", "FT1", None, text, None, "CHUYEN TIEN"]])
    response = upload(client, admin, payload, "s.xlsx", account="/".join(ACCOUNT))
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "amount" in response.get_json()["errors"]["row 4"]
    assert credits() == 0


@pytest.mark.parametrize("amount", ["99999999999999,", "18446744073709551617,", "1,5"])
def test_an_mt940_amount_beyond_the_money_bound_is_refused_whole(client, admin, amount):
    text = (
        ":20:STMT1\n:25:970436/0011001234567\n:28C:1/1\n:60F:C261121VND0,\n"
        f":61:2611211121C{amount}NTRFNONREF//FT1\n:86:CHUYEN TIEN\n:62F:C261121VND{amount}\n-\n"
    )
    response = upload(client, admin, text.encode(), "s.sta")
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert credits() == 0


def _mt940(amount="10000,"):
    return (
        ":20:STMT1\n:25:970436/0011001234567\n:28C:1/1\n:60F:C261121VND0,\n"
        f":61:2611211121C{amount}NTRFNONREF//FT1\n:86:CHUYEN TIEN\n:62F:C261121VND{amount}\n-\n"
    ).encode()


@pytest.mark.parametrize("statement_format", ["mt940", "camt053", "xlsx"])
def test_uploaders_outside_the_account_s_scope_are_refused_in_every_format(client, admin, statement_format):
    from tests.factories import make_region

    payload, name = {
        "mt940": (_mt940(), "s.sta"),
        "camt053": (camt(), "s.xml"),
        "xlsx": (_xlsx(rows=[[1, "21/11/2026 09:00:00", "FT1", None, 10000, 10000, "CHUYEN TIEN"]])[0], "s.xlsx"),
    }[statement_format]
    staff = make_user("region_staff", make_region(code="99998", name="Xã Khác").code)
    assert upload(client, admin, payload, name).status_code == 201  # the file itself is good
    before = credits()
    response = upload(client, staff, payload, name)
    assert response.status_code == 403, response.get_data(as_text=True)[:300]
    assert "outside" in response.get_data(as_text=True) or "scope" in response.get_data(as_text=True)
    manager = make_user("market_manager", make_market().code)
    assert upload(client, manager, payload, name).status_code == 403
    assert credits() == before


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="B4" t="d"><v>99999-01-01T00:00:00</v></c>',  # an ISO date cell of year 99999
        '<c r="B4" t="n"><v>abc</v></c>',  # a number that is not one
        '<c r="B4" t="s"><v>999</v></c>',  # a shared string that is not in the table
        '<c r="ZZZZZZ4" t="n"><v>1</v></c>',  # a column beyond the grid
        '<c r="B4"><v>1</v></c><bogus',  # XML that is not well formed
    ],
)
def test_an_xlsx_cell_openpyxl_cannot_read_is_a_named_refusal(client, admin, cell):
    """Found by the insider review of issue 24: openpyxl raises while streaming such a cell (a
    ValueError, IndexError or XML error), which was a 500 for a region staff member's upload."""
    payload, _ = _xlsx(None, f'<row r="4">{cell}' + ("" if cell.endswith("<bogus") else "</row>"))
    response = upload(client, admin, payload, "s.xlsx", account="/".join(ACCOUNT))
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "row 4" in response.get_json()["errors"], response.get_json()
    assert credits() == 0


@pytest.mark.parametrize("serial", [1e10, 2_958_466, 1e300])  # 2,958,466 is 1 January 10000
def test_an_xlsx_date_cell_beyond_the_calendar_is_a_named_refusal(client, admin, serial):
    """A date-formatted number past year 9999: openpyxl's conversion raised OverflowError (a 500)."""
    layout = layouts()["layouts"][0]
    columns = layout["columns"]
    book = Workbook()
    sheet = book.active
    sheet.append(["Số tài khoản:", ACCOUNT[1]])
    sheet.append(["Số dư đầu kỳ:", 0])
    roles = ("date", "reference", "debit", "credit", "balance", "content")
    sheet.append(["STT", *(columns[role][0] for role in roles)])
    sheet.append([1, serial, "FT1", None, 10000, 10000, "CHUYEN TIEN"])
    sheet.cell(row=4, column=2).number_format = "dd/mm/yyyy"
    out = io.BytesIO()
    book.save(out)
    response = upload(client, admin, out.getvalue(), "s.xlsx", account="/".join(ACCOUNT))
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "row 4" in response.get_json()["errors"], response.get_json()
    assert credits() == 0
