"""Canonical Vietnamese phone numbers."""

import pytest

from market_pay.common.phone import normalise_phone


@pytest.mark.parametrize(
    "raw, phone",
    [
        ("0912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("091.234.5678", "0912345678"),
        ("0219 3866 123", "02193866123"),
    ],
)
def test_accepted_forms_become_one_canonical_number(raw, phone):
    assert normalise_phone(raw) == phone


@pytest.mark.parametrize("raw", ["", "12345", "091234567", "09123456789012", "phone", "+1 202 555 0100"])
def test_non_vietnamese_numbers_are_rejected(raw):
    assert normalise_phone(raw) is None
