"""Folding Vietnamese to ASCII for bank fields."""

import pytest

from market_pay.common.textfold import fold_ascii, fold_upper


@pytest.mark.parametrize(
    "text, folded",
    [
        ("Đặng Thị Hoà", "Dang Thi Hoa"),
        ("đường Nguyễn Thái Học", "duong Nguyen Thai Hoc"),
        ("  Giàng   Seo Pháo ", "Giang Seo Phao"),
        ("Thuỷ – Chè Shan tuyết", "Thuy Che Shan tuyet"),
        ("ABC 123", "ABC 123"),
    ],
)
def test_fold_ascii_removes_diacritics_and_keeps_letters(text, folded):
    assert fold_ascii(text) == folded


def test_fold_upper_is_what_a_bank_shows():
    assert fold_upper("Nguyễn Thị Hoa") == "NGUYEN THI HOA"
