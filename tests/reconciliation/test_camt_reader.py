"""The camt reader on files too long to write by hand: line numbers past libxml2's 65,535 and entries
freed in batches (formats/camt.py). Pure: the checking pass without a database."""

from zoneinfo import ZoneInfo

from market_pay.reconciliation.formats import camt
from market_pay.reconciliation.statement_file import check_statement

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
    "<BkToCstmrStmt><GrpHdr><MsgId>T</MsgId></GrpHdr>\n"
)


def _statement(account: int, entries: list, closing: int | None = None) -> list:
    """Lines of one Stmt: [(amount, booked?)] entries; the closing balance is the true one unless given."""
    lines = [
        f"<Stmt><Id>S{account}</Id><Acct><Id><Othr><Id>{6_000_000_000 + account}</Id></Othr></Id><Svcr>"
        "<FinInstnId><Othr><Id>970405</Id></Othr></FinInstnId></Svcr></Acct>",
        '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="VND">0</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>',
    ]
    balance = 0
    for number, (amount, booked) in enumerate(entries):
        balance += amount if booked else 0
        lines.append(
            f'<Ntry><Amt Ccy="VND">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>{"BOOK" if booked else "PDNG"}'
            f"</Cd></Sts><BookgDt><DtTm>2026-11-21T09:00:00+07:00</DtTm></BookgDt><AcctSvcrRef>FT{account}-{number}"
            f"</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Ustrd>CHUYEN TIEN {number}</Ustrd></RmtInf></TxDtls>"
            "</NtryDtls></Ntry>"
        )
    lines.append(
        f'<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="VND">{balance if closing is None else closing}'
        "</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal></Stmt>"
    )
    return lines


def _write(tmp_path, statements: list):
    path = tmp_path / "s.xml"
    body = "\n".join(line for lines in statements for line in lines)
    path.write_text(HEAD + body + "\n</BkToCstmrStmt></Document>\n", encoding="utf-8")
    return path


def test_a_broken_closing_past_line_65535_is_named_at_its_own_line(tmp_path):
    # libxml2 keeps 16 bits of an element's line: a Stmt starting past 65,535 was numbered 65,535
    # (or by whatever of its freed children was left). The closing row now names the CLBD balance.
    statements = [_statement(a, [(1000, True)] * 50) for a in range(1400)]
    statements.append(_statement(1400, [(1000, True)] * 50, closing=1))
    path = _write(tmp_path, statements)
    lines = path.read_text(encoding="utf-8").splitlines()
    closing_line = max(n for n, text in enumerate(lines, start=1) if "<Cd>CLBD</Cd>" in text)
    assert closing_line > 70_000
    check = check_statement(path, VIETNAM)
    broken = [a.broken for a in check.accounts.values() if a.broken]
    assert broken == [
        {
            "row": closing_line,
            "problem": "closing",
            "opening": 0,
            "credits": 50_000,
            "debits": 0,
            "expected": 50_000,
            "closing": 1,
        }
    ]
    assert check.lines == 1401 * 50
    check.discard()


def test_pending_entries_across_the_freeing_batches_are_skipped_and_the_rest_kept_in_order(tmp_path):
    # Entries are cleared at once and their shells removed every _SIBLINGS_KEPT: rows must not
    # depend on where those batches fall.
    entries = [(1000 + n, n % 7 != 3) for n in range(3 * camt._SIBLINGS_KEPT + 5)]
    path = _write(tmp_path, [_statement(0, entries), _statement(1, entries[:5])])
    rows = list(camt.read(path))
    lines = [row for _, row in rows if row[5] == "in"]
    assert [int(row[6]) for row in lines] == [a for a, booked in entries if booked] + [
        a for a, booked in entries[:5] if booked
    ]
    assert [row[5] for _, row in rows].count("closing") == 2
    text = path.read_text(encoding="utf-8").splitlines()
    numbers = [number for number, row in rows if row[5] == "in"]
    assert all(text[number - 1].startswith("<Ntry>") for number in numbers)
    assert [text[n - 1].split("<AcctSvcrRef>")[1].split("<")[0] for n in numbers] == [row[1] for row in lines]
