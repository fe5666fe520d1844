"""The bank's statement of the simulated day, in each format reconciliation reads
(docs/STATEMENTS.md): our CSV, MT940, camt.053, and a bank's XLSX export (one file per account).

Every writer takes the same blocks — per account its opening balance, its lines in booking order
and its closing balance — so the formats tell one story and a round trip through any of them must
reconcile like the CSV.
"""

import csv
import random
from collections import defaultdict
from pathlib import Path
from xml.sax.saxutils import escape

from ..common.local_time import VIETNAM
from ..reconciliation.statement_file import COLUMNS

STATEMENT_FORMATS = ("csv", "mt940", "camt053", "xlsx")  # xlsx-<layout> too (reconciliation/formats)


def blocks(lines: list, rng: random.Random) -> list:
    """[(bin, account, opening, [(line, balance after)], closing)] sorted by account."""
    by_account = defaultdict(list)
    for line in lines:
        by_account[(line.bin, line.account_number)].append(line)
    result = []
    for (bin_code, account_number), account_lines in sorted(by_account.items()):
        opening = balance = rng.randint(0, 50) * 100_000
        booked = []
        for line in sorted(account_lines, key=lambda item: (item.booked_at, item.transaction_id)):
            balance += line.amount if line.direction == "in" else -line.amount
            booked.append((line, balance))
        result.append((bin_code, account_number, opening, booked, balance))
    return result


def write_statement(path: str, lines: list, rng: random.Random, statement_format: str = "csv") -> list:
    """Write the day in `statement_format`; the paths written (XLSX: one file per account, in the
    directory `path`, named BIN-NUMBER.xlsx)."""
    day_blocks = blocks(lines, rng)
    if statement_format == "csv":
        write_csv(path, day_blocks)
    elif statement_format == "mt940":
        write_mt940(path, day_blocks)
    elif statement_format == "camt053":
        write_camt053(path, day_blocks)
    elif statement_format == "xlsx" or statement_format.startswith("xlsx-"):
        return write_xlsx_files(path, day_blocks, statement_format[5:] or None)
    else:
        raise ValueError(f"Unknown statement format {statement_format!r}.")
    return [path]


def write_csv(path, day_blocks):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for bin_code, account_number, opening, booked, closing in day_blocks:
            writer.writerow(["", "", "", bin_code, account_number, "opening", 0, "", opening])
            for line, balance in booked:
                writer.writerow(
                    [
                        line.transaction_id,
                        line.bank_reference,
                        line.booked_at.isoformat(),
                        bin_code,
                        account_number,
                        line.direction,
                        line.amount,
                        line.description,
                        balance,
                    ]
                )
            writer.writerow(["", "", "", bin_code, account_number, "closing", 0, "", closing])


def _mt940_balance(tag, day, amount):
    return f":{tag}:{'C' if amount >= 0 else 'D'}{day:%y%m%d}VND{abs(amount)},\n"


def write_mt940(path, day_blocks):
    """One MT940 statement per account; the bank reference after `//` (no partner id: NONREF)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        for number, (bin_code, account_number, opening, booked, closing) in enumerate(day_blocks, start=1):
            first = booked[0][0].booked_at.astimezone(VIETNAM).date() if booked else None
            last = booked[-1][0].booked_at.astimezone(VIETNAM).date() if booked else None
            handle.write(f":20:STMT{number:08d}\n:25:{bin_code}/{account_number}\n:28C:1/1\n")
            if first is None:
                continue
            handle.write(_mt940_balance("60F", first, opening))
            for line, _ in booked:
                day = line.booked_at.astimezone(VIETNAM).date()
                mark = "C" if line.direction == "in" else "D"
                handle.write(f":61:{day:%y%m%d}{day:%m%d}{mark}{line.amount},NTRFNONREF//{line.bank_reference}\n")
                handle.write(f":86:{line.description.replace(':', ' ')}\n")
            handle.write(_mt940_balance("62F", last, closing))
            handle.write("-\n")


def write_camt053(path, day_blocks):
    """camt.053.001.08 with the account in Othr/Id and the BIN as the servicer's Othr/Id."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:'
            'camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>SIM</MsgId></GrpHdr>\n'
        )
        for number, (bin_code, account_number, opening, booked, closing) in enumerate(day_blocks, start=1):
            handle.write(
                f"<Stmt><Id>STMT{number}</Id><Acct><Id><Othr><Id>{account_number}</Id></Othr></Id>"
                f"<Ccy>VND</Ccy><Svcr><FinInstnId><Othr><Id>{bin_code}</Id></Othr></FinInstnId></Svcr>"
                "</Acct>\n"
            )
            for code, amount in (("OPBD", opening), ("CLBD", closing)):
                handle.write(
                    f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="VND">{abs(amount)}'
                    f"</Amt><CdtDbtInd>{'CRDT' if amount >= 0 else 'DBIT'}</CdtDbtInd></Bal>\n"
                )
            for line, _ in booked:
                handle.write(
                    f'<Ntry><Amt Ccy="VND">{line.amount}</Amt><CdtDbtInd>'
                    f"{'CRDT' if line.direction == 'in' else 'DBIT'}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
                    f"<BookgDt><DtTm>{line.booked_at.astimezone(VIETNAM).isoformat()}</DtTm></BookgDt>"
                    f"<AcctSvcrRef>{escape(line.bank_reference)}</AcctSvcrRef><NtryDtls><TxDtls><RmtInf>"
                    f"<Ustrd>{escape(line.description)}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n"
                )
            handle.write("</Stmt>\n")
        handle.write("</BkToCstmrStmt></Document>\n")


def write_xlsx_files(directory, day_blocks, layout_name=None) -> list:
    """One export per account in the layout of its bank (by BIN), or in `layout_name` for the
    accounts of that layout's bank; accounts of banks without a layout are not written."""
    from openpyxl import Workbook

    from ..reconciliation.formats.xlsx import layouts

    by_bin: dict = {}
    for layout in layouts()["layouts"]:
        if layout_name in (None, layout["name"]):
            by_bin.setdefault(layout["bin"], layout)
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for bin_code, account_number, opening, booked, closing in day_blocks:
        layout = by_bin.get(bin_code)
        if layout is None:
            continue
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Sao ke")
        columns = layout["columns"]
        sheet.append([f"SAO KÊ TÀI KHOẢN — {layout['bank']}"])
        sheet.append(["Số tài khoản:", account_number])
        sheet.append(["Số dư đầu kỳ:", opening])
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
        for index, (line, balance) in enumerate(booked, start=1):
            moment = line.booked_at.astimezone(VIETNAM)
            sheet.append(
                [
                    index,
                    f"{moment:%d/%m/%Y %H:%M:%S}",
                    line.bank_reference,
                    line.amount if line.direction == "out" else None,
                    line.amount if line.direction == "in" else None,
                    balance,
                    line.description,
                ]
            )
        sheet.append(
            [
                "Tổng cộng",
                None,
                None,
                sum(entry.amount for entry, _ in booked if entry.direction == "out"),
                sum(entry.amount for entry, _ in booked if entry.direction == "in"),
            ]
        )
        sheet.append(["Số dư cuối kỳ:", closing])
        path = target / f"{bin_code}-{account_number}.xlsx"
        book.save(path)
        written.append(str(path))
    return written
