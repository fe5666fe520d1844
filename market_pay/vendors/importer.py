"""Bulk vendor import from a market board's spreadsheet (CSV): all rows or none.

Columns: stall_code, display_name, legal_name (optional), phone, floor_amount (optional), bin,
account_number, account_name. A stall with two banks takes two rows with the same stall_code and
details. Without legal_name, the stall's legal name is its first row's account name (the bank's
record of the holder) and its other accounts must carry the same name. Accounts imported by a
market manager wait for the vendor's confirmation like any the manager adds.
"""

from collections import defaultdict

from marshmallow import ValidationError
from sqlalchemy import select

from ..auth.scopes import require_market_manage
from ..common.csv_import import csv_rows, raise_row_errors
from ..common.textfold import fold_upper
from ..errors import ValidationFailed
from ..extensions import db
from ..markets.services import find_market
from .models import ReceivingAccount, Vendor
from .schemas import VendorCreateSchema
from .services import NUMBER_TAKEN, name_mismatch, numbers_taken, register_checked_vendors

REQUIRED_COLUMNS = ("stall_code", "display_name", "phone", "bin", "account_number", "account_name")
STALL_FIELDS = ("display_name", "legal_name", "phone", "floor_amount")


def _same_field(field: str, a, b) -> bool:
    # Legal names compare as banks compare holders' names: folded ('NGUYỄN THỊ HOA' = 'NGUYEN THI HOA').
    if field == "legal_name":
        return fold_upper(a or "") == fold_upper(b or "")
    return a == b


def _parse_rows(reader, market_code: str):
    """Validate every row on its own; return ({stall_code: (first_row, data)}, errors)."""
    schema = VendorCreateSchema()
    stalls, errors = {}, {}
    for number, raw in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        floor = row.get("floor_amount") or None
        candidate = {
            "market_code": market_code,
            "stall_code": row.get("stall_code", ""),
            "display_name": row.get("display_name", ""),
            "phone": row.get("phone", ""),
            "legal_name": row.get("legal_name") or row.get("account_name", ""),
            "floor_amount": int(floor) if floor and floor.isdigit() else floor,
            "accounts": [{k: row.get(k, "") for k in ("bin", "account_number", "account_name")}],
        }
        try:
            data = schema.load(candidate)
        except ValidationError as exc:
            errors[f"row {number}"] = _flatten_account_errors(exc.normalized_messages())
            continue
        if data["stall_code"] not in stalls:
            stalls[data["stall_code"]] = (number, data)
            continue
        first_number, first = stalls[data["stall_code"]]
        differing = [f for f in STALL_FIELDS if not _same_field(f, first[f], data[f])]
        account = data["accounts"][0]
        if differing:
            errors[f"row {number}"] = {f: [f"Differs from row {first_number} for the same stall."] for f in differing}
        elif any(
            (a["bin"], a["account_number"]) == (account["bin"], account["account_number"]) for a in first["accounts"]
        ):
            errors[f"row {number}"] = {"account_number": [f"Repeats row {first_number}'s account."]}
        else:
            first["accounts"].append(account)
    return stalls, errors


def _flatten_account_errors(messages: dict) -> dict:
    """The row holds one account: report its fields by their column names."""
    flat = {k: v for k, v in messages.items() if k != "accounts"}
    accounts = messages.get("accounts")
    if isinstance(accounts, dict):
        for value in accounts.values():
            flat.update(value if isinstance(value, dict) else {"accounts": value})
    elif accounts:
        flat["accounts"] = accounts
    return flat


def _same_as_registered(vendor: Vendor, live: set, data: dict) -> bool:
    return (
        all(_same_field(f, getattr(vendor, f), data[f]) for f in STALL_FIELDS)
        and {(a["bin"], a["account_number"]) for a in data["accounts"]} <= live
    )


def _registered(market_id: int) -> tuple[dict, dict]:
    """The market's stalls by code, and each one's live or pending accounts: two queries for the
    whole file."""
    vendors = {v.stall_code: v for v in db.session.scalars(select(Vendor).where(Vendor.market_id == market_id))}
    live = defaultdict(set)
    for vendor_id, bin_code, number in db.session.execute(
        select(ReceivingAccount.vendor_id, ReceivingAccount.bin, ReceivingAccount.account_number)
        .join(Vendor, ReceivingAccount.vendor_id == Vendor.id)
        .where(Vendor.market_id == market_id, ReceivingAccount.status.in_(("active", "pending")))
    ):
        live[vendor_id].add((bin_code, number))
    return vendors, live


def import_vendors_csv(text: str, market_code: str, actor=None) -> dict:
    """Register the file's new stalls. A stall already registered with the same details is left
    alone (re-importing a file changes nothing); one registered differently is an error, as is
    an account number live or pending at any stall. Returns {"created": n, "unchanged": m}.

    A fixed number of queries whatever the file's size (10,000 rows in a few seconds,
    bench/bench_vendor_import.py): the market's stalls, their accounts, which of the file's
    numbers are taken, then one batched insert of everything new."""
    market = find_market(market_code)
    if actor is not None:
        require_market_manage(actor, market)
    reader = csv_rows(text, REQUIRED_COLUMNS)
    stalls, errors = _parse_rows(reader, market.code)
    if not stalls and not errors:
        raise ValidationFailed("The file has no rows.", {"file": ["No vendor rows after the header."]})

    registered, live = _registered(market.id)
    taken = numbers_taken(
        a["account_number"] for code, (_, data) in stalls.items() if code not in registered for a in data["accounts"]
    )
    to_create, unchanged = [], 0
    account_rows: dict = {}
    for stall_code, (number, data) in stalls.items():
        existing = registered.get(stall_code)
        if existing is not None:
            if _same_as_registered(existing, live[existing.id], data):
                unchanged += 1
            else:
                errors.setdefault(f"row {number}", {})["stall_code"] = [
                    "Already registered with other details; edit that stall instead."
                ]
            continue
        for account in data["accounts"]:
            key = account["account_number"]  # one number, one stall, whatever the bank
            mismatch = name_mismatch(data["legal_name"], account["account_name"])
            if mismatch:
                errors.setdefault(f"row {number}", {})["account_name"] = [mismatch]
            if key in account_rows:
                errors.setdefault(f"row {number}", {})["account_number"] = [
                    f"Also given to another stall on row {account_rows[key]}."
                ]
            account_rows.setdefault(key, number)
            if key in taken:
                errors.setdefault(f"row {number}", {})["account_number"] = [NUMBER_TAKEN]
        to_create.append(data)
    raise_row_errors(errors)
    register_checked_vendors(actor, market, to_create)
    return {"created": len(to_create), "unchanged": unchanged}
