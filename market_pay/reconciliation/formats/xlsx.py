"""A bank's XLSX export of one account (internet banking's "sao kê"), read with openpyxl in
read-only mode (rows streamed, never the whole sheet in memory).

Each bank has its own layout; what differs is data, in bank_layouts.json: the column titles that
mean the date, the reference, the debit and credit amounts, the balance and the content, and the
bank's BIN. The reader walks the first sheet: label rows above the table give the account
("Số tài khoản: 0011001234567") and the opening balance ("Số dư đầu kỳ"); the first row in which
every required role of a layout has a column is the header (the layout with most recognised
columns wins, or the one named by --format xlsx-<name>); then one line per row with a date and an
amount, until a totals row ("Tổng", "Tổng cộng", "Total") ends the table; a closing-balance label
row may follow. Dates are dd/mm/yyyy text (with or without a time) or real date cells.
"""

import json
import re
import zipfile
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from openpyxl import load_workbook

from ...common.textfold import fold_ascii
from ..statement_file import StatementUnreadable
from .common import dong, resolve_account, row

UNIT = "row"
HEADER_SEARCH_ROWS = 50  # the header is near the top; a file without one is refused early
# Bounded work whatever the file claims: a few bytes of XML can declare the whole grid
# (A1:XFD1048576) or a row numbered in the billions, and openpyxl fills every missing cell and
# row; a zip of a few hundred kilobytes can inflate to gigabytes. A bank export has a dozen
# columns and its parts are a few megabytes.
MAX_COLUMNS = 40
MAX_ROWS = 1_048_576  # a worksheet's own limit
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_NUMBER = re.compile(r"[0-9][0-9 .]{3,}[0-9]")


def _fold(text) -> str:
    return re.sub(r"\s+", "", fold_ascii(str(text)).lower()) if text is not None else ""


@lru_cache(maxsize=1)
def layouts() -> dict:
    data = json.loads((Path(__file__).with_name("bank_layouts.json")).read_text(encoding="utf-8"))
    for layout in data["layouts"]:
        layout["folded"] = {role: {_fold(title) for title in titles} for role, titles in layout["columns"].items()}
    data["folded_labels"] = {name: [_fold(title) for title in titles] for name, titles in data["labels"].items()}
    return data


def layout_names() -> list:
    return [layout["name"] for layout in layouts()["layouts"]]


def _match_header(cells, wanted=None) -> tuple[dict, dict[str, int]] | None:
    """(layout, {role: column index}) when the row is a layout's header, else None."""
    folded = [_fold(cell) for cell in cells]
    best: tuple[dict, dict[str, int]] | None = None
    for layout in layouts()["layouts"]:
        if wanted and layout["name"] != wanted:
            continue
        columns: dict[str, int] = {}
        for role, titles in layout["folded"].items():
            for index, text in enumerate(folded):
                if text in titles:
                    columns.setdefault(role, index)
        if all(role in columns for role in layouts()["required"]) and (best is None or len(columns) > len(best[1])):
            best = (layout, columns)
    return best


def _label(cells, name):
    """The value a label row gives ("Số dư đầu kỳ: 1.000.000" or the label then the value in a
    later cell), or None when the row is not this label."""
    labels = layouts()["folded_labels"][name]
    for index, cell in enumerate(cells):
        if not isinstance(cell, str):
            continue
        head, _, tail = cell.partition(":")
        if _fold(head) in labels:
            if tail.strip():
                return tail.strip()
            rest = [c for c in cells[index + 1 :] if c not in (None, "")]
            return rest[0] if rest else ""
    return None


def _first_text(cells):
    return next((c for c in cells if c not in (None, "")), None)


def _booked(value) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat() if (value.hour, value.minute, value.second) != (0, 0, 0) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    match = _DATE.fullmatch(str(value or "").strip())
    if not match:
        return None
    d, m, y, hh, mm, ss = match.groups()
    try:
        if hh is None:
            return date(int(y), int(m), int(d)).isoformat()
        # The bank's wall-clock time: the statement's zone is applied by statement_file._booked_at.
        return datetime(int(y), int(m), int(d), int(hh), int(mm), int(ss or 0)).isoformat()  # noqa: DTZ001
    except ValueError:
        return None


def _unreadable(number, message):
    return StatementUnreadable(
        "The bank export cannot be read; nothing was reconciled.", {f"{UNIT} {number}": [message]}
    )


def _account_number(value) -> str | None:
    text = str(value or "")
    found = _NUMBER.search(text)
    return found.group(0).replace(" ", "").replace(".", "") if found else None


def _unpacked_bytes(path) -> int:
    """What the workbook's parts inflate to, from the zip's directory (zipfile stops reading a part
    at its declared size, so a part cannot inflate beyond what it declares)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise StatementUnreadable("The file is not a readable XLSX workbook.") from None


def read(path, account=None, layout_name=None):
    if _unpacked_bytes(path) > MAX_UNPACKED_BYTES:
        raise StatementUnreadable(
            f"The workbook inflates to more than {MAX_UNPACKED_BYTES // 2**20} MB: "
            "export one account's statement at a time."
        )
    # Opened by us: given a path, openpyxl refuses any name not ending in .xlsx, and an upload is
    # kept under a temporary name (the format is told by the content, formats/__init__.py).
    with open(path, "rb") as handle:
        try:
            book = load_workbook(handle, read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 (not a zip, not a workbook: openpyxl raises several kinds)
            raise StatementUnreadable("The file is not a readable XLSX workbook.") from None
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # the rows that are there, not the size the file claims
            yield from _sheet(sheet, account, layout_name)
        finally:
            book.close()


def _bounded(rows):
    """The sheet's rows (first MAX_COLUMNS cells each), refused past a worksheet's last row."""
    iterator, number = iter(rows), 0
    while True:
        number += 1
        try:
            cells = next(iterator)
        except StopIteration:
            return
        except Exception:  # noqa: BLE001
            # openpyxl converts each cell as the row streams in, and raises whatever the XML makes
            # it meet: OverflowError for a date serial beyond year 9999, ValueError for a number or
            # a column name that is none, IndexError for a shared string not in the table, an XML
            # error for a broken part. The file's fault, never a 500 (insider review of issue 24).
            raise _unreadable(
                number, "A cell of this row cannot be read (a date, number or text out of range)."
            ) from None
        if number > MAX_ROWS:
            raise _unreadable(number, f"A worksheet has at most {MAX_ROWS:,} rows.".replace(",", "."))
        yield cells


def _sheet(sheet, account, layout_name):
    found_number, opening, header, layout, header_row = None, None, None, None, 0
    rows = _bounded(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS))
    for number, row_cells in enumerate(rows, start=1):
        cells = list(row_cells)
        matched = _match_header(cells, layout_name)
        if matched:
            layout, header = matched
            header_row = number
            break
        label = _label(cells, "account")
        if label is not None and found_number is None:
            found_number = _account_number(label)
        label = _label(cells, "opening")
        if label is not None:
            opening = dong(label)
            if opening is None:
                raise _unreadable(number, "The opening balance is not a whole number of đồng.")
        if number >= HEADER_SEARCH_ROWS:
            break
    if layout is None or header is None:
        wanted = f" of layout {layout_name}" if layout_name else ""
        raise StatementUnreadable(
            f"No header row{wanted} found in the first {HEADER_SEARCH_ROWS} rows: is this a "
            "bank export of a known layout (docs/STATEMENTS.md)?"
        )
    bin_code, account_number = resolve_account(layout["bin"], found_number, account, f"{UNIT} {header_row}")
    yield header_row, row(bin_code=bin_code, account=account_number, direction="opening", balance=opening)
    closing, last = None, header_row
    for number, row_cells in enumerate(rows, start=header_row + 1):
        cells = list(row_cells)
        last = number
        if not any(cell not in (None, "") for cell in cells):
            continue
        first = _first_text(cells)
        if isinstance(first, str) and _fold(first.partition(":")[0]) in layouts()["folded_labels"]["totals"]:
            break
        label = _label(cells, "closing")
        if label is not None:
            closing = dong(label)
            break
        yield number, _line(number, cells, header, bin_code, account_number)
    for number, cells in enumerate(rows, start=last + 1):  # below the totals: the closing label
        label = _label(list(cells), "closing")
        if label is not None and closing is None:
            closing = dong(label)
            last = number
    yield last, row(bin_code=bin_code, account=account_number, direction="closing", balance=closing)


def _cell(cells, header, role):
    index = header.get(role)
    return cells[index] if index is not None and index < len(cells) else None


def _line(number, cells, header, bin_code, account_number):
    debit, credit = _cell(cells, header, "debit"), _cell(cells, header, "credit")
    debit_value, credit_value = dong(debit), dong(credit)
    if debit_value not in (None, "0") and credit_value not in (None, "0"):
        direction, amount = "both", ""
    elif credit_value not in (None, "0"):
        direction, amount = "in", credit_value
    elif debit_value not in (None, "0"):
        direction, amount = "out", debit_value
    else:
        direction, amount = "in", str(credit if credit not in (None, "") else (debit or ""))
    booked = _booked(_cell(cells, header, "date"))
    balance = _cell(cells, header, "balance")
    balance_value = dong(balance) if balance not in (None, "") else ""
    return row(
        "",
        str(_cell(cells, header, "reference") or "").strip(),
        booked if booked is not None else str(_cell(cells, header, "date") or "") + " (dd/mm/yyyy?)",
        bin_code,
        account_number,
        direction,
        amount,
        " ".join(str(_cell(cells, header, "content") or "").split()),
        balance_value if balance_value is not None else str(balance),
    )
