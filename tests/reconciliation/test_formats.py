"""Statements in every accepted format (issue 24): each reader, detection by content, matching
without the partner's id (by money and time; ambiguity is a break, never a guess), the integrity
rules, and the round trip — one simulated day written in each format reconciles like the CSV."""

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from market_pay.extensions import db
from market_pay.payments.models import BankTransaction
from market_pay.reconciliation.formats import detect
from market_pay.reconciliation.models import ReconciliationBreak, ReconciliationRun
from market_pay.reconciliation.services import reconcile_file
from market_pay.simulator.day import VIETNAM, LedgerLine
from market_pay.simulator.statement import blocks, write_camt053, write_statement
from tests.factories import account_data, auth_header, make_market, make_user, make_vendor
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer

pytestmark = pytest.mark.usefixtures("app")
DAY = datetime(2026, 11, 21, tzinfo=VIETNAM)
VCB1, VCB2, BIDV = ("970436", "0011001234567"), ("970436", "0011009876543"), ("970418", "12010000123456")


@pytest.fixture
def market_day(client):
    """Three stalls (two Vietcombank accounts, one BIDV), the bank's ledger of the day, and the
    callbacks the service received: every line but the forgotten ones, plus one the bank never booked."""
    set_partners()
    market = make_market()
    accounts = {}
    for bin_code, number in (VCB1, VCB2, BIDV):
        vendor = make_vendor(market, accounts=[account_data(bin_code, number, "NGUYEN THI HOA")])
        accounts[(bin_code, number)] = vendor.accounts[0]
    rng = random.Random(7)
    lines = []
    for n in range(30):
        bin_code, number = [VCB1, VCB2, BIDV][n % 3]
        lines.append(
            LedgerLine(
                f"SIM{n:05d}",
                f"FT26325{n:05d}",
                DAY + timedelta(hours=6, minutes=17 * n),
                bin_code,
                number,
                "in",
                rng.randint(2, 300) * 1000,
                f"MUA RAU {n}",
                forgotten=n % 7 == 3,
            )
        )
    lines.append(
        LedgerLine(
            "SIM90000",
            "FT2632590000",
            DAY + timedelta(hours=15),
            *VCB1,
            "out",
            lines[0].amount,
            f"HOAN TRA GD {lines[0].bank_reference}",
            reverses="SIM00000",
        )
    )
    for line in lines:
        if not line.forgotten:
            body = simbank_transfer(
                accounts[line.account_number and (line.bin, line.account_number)],
                line.amount,
                transaction_id=line.transaction_id,
                bank_reference=line.bank_reference,
                booked_at=line.booked_at.isoformat(),
                direction=line.direction,
                description=line.description,
                **({"reverses": line.reverses} if line.reverses else {}),
            )
            assert post_simbank(client, body).status_code == 200
    extra = simbank_transfer(
        accounts[VCB2],
        42_000,
        transaction_id="SIM-NOT-BOOKED",
        bank_reference="FTX1",
        booked_at=(DAY + timedelta(hours=12)).isoformat(),
    )
    assert post_simbank(client, extra).status_code == 200
    db.session.commit()
    return lines


def _totals(runs):
    summed = {}
    for run in runs:
        for name, figures in run.totals.items():
            target = summed.setdefault(name, dict.fromkeys(figures, 0))
            for key, value in figures.items():
                target[key] += value
    return summed


@pytest.mark.parametrize("statement_format", ["mt940", "camt053", "xlsx"])
def test_a_simulated_day_in_any_format_reconciles_like_the_csv(market_day, tmp_path, statement_format):
    csv_path = tmp_path / "day.csv"
    write_statement(str(csv_path), market_day, random.Random(1), "csv")
    assert detect(csv_path) == "csv"
    run, _ = reconcile_file(None, csv_path, "simbank")
    expected = _totals([run])
    assert expected["missing_callback"]["lines"] == 4 and expected["not_on_statement"]["callbacks"] == 1
    assert expected["reversal"]["lines"] == 1
    db.session.rollback()

    target = tmp_path / ("day" if statement_format == "xlsx" else f"day.{statement_format}")
    paths = write_statement(str(target), market_day, random.Random(1), statement_format)
    assert len(paths) == (3 if statement_format == "xlsx" else 1)
    runs = []
    for path in paths:
        assert detect(path) == statement_format
        runs.append(reconcile_file(None, path, "simbank")[0])
    assert _totals(runs) == expected
    assert (
        db.session.scalar(select(func.count(BankTransaction.id)).where(BankTransaction.confirmation == "provisional"))
        == 1
    )  # the callback the bank never booked
    db.session.rollback()


def _callback(client, account_key, amount, reference, moment, txn_id):
    from market_pay.vendors.models import ReceivingAccount

    account = db.session.scalar(select(ReceivingAccount).where(ReceivingAccount.account_number == account_key[1]))
    body = simbank_transfer(
        account, amount, transaction_id=txn_id, bank_reference=reference, booked_at=moment.isoformat()
    )
    assert post_simbank(client, body).status_code == 200


def _camt(tmp_path, entries, opening=0, name="s.xml"):
    line_objects = [
        LedgerLine("", reference, moment, *VCB1, "in", amount, "CHUYEN TIEN") for reference, moment, amount in entries
    ]
    path = tmp_path / name
    write_camt053(path, blocks(line_objects, random.Random(opening)))
    return path


def test_without_ids_one_candidate_matches_and_several_are_an_ambiguous_break(client, tmp_path):
    set_partners()
    make_vendor(make_market(), accounts=[account_data(*VCB1, "NGUYEN THI HOA")])
    at = DAY + timedelta(hours=9)
    _callback(client, VCB1, 50_000, "CB-A", at, "SIM-A")  # alone in its window
    _callback(client, VCB1, 80_000, "CB-B", at + timedelta(hours=2), "SIM-B")  # two callbacks of 80,000 ₫
    _callback(client, VCB1, 80_000, "CB-C", at + timedelta(hours=2, minutes=5), "SIM-C")
    db.session.commit()
    path = _camt(
        tmp_path,
        [("BANK-1", at + timedelta(minutes=2), 50_000), ("BANK-2", at + timedelta(hours=2, minutes=1), 80_000)],
    )
    run, _ = reconcile_file(None, path, "simbank")
    assert run.totals["matched"]["lines"] == 1
    assert run.totals["ambiguous"] == {"lines": 1, "callbacks": 2, "amount_in": 80_000, "amount_out": 0}
    assert run.totals["missing_callback"]["lines"] == 0 and run.totals["not_on_statement"]["callbacks"] == 0
    item = db.session.scalar(select(ReconciliationBreak).where(ReconciliationBreak.kind == "ambiguous"))
    assert item.detail["candidates"] == 2 and item.bank_txn_id is None
    from market_pay.reconciliation.messages import describe_break

    assert describe_break("ambiguous", item.detail, "en").startswith("Ambiguous: 2 callbacks could be this line")
    states = dict(db.session.execute(select(BankTransaction.partner_txn_id, BankTransaction.confirmation)).all())
    assert states == {"SIM-A": "confirmed", "SIM-B": "provisional", "SIM-C": "provisional"}  # no guess


def test_a_bank_reference_settles_a_line_before_the_time_window(client, tmp_path):
    """Two equal credits minutes apart: each line names its callback's reference, so no ambiguity,
    and a later line cannot take a callback an earlier reference-less candidate search saw."""
    set_partners()
    make_vendor(make_market(), accounts=[account_data(*VCB1, "NGUYEN THI HOA")])
    at = DAY + timedelta(hours=9)
    _callback(client, VCB1, 30_000, "FT1", at, "SIM-1")
    _callback(client, VCB1, 30_000, "FT2", at + timedelta(minutes=3), "SIM-2")
    db.session.commit()
    path = _camt(
        tmp_path,
        [
            ("OTHER-REF", at + timedelta(minutes=1), 30_000),
            ("FT1", at, 30_000),
            ("FT2", at + timedelta(minutes=3), 30_000),
        ],
    )
    run, _ = reconcile_file(None, path, "simbank")
    # FT1 and FT2 match by reference; the third 30,000 ₫ line has no callback left: recovered.
    assert run.totals["matched"]["lines"] == 2 and run.totals["missing_callback"]["lines"] == 1
    assert run.totals["ambiguous"]["lines"] == 0


MT940_BROKEN = """:20:STMT1
:25:970436/0011001234567
:28C:1/1
:60F:C261121VND100000,
:61:2611211121C50000,NTRFNONREF//FT9
:86:MUA RAU
:62F:C261121VND999999,
-
"""


def test_mt940_balance_chain_and_account_from_the_file(client, tmp_path):
    set_partners()
    make_vendor(make_market(), accounts=[account_data(*VCB1, "NGUYEN THI HOA")])
    path = tmp_path / "s.sta"
    path.write_text(MT940_BROKEN, encoding="utf-8")
    assert detect(path) == "mt940"
    run, _ = reconcile_file(None, path, "simbank")
    assert run.totals["broken_chain"]["lines"] == 1
    item = db.session.scalar(select(ReconciliationBreak).where(ReconciliationBreak.kind == "broken_chain"))
    assert (item.detail["problem"], item.detail["closing"], item.detail["expected"]) == ("closing", 999_999, 150_000)


@pytest.mark.parametrize(
    "text, where, words",
    [
        (MT940_BROKEN.replace("970436/", ""), "line 1", "does not say which account"),
        (MT940_BROKEN.replace(":61:2611211121C50000,", ":61:2611211121C50000,5"), "line 5", "whole number"),
        (MT940_BROKEN.replace("C50000,", "C2000000000,"), "line 5", "At most 1.000.000.000"),
        (MT940_BROKEN.replace("VND100000", "EUR100000"), "line 1", "only VND"),
    ],
)
def test_an_mt940_file_that_does_not_parse_is_refused_whole_naming_the_line(client, tmp_path, text, where, words):
    set_partners()
    path = tmp_path / "bad.sta"
    path.write_text(text, encoding="utf-8")
    response = client.post(
        "/api/v1/statements",
        headers=auth_header(make_user("admin")),
        data={"partner": "simbank", "file": (path.open("rb"), "bad.sta")},
    )
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert where in body["errors"] and words in str(body), body
    assert db.session.scalar(select(func.count(ReconciliationRun.id))) == 0


def test_the_account_is_given_when_the_file_does_not_say_it(client, tmp_path):
    set_partners()
    make_vendor(make_market(), accounts=[account_data(*VCB1, "NGUYEN THI HOA")])
    path = tmp_path / "s.sta"
    path.write_text(MT940_BROKEN.replace("970436/", "").replace("999999", "150000"), encoding="utf-8")
    response = client.post(
        "/api/v1/statements",
        headers=auth_header(make_user("admin")),
        data={
            "partner": "simbank",
            "format": "mt940",
            "account": "970436/0011001234567",
            "file": (path.open("rb"), "s.sta"),
        },
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["breaks_by_kind"] == {"missing_callback": 1}
    again = client.post(
        "/api/v1/statements",
        headers=auth_header(make_user("admin")),
        data={"partner": "simbank", "account": "nonsense", "file": (path.open("rb"), "s.sta")},
    )
    assert again.status_code == 422 and "account" in again.get_json()["errors"]


def test_region_staff_may_not_reconcile_another_areas_account_in_any_format(client, tmp_path):
    """The insider rules hold whatever the format: the whole file refused, the block's line named."""
    from tests.factories import make_region

    set_partners()
    make_vendor(make_market(), accounts=[account_data(*VCB1, "NGUYEN THI HOA")])
    staff = make_user("region_staff", make_region(code="99999", name="Xã Khác").code)
    path = _camt(tmp_path, [("FT1", DAY + timedelta(hours=9), 10_000)])
    response = client.post(
        "/api/v1/statements",
        headers=auth_header(staff),
        data={"partner": "simbank", "file": (path.open("rb"), "s.xml")},
    )
    assert response.status_code == 403, response.get_json()  # another's account: refused, not "invalid"
    assert list(response.get_json()["errors"]) == ["line 3"]  # where the block's <Acct> is
    assert db.session.scalar(select(func.count(BankTransaction.id))) == 0


def test_every_bank_layout_is_recognised_by_its_header(market_day, tmp_path):
    from market_pay.reconciliation.formats.xlsx import layout_names, read

    for name in layout_names():
        rows = blocks([line for line in market_day if line.bin == "970436"], random.Random(1))
        from market_pay.simulator.statement import write_xlsx_files

        layout_bin = {
            "bidv": "970418",
            "vietinbank": "970415",
            "techcombank": "970407",
            "mb": "970422",
            "acb": "970416",
        }.get(name, "970436")
        rows = [(layout_bin, *rest) for _, *rest in rows]
        paths = write_xlsx_files(tmp_path / name, rows, name)
        assert len(paths) == 2
        parsed = list(read(paths[0]))
        assert parsed[0][1][5] == "opening" and parsed[-1][1][5] == "closing"
        assert {row[3] for _, row in parsed} == {layout_bin}


def test_an_xlsx_export_with_date_cells_text_amounts_and_a_totals_row(client, tmp_path, monkeypatch):
    """A hand-made MB export: no opening label (the first balance starts the chain), a date cell and
    a dd/mm/yyyy text, amounts as "1.250.000" text, the totals row ends the table; the spooled rows
    are removed after the run."""
    import tempfile

    from openpyxl import Workbook

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    set_partners()
    make_vendor(make_market(), accounts=[account_data("970422", "0901234567", "NGUYEN THI HOA")])
    book = Workbook()
    sheet = book.active
    sheet.append(["NGÂN HÀNG TMCP QUÂN ĐỘI — SAO KÊ"])
    sheet.append(["Tài khoản:", "0901 234 567"])
    sheet.append([])
    sheet.append(["STT", "Ngày giao dịch", "Số bút toán", "Số tiền rút ra", "Số tiền gửi vào", "Số dư", "Nội dung"])
    # An Excel cell holds a wall-clock time without a zone (openpyxl refuses an aware one).
    sheet.append([1, datetime(2026, 11, 21, 8, 30), "FT-MB-1", None, "1.250.000", "1.350.000", "MUA GA"])  # noqa: DTZ001
    sheet.append([2, "21/11/2026", "FT-MB-2", 50_000, None, 1_300_000, "PHI"])
    sheet.append(["Tổng cộng", None, None, 50_000, 1_250_000])
    sheet.append(["Ghi chú: dòng này không phải giao dịch", None, "X", None, 999])
    path = tmp_path / "mb.xlsx"
    book.save(path)
    assert detect(path) == "xlsx"
    run, _ = reconcile_file(None, path, "simbank")
    assert run.line_count == 2 and run.account_count == 1
    assert run.totals["missing_callback"] == {"lines": 2, "callbacks": 0, "amount_in": 1_250_000, "amount_out": 50_000}
    assert run.totals["broken_chain"]["lines"] == 0
    assert not list(tmp_path.glob("statement-rows-*"))


def test_an_xlsx_row_with_a_bad_date_is_refused_naming_the_sheet_row(client, tmp_path):
    from openpyxl import Workbook

    set_partners()
    book = Workbook()
    sheet = book.active
    sheet.append(["Số tài khoản: 0011001234567"])
    sheet.append(["Số dư đầu kỳ", 0])
    sheet.append(["Ngày giao dịch", "Số tham chiếu", "Số tiền ghi nợ", "Số tiền ghi có", "Số dư", "Mô tả"])
    sheet.append(["2026-21-11", "FT1", None, 10_000, 10_000, "x"])
    path = tmp_path / "vcb.xlsx"
    book.save(path)
    response = client.post(
        "/api/v1/statements",
        headers=auth_header(make_user("admin")),
        data={"partner": "simbank", "file": (path.open("rb"), "vcb.xlsx")},
    )
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"]["row 4"] == {
        "booked_at": ["A day as dd/mm/yyyy (a time may follow) or a date cell."]
    }


def test_camt054_notifications_and_accounts_in_othr_id(client, tmp_path):
    set_partners()
    make_vendor(make_market(), accounts=[account_data(*VCB1, "NGUYEN THI HOA")])
    path = tmp_path / "n.xml"
    path.write_text(
        """<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>
<Ntfctn><Id>N1</Id><Acct><Id><Othr><Id>970436/0011001234567</Id></Othr></Id></Acct>
<Ntry><Amt Ccy="VND">75000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><DtTm>2026-11-21T10:00:00</DtTm></BookgDt><AcctSvcrRef>FT777</AcctSvcrRef>
<NtryDtls><TxDtls><RmtInf><Ustrd>MUA VAI</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="VND">5000</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>PDNG</Cd></Sts>
<BookgDt><Dt>2026-11-21</Dt></BookgDt><AcctSvcrRef>FT778</AcctSvcrRef></Ntry>
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>
""",
        encoding="utf-8",
    )
    assert detect(path) == "camt054"
    run, _ = reconcile_file(None, path, "simbank")
    assert run.line_count == 1  # the pending entry is not money yet
    assert run.totals["missing_callback"]["amount_in"] == 75_000
    recovered = db.session.scalar(select(BankTransaction))
    assert (
        recovered.bank_reference,
        recovered.statement_txn_id,
        recovered.partner_txn_id.startswith("statement:"),
    ) == ("FT777", None, True)


def test_the_reconcile_command_takes_a_format_and_an_account(app, tmp_path):
    from market_pay.cli import register_commands  # noqa: F401  (the command is registered with the app)

    set_partners()
    make_vendor(make_market(), accounts=[account_data(*VCB1, "NGUYEN THI HOA")])
    path = tmp_path / "s.sta"
    path.write_text(MT940_BROKEN.replace("970436/", "").replace("999999", "150000"), encoding="utf-8")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["reconcile", str(path), "--partner", "simbank", "--format", "mt940"])
    assert refused.exit_code == 1 and "does not say which account" in refused.output
    bad = runner.invoke(args=["reconcile", str(path), "--partner", "simbank", "--account", "12/34"])
    assert bad.exit_code == 2 and "BIN/NUMBER" in bad.output
    done = runner.invoke(args=["reconcile", str(path), "--partner", "simbank", "--account", "970436/0011001234567"])
    assert done.exit_code == 0, done.output
    assert "Missing callback (recovered)" in done.output


def test_detection_reads_tags_at_line_starts_only(tmp_path):
    """A CSV whose times hold ":20:" and ":25:" (05:00:20+07:00) is still our CSV."""
    path = tmp_path / "s.csv"
    path.write_text(
        "transaction_id,bank_reference,booked_at,bin,account_number,direction,amount,description,"
        "balance_after\nS1,FT1,2026-11-21T05:00:20+07:00,970405,6000000000,in,5000,a:25:b,5000\n",
        encoding="utf-8",
    )
    assert detect(path) == "csv"
    path.write_text("{1:F01VCBVVNVXAXXX0000000000}{2:O940}{4:\n" + MT940_BROKEN + "-}\n", encoding="utf-8")
    assert detect(path) == "mt940"


def test_camt_schema_validation_is_off_by_default_and_refuses_an_invalid_file_when_set(app, client, tmp_path):
    set_partners()
    make_vendor(make_market(), accounts=[account_data(*VCB1, "NGUYEN THI HOA")])
    path = _camt(tmp_path, [("FT1", DAY + timedelta(hours=9), 10_000)])
    schema = tmp_path / "camt.xsd"  # a stand-in schema this file does not follow
    schema.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:iso:std:iso:'
        '20022:tech:xsd:camt.053.001.08" elementFormDefault="qualified"><xs:element name="Document">'
        '<xs:complexType><xs:sequence><xs:element name="Other" type="xs:string"/></xs:sequence>'
        "</xs:complexType></xs:element></xs:schema>",
        encoding="utf-8",
    )
    app.config["CAMT_SCHEMA_PATH"] = str(schema)
    response = client.post(
        "/api/v1/statements",
        headers=auth_header(make_user("admin")),
        data={"partner": "simbank", "file": (path.open("rb"), "s.xml")},
    )
    assert response.status_code == 422, response.get_json()
    assert "Not valid against the camt schema" in str(response.get_json()["errors"])
    app.config.pop("CAMT_SCHEMA_PATH")
    response = client.post(
        "/api/v1/statements",
        headers=auth_header(make_user("admin")),
        data={"partner": "simbank", "file": (path.open("rb"), "s.xml")},
    )
    assert response.status_code == 201, response.get_json()
