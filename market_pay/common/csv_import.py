"""Shared pieces of the all-or-nothing CSV imports (regions, vendors)."""

import csv
import io
from collections.abc import Iterator

from ..errors import ValidationFailed


def csv_rows(text: str, required_columns) -> Iterator[dict]:
    """The file's rows as dicts (a UTF-8 BOM is fine); 422 naming every missing header column,
    and 422 naming the row the csv module cannot read (a field over its 131,072-character
    limit, a stray quote), raised when iteration reaches it."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as error:
        raise _unreadable("header", error) from None
    missing = [c for c in required_columns if c not in (fieldnames or [])]
    if missing:
        raise ValidationFailed(
            "The file's header is incomplete.", {"header": [f"Missing column: {c}" for c in missing]}
        )
    return _rows(reader)


def _rows(reader: csv.DictReader) -> Iterator[dict]:
    number = 1  # the header; data rows are numbered from 2, as the importers number them
    try:
        for number, row in enumerate(reader, start=2):  # noqa: B007 (the except clause reads it)
            yield row
    except csv.Error as error:  # a 500 once; the row is the one after the last read
        raise _unreadable(f"row {number + 1}", error) from None


def _unreadable(where: str, error: csv.Error) -> ValidationFailed:
    text = str(error)
    if "field larger than field limit" in text:
        text = f"A field is longer than {csv.field_size_limit():,} characters."
    return ValidationFailed("The file is not a readable CSV; nothing was imported.", {where: [text]})


def raise_row_errors(errors: dict):
    """Reject the whole file, listing each bad row ("row N": {field: [...]}) in file order."""
    if errors:
        by_row = dict(sorted(errors.items(), key=lambda item: int(item[0].split()[1])))
        raise ValidationFailed("Some rows are invalid; nothing was imported.", by_row)
