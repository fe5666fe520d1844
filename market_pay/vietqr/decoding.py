"""The decoded view of a payload that the CLI and POST /api/v1/qr/decode print. Pure module."""

from typing import Any

from ..banks.directory import find_bank
from .codec import VietQR


def decoded_fields(code: VietQR, warnings: tuple = ()) -> dict:
    """Every field; `warnings` (from codec.read) only when there are some."""
    bank = find_bank(code.bin)
    fields: dict[str, Any] = {
        "point_of_initiation": "dynamic" if code.is_dynamic else "static",
        "bin": code.bin,
        "bank": bank.short_name if bank else None,
        "account": code.account,
        "service_code": code.service_code,
        "amount": code.amount,
        "currency": code.currency,
        "country": code.country,
        "merchant_name": code.merchant_name,
        "merchant_city": code.merchant_city,
        "bill_number": code.bill_number,
        "reference_label": code.reference_label,
        "terminal_label": code.terminal_label,
        "purpose": code.purpose,
        "crc": code.crc,
    }
    if warnings:
        fields["warnings"] = list(warnings)
    return fields
