"""The adoption report as JSON, CSV and XLSX, with Vietnamese (or English) headings."""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..common.formatting import format_date, format_datetime
from ..common.spreadsheet import csv_row, set_xlsx_cell
from .adoption import COMPARED, MIN_ACTIVE_STALLS, AdoptionReport, Row

# (key, kind, Vietnamese heading, English heading). kind: text | int | vnd | share.
PLACE_COLUMNS = [
    ("district", "text", "Huyện cũ", "Former district"),
    ("commune", "text", "Xã / phường", "Commune / ward"),
    ("market_code", "text", "Mã chợ", "Market code"),
    ("market_name", "text", "Chợ", "Market"),
    ("markets", "int", "Số chợ", "Markets"),
    (
        "markets_with_cash",
        "int",
        "Số chợ có ghi tiền mặt (cơ sở của tỷ lệ)",
        "Markets recording cash (the shares' base)",
    ),
]
# The period's figures (adoption.PeriodFigures), in column order.
FIGURE_COLUMNS = [
    ("stalls_registered", "int", "Sạp đăng ký", "Stalls registered"),
    ("stalls_with_qr", "int", "Sạp có QR", "Stalls with a QR account"),
    ("active_stalls", "int", "Sạp hoạt động", "Active stalls"),
    ("cashless_count", "int", "Số GD không tiền mặt", "Cashless payments"),
    ("cashless_value", "vnd", "Giá trị không tiền mặt", "Cashless value"),
    ("confirmed_value", "vnd", "Đã đối soát", "Confirmed value"),
    ("recovered_value", "vnd", "Trong đó: bổ sung từ sao kê", "Of which recovered from statements"),
    ("provisional_value", "vnd", "Chưa đối soát", "Provisional value"),
    ("cash_count", "int", "Số GD tiền mặt", "Cash sales"),
    ("cash_value", "vnd", "Giá trị tiền mặt", "Cash value"),
    ("share_by_count", "share", "Tỷ lệ KTM theo số GD", "Cashless share by count"),
    ("share_by_value", "share", "Tỷ lệ KTM theo giá trị", "Cashless share by value"),
]
# The same figures of the previous period (adoption.COMPARED), under shorter headings.
PREVIOUS_HEADINGS = {
    "stalls_registered": ("Kỳ trước: sạp đăng ký", "Previous: stalls registered"),
    "stalls_with_qr": ("Kỳ trước: sạp có QR", "Previous: stalls with a QR account"),
    "active_stalls": ("Kỳ trước: sạp hoạt động", "Previous: active stalls"),
    "cashless_count": ("Kỳ trước: số GD KTM", "Previous: cashless payments"),
    "cashless_value": ("Kỳ trước: giá trị KTM", "Previous: cashless value"),
    "confirmed_value": ("Kỳ trước: đã đối soát", "Previous: confirmed value"),
    "cash_count": ("Kỳ trước: số GD tiền mặt", "Previous: cash sales"),
    "cash_value": ("Kỳ trước: giá trị tiền mặt", "Previous: cash value"),
    "share_by_count": ("Kỳ trước: tỷ lệ KTM theo số GD", "Previous: share by count"),
    "share_by_value": ("Kỳ trước: tỷ lệ KTM theo giá trị", "Previous: share by value"),
}
COLUMNS = (
    PLACE_COLUMNS
    + FIGURE_COLUMNS
    + [(f"previous_{key}", kind, *PREVIOUS_HEADINGS[key]) for key, kind, _, _ in FIGURE_COLUMNS if key in COMPARED]
)
LABELS = {
    "vi": {
        "title": "Báo cáo thanh toán không tiền mặt tại chợ",
        "period": "Kỳ báo cáo",
        "previous": "Kỳ trước",
        "produced": "Lập lúc",
        "active": "Sạp hoạt động: ít nhất {n} giao dịch không tiền mặt trong kỳ",
        "other": "Các chợ khác ({n} chợ dưới {k} sạp hoạt động)",
        "district_total": "Cộng {name}",
        "total": "Tổng cộng {name}",
        "no_district": "(không thuộc huyện cũ)",
        "note": "Tỷ lệ để trống khi chợ không ghi nhận tiền mặt; tỷ lệ của dòng cộng chỉ tính trên các chợ "
        "có ghi tiền mặt. Cộng huyện cũ gồm các chợ liệt kê; tổng cộng gồm cả các chợ khác.",
    },
    "en": {
        "title": "Cashless payments in markets",
        "period": "Period",
        "previous": "Previous period",
        "produced": "Produced",
        "active": "Active stall: at least {n} cashless payments in the period",
        "other": "Other markets ({n} with fewer than {k} active stalls)",
        "district_total": "Subtotal {name}",
        "total": "Total {name}",
        "no_district": "(no former district)",
        "note": "Shares are empty where a market records no cash; a subtotal's or total's share covers only "
        "the markets that record cash. District subtotals add the markets listed; the total includes "
        "the other markets.",
    },
}


def _period_text(period) -> str:
    return f"{format_date(period.first)} – {format_date(period.last)}"


def row_values(row: Row, report: AdoptionReport, lang: str) -> dict:
    """Every column's value for one row (numbers as numbers, shares as fractions or None)."""
    f = row.figures
    label = LABELS[lang]
    name = row.market_name
    if row.kind == "other_markets":
        name = label["other"].format(n=f.markets, k=MIN_ACTIVE_STALLS)
    elif row.kind == "district_total":
        name = label["district_total"].format(name=row.district_name or label["no_district"])
    elif row.kind == "total":
        name = label["total"].format(name=report.scope_name).strip()
    return {
        "kind": row.kind,
        "district": row.district_name,
        "district_code": row.district_code,
        "commune": row.commune_name,
        "commune_code": row.commune_code,
        "market_code": row.market_code,
        "market_name": name,
        "markets": f.markets,
        **{key: getattr(f.current, key) for key, *_ in FIGURE_COLUMNS},
        "markets_with_cash": f.current.markets_with_cash,
        **{f"previous_{key}": getattr(f.previous, key) for key in COMPARED},
    }


def as_json(report: AdoptionReport, lang: str = "vi") -> dict:
    return {
        "scope": {"code": report.scope_code, "name": report.scope_name, "kind": report.scope_kind},
        "from": report.period.first.isoformat(),
        "to": report.period.last.isoformat(),
        "previous_from": report.previous_period.first.isoformat(),
        "previous_to": report.previous_period.last.isoformat(),
        "active_min": report.active_min,
        "produced_at": report.produced_at.isoformat(),
        "rows": [row_values(row, report, lang) for row in report.rows],
        "weekly": [{**week, "week_start": week["week_start"].isoformat()} for week in report.weekly],
    }


def file_name(report: AdoptionReport, extension: str) -> str:
    return (
        f"bao-cao-khong-tien-mat-{report.scope_code}-{report.period.first:%Y%m%d}-"
        f"{report.period.last:%Y%m%d}.{extension}"
    )


def _heading_lines(report: AdoptionReport, lang: str) -> list[str]:
    label = LABELS[lang]
    return [
        f"{label['title']} – {report.scope_name} ({report.scope_code})",
        f"{label['period']}: {_period_text(report.period)}; {label['previous']}: "
        f"{_period_text(report.previous_period)}",
        f"{label['active'].format(n=report.active_min)}. {label['produced']}: {format_datetime(report.produced_at)}",
        label["note"],
    ]


def _csv_share(value, lang):
    if value is None:
        return ""
    text = f"{value * 100:.1f}"
    return text.replace(".", ",") if lang == "vi" else text


def as_csv(report: AdoptionReport, lang: str = "vi") -> bytes:
    """UTF-8 with a BOM (Excel then shows the diacritics); a header row, one row per line of the
    report, amounts in whole đồng, shares in percent; the title and period after a blank line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    index = 2 if lang == "vi" else 3
    writer.writerow(
        [
            column[index] + (" (%)" if column[1] == "share" else " (₫)" if column[1] == "vnd" else "")
            for column in COLUMNS
        ]
    )
    for row in report.rows:
        values = row_values(row, report, lang)
        writer.writerow(
            csv_row([_csv_share(values[key], lang) if kind == "share" else values[key] for key, kind, *_ in COLUMNS])
        )
    writer.writerow([])
    for line in _heading_lines(report, lang):  # (it names the region: text from the registry)
        writer.writerow(csv_row([line]))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


VND_FORMAT = '#,##0 "₫"'
SHARE_FORMAT = "0.0%"
HEADER_ROW = 1
# In the workbook the market's name comes first: frozen beside the header row, it stays in view
# while the reader scrolls right through the figures (the CSV keeps the place columns first).
XLSX_COLUMNS = [column for column in COLUMNS if column[0] == "market_name"] + [
    column for column in COLUMNS if column[0] != "market_name"
]


def as_xlsx(report: AdoptionReport, lang: str = "vi") -> bytes:
    """One sheet: the header row, one row per line of the report (subtotal and total rows in
    bold), then the title, period and production time. Only the header row and the names are
    frozen; it prints on A4 landscape, one page wide, the header and names on every page."""
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = "Báo cáo" if lang == "vi" else "Report"
    index = 2 if lang == "vi" else 3
    fill = PatternFill("solid", fgColor="DDEBF7")
    for col, column in enumerate(XLSX_COLUMNS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=col, value=column[index])
        cell.font, cell.fill = Font(bold=True), fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(col)].width = 34 if col == 1 else 22 if column[1] == "text" else 16
    for offset, row in enumerate(report.rows, start=1):
        values = row_values(row, report, lang)
        bold = row.kind != "market"
        for col, (key, kind, *_) in enumerate(XLSX_COLUMNS, start=1):
            cell = set_xlsx_cell(sheet, HEADER_ROW + offset, col, values[key])
            if kind == "vnd":
                cell.number_format = VND_FORMAT
            elif kind == "share":
                cell.number_format = SHARE_FORMAT
            if bold:
                cell.font = Font(bold=True)
    below = HEADER_ROW + len(report.rows) + 2
    for number, line in enumerate(_heading_lines(report, lang)):
        set_xlsx_cell(sheet, below + number, 1, line).font = Font(bold=number == 0)
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=2).coordinate  # the header row and the names
    _print_setup(sheet, _heading_lines(report, lang)[0])
    book.properties.title = _heading_lines(report, lang)[0]
    book.properties.created = report.produced_at.replace(tzinfo=None)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _print_setup(sheet, title: str):
    """A4 landscape, fitted to one page wide (as tall as it needs), the header row and the names
    repeated on every printed page, the title and page numbers in the margins."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.print_title_cols = "A:A"
    sheet.oddHeader.center.text = title.replace("&", "&&")  # "&" starts a header code in Excel
    sheet.oddFooter.right.text = "&P / &N"
