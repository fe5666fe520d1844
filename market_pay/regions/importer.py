"""Import a region CSV (code,name,kind,parent_code[,valid_from,valid_to][,note]): all rows or none."""

import re
from datetime import date, timedelta

from marshmallow import ValidationError
from sqlalchemy import select

from ..common.csv_import import csv_rows, raise_row_errors
from ..errors import ValidationFailed
from ..extensions import db
from .models import Region
from .schemas import RegionCreateSchema
from .services import create_region

REQUIRED_COLUMNS = ("code", "name", "kind", "parent_code")
# The shipped Hà Giang file marks abolished districts "Hà Giang before 2025-07-01".
_BEFORE = re.compile(r"before (\d{4}-\d{2}-\d{2})")


def _row_data(row: dict) -> dict:
    data = {key: (row.get(key) or "").strip() for key in REQUIRED_COLUMNS}
    data["parent_code"] = data["parent_code"] or None
    for key in ("valid_from", "valid_to"):
        if (row.get(key) or "").strip():
            data[key] = row[key].strip()
    match = _BEFORE.search(row.get("note") or "")
    if match and "valid_to" not in data:
        try:  # "before 2025-13-45" or "before 0001-01-01" (no day before it) was a 500
            data["valid_to"] = (date.fromisoformat(match.group(1)) - timedelta(days=1)).isoformat()
        except (ValueError, OverflowError):
            raise ValidationError(
                {"note": [f"'before {match.group(1)}' is not a date with a day before it."]}
            ) from None
    return data


def import_regions_csv(text: str, actor=None) -> dict:
    """Create the file's regions that do not exist yet; rows that exist must agree with the database.

    Returns {"created": n, "unchanged": m}. Any bad row fails the whole import with every
    problem listed by row number (the header is row 1).
    """
    reader = csv_rows(text, REQUIRED_COLUMNS)
    schema = RegionCreateSchema()
    rows, errors, seen = [], {}, set()
    for number, row in enumerate(reader, start=2):
        try:
            data = schema.load(_row_data(row))
        except ValidationError as exc:
            errors[f"row {number}"] = exc.messages
            continue
        if data["code"] in seen:
            errors[f"row {number}"] = {"code": ["Appears twice in the file."]}
        seen.add(data["code"])
        rows.append((number, data))

    existing = {r.code: r for r in db.session.scalars(select(Region))}
    in_file = {data["code"] for _, data in rows}
    created = unchanged = 0
    for number, data in rows:
        region = existing.get(data["code"])
        if region is not None:
            if (region.name, region.kind, region.parent_code) != (data["name"], data["kind"], data["parent_code"]):
                errors[f"row {number}"] = {"code": ["Exists with a different name, kind or parent."]}
            unchanged += 1
            continue
        if data["parent_code"] and data["parent_code"] not in existing and data["parent_code"] not in in_file:
            errors[f"row {number}"] = {"parent_code": [f"No region with code {data['parent_code']}."]}
    raise_row_errors(errors)

    # Parents first: a row may name a parent that appears further down the file.
    pending = [data for _, data in rows if data["code"] not in existing]
    while pending:
        ready = [d for d in pending if not d["parent_code"] or d["parent_code"] in existing]
        if not ready:
            raise ValidationFailed(
                "The file's parent links form a cycle.", {"parent_code": sorted(d["code"] for d in pending)}
            )
        for data in ready:
            existing[data["code"]] = create_region(actor, data)
            created += 1
        pending = [d for d in pending if d["code"] not in existing]
    return {"created": created, "unchanged": unchanged}
