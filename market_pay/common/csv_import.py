"""Shared pieces of the all-or-nothing CSV imports (regions, vendors)."""
import csv
import io

from ..errors import ValidationFailed


def csv_rows(text: str, required_columns) -> csv.DictReader:
    """A reader over the file (a UTF-8 BOM is fine); 422 naming every missing header column."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in required_columns if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed("The file's header is incomplete.",
                               {"header": [f"Missing column: {c}" for c in missing]})
    return reader


def raise_row_errors(errors: dict):
    """Reject the whole file, listing each bad row ("row N": {field: [...]}) in file order."""
    if errors:
        by_row = dict(sorted(errors.items(), key=lambda item: int(item[0].split()[1])))
        raise ValidationFailed("Some rows are invalid; nothing was imported.", by_row)
