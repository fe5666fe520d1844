"""The book as JSON, and as the rows every file shares (CSV, XLSX, PDF), Vietnamese first.

The files follow the household business revenue book a tax office expects (date, content,
amount), with the amount split into a cashless and a cash column, a total per day and per group
(month, quarter …) and the period's total at the end.
"""

import csv
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..common.formatting import format_date, format_datetime, format_vnd
from ..common.spreadsheet import csv_row, set_xlsx_cell
from .periods import group_key, group_label
from .services import Book

LABELS = {
    "vi": {
        "title": "SỔ DOANH THU BÁN HÀNG HOÁ, DỊCH VỤ",
        "stall": "Sạp",
        "holder": "Chủ hộ kinh doanh",
        "market": "Chợ",
        "period": "Kỳ",
        "produced": "Lập lúc",
        "date": "Ngày",
        "content": "Diễn giải",
        "cashless": "Không tiền mặt (₫)",
        "cash": "Tiền mặt (₫)",
        "total": "Cộng (₫)",
        "transfer": "Chuyển khoản vào {bank} {account} ({count} khoản)",
        "provisional": "chưa đối soát {amount}",
        "recovered": "bổ sung từ sao kê {amount}",
        "reversed": "ngân hàng đã lấy lại {count} khoản {amount}, không tính",
        "cash_line": "Tiền mặt ghi tại sạp ({count} lần)",
        "day_total": "Cộng ngày {date}",
        "group_total": "Cộng {label}",
        "grand_total": "Tổng cộng cả kỳ",
        "unit": "Đơn vị tính: đồng",
        "note": "Sổ chỉ gồm những khoản đã ghi nhận tại đây: tiền chuyển khoản vào các tài khoản của sạp "
        "và tiền mặt sạp đã nhập. Tiền mặt không nhập thì không có trong sổ.",
    },
    "en": {
        "title": "REVENUE BOOK (GOODS AND SERVICES)",
        "stall": "Stall",
        "holder": "Business holder",
        "market": "Market",
        "period": "Period",
        "produced": "Produced",
        "date": "Date",
        "content": "Content",
        "cashless": "Cashless (₫)",
        "cash": "Cash (₫)",
        "total": "Total (₫)",
        "transfer": "Transfers into {bank} {account} ({count} payments)",
        "provisional": "{amount} not yet confirmed by a statement",
        "recovered": "{amount} recovered from a statement",
        "reversed": "{count} taken back by the bank ({amount}), not counted",
        "cash_line": "Cash recorded at the stall ({count} sales)",
        "day_total": "Day total {date}",
        "group_total": "Total {label}",
        "grand_total": "Total for the period",
        "unit": "Amounts in đồng",
        "note": "The book holds only what was recorded here: transfers into the stall's accounts and the cash "
        "the stall entered. Cash that was not entered is missing.",
    },
}


@dataclass(frozen=True)
class TableRow:
    """kind: line | day_total | group_total | grand_total; cashless/cash None where a column is empty."""

    kind: str
    date: str
    content: str
    cashless: int | None
    cash: int | None

    @property
    def total(self) -> int:
        return (self.cashless or 0) + (self.cash or 0)


def line_content(line, lang: str) -> str:
    label = LABELS[lang]
    text = label["transfer"].format(bank=line.bank, account=line.account, count=line.count)
    notes = []
    if line.provisional:
        notes.append(label["provisional"].format(amount=format_vnd(line.provisional, lang)))
    if line.recovered:
        notes.append(label["recovered"].format(amount=format_vnd(line.recovered, lang)))
    if line.reversed_count:
        notes.append(label["reversed"].format(count=line.reversed_count, amount=format_vnd(line.reversed_amount, lang)))
    return text + ("; " + "; ".join(notes) if notes else "")


def table_rows(book: Book, lang: str = "vi"):
    """The book's rows in reading order: each day's lines and total, each group's total after its
    last day (a day group needs no second total), the period's total last."""
    label = LABELS[lang]
    rows_by_key = {row.key: row for row in book.rows}
    days = book.days
    for index, day in enumerate(days):
        when = format_date(day.day)
        for line in day.cashless_lines:
            yield TableRow("line", when, line_content(line, lang), line.amount, None)
        if day.cash_count or day.cash:
            yield TableRow("line", when, label["cash_line"].format(count=day.cash_count), None, day.cash)
        yield TableRow("day_total", when, label["day_total"].format(date=when), day.cashless, day.cash)
        key = group_key(day.day, book.group)
        last_of_group = index + 1 == len(days) or group_key(days[index + 1].day, book.group) != key
        if book.group != "day" and last_of_group:
            row = rows_by_key[key]
            yield TableRow(
                "group_total",
                "",
                label["group_total"].format(label=group_label(key, book.group, lang)),
                row.cashless,
                row.cash,
            )
    yield TableRow("grand_total", "", label["grand_total"], book.cashless, book.cash)


def heading_lines(book: Book, lang: str = "vi") -> list[str]:
    label = LABELS[lang]
    vendor = book.vendor
    return [
        label["title"],
        f"{label['stall']}: {vendor.stall_code} – {vendor.display_name}",
        f"{label['holder']}: {vendor.legal_name or vendor.display_name}",
        f"{label['market']}: {book.market.name} ({book.market.code})",
        f"{label['period']}: {format_date(book.first)} – {format_date(book.last)}",
        f"{label['produced']}: {format_datetime(book.produced_at)}",
    ]


def as_json(book: Book, lang: str = "vi") -> dict:
    vendor = book.vendor
    return {
        "stall": {
            "id": vendor.id,
            "stall_code": vendor.stall_code,
            "display_name": vendor.display_name,
            "legal_name": vendor.legal_name,
            "market_code": book.market.code,
            "market_name": book.market.name,
        },
        "from": book.first.isoformat(),
        "to": book.last.isoformat(),
        "group": book.group,
        "cashless": book.cashless,
        "cash": book.cash,
        "total": book.total,
        "provisional": book.line_sum("provisional"),
        "recovered": book.line_sum("recovered"),
        "reversed": book.line_sum("reversed_amount"),
        "produced_at": book.produced_at.isoformat(),
        "rows": [
            {
                "key": row.key,
                "label": group_label(row.key, book.group, lang),
                "from": row.first.isoformat(),
                "to": row.last.isoformat(),
                "cashless": row.cashless,
                "cash": row.cash,
                "total": row.total,
            }
            for row in book.rows
        ],
        "days": [
            {
                "date": day.day.isoformat(),
                "cashless": day.cashless,
                "cash": day.cash,
                "cash_count": day.cash_count,
                "total": day.total,
                "lines": [
                    {
                        "kind": "cashless",
                        "bank": line.bank,
                        "account": line.account,
                        "count": line.count,
                        "amount": line.amount,
                        "provisional": line.provisional,
                        "recovered": line.recovered,
                        "reversed_count": line.reversed_count,
                        "reversed_amount": line.reversed_amount,
                    }
                    for line in day.cashless_lines
                ],
            }
            for day in book.days
        ],
    }


def file_name(book: Book, extension: str) -> str:
    return (
        f"so-doanh-thu-{book.market.code}-{book.vendor.stall_code}-{book.first:%Y%m%d}-{book.last:%Y%m%d}.{extension}"
    )


def _headers(lang: str) -> list[str]:
    label = LABELS[lang]
    return [label["date"], label["content"], label["cashless"], label["cash"], label["total"]]


def as_csv(book: Book, lang: str = "vi") -> str:
    """UTF-8 with a BOM (Excel then reads the Vietnamese letters), amounts as plain integers."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    for line in heading_lines(book, lang):
        writer.writerow(csv_row([line]))
    writer.writerow([])
    writer.writerow(_headers(lang))
    for row in table_rows(book, lang):
        writer.writerow(
            csv_row(
                [
                    row.date,
                    row.content,
                    "" if row.cashless is None else row.cashless,
                    "" if row.cash is None else row.cash,
                    row.total,
                ]
            )
        )
    writer.writerow(csv_row([LABELS[lang]["note"]]))
    return out.getvalue()


def as_xlsx(book: Book, lang: str = "vi") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = "So doanh thu" if lang == "vi" else "Revenue book"
    lines = heading_lines(book, lang)
    for number, line in enumerate(lines, start=1):
        cell = set_xlsx_cell(sheet, number, 1, line)
        if number == 1:
            cell.font = Font(bold=True, size=13)
    header_row = len(lines) + 2
    for column, heading in enumerate(_headers(lang), start=1):
        set_xlsx_cell(sheet, header_row, column, heading).font = Font(bold=True)
    row_number = header_row
    for row in table_rows(book, lang):
        row_number += 1
        bold = row.kind != "line"
        for column, value in enumerate((row.date, row.content, row.cashless, row.cash, row.total), start=1):
            if value is None:
                continue
            cell = set_xlsx_cell(sheet, row_number, column, value)
            if column >= 3:
                cell.number_format = "#,##0"
            if bold:
                cell.font = Font(bold=True)
    set_xlsx_cell(sheet, row_number + 2, 1, LABELS[lang]["note"])
    for column, width in zip(range(1, 6), (12, 70, 18, 16, 18), strict=True):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1).coordinate
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
