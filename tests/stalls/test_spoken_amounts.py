"""The amount → Vietnamese words module: the conventions by example, and a reader that turns the
words back into the number for any amount (so no group, zero or special unit word is lost)."""

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market_pay.stalls.spoken_amounts import (
    MAX_AMOUNT,
    amount_in_words,
    daily_summary_sentence,
    missed_sentence,
    number_to_words,
    received_sentence,
)

EXAMPLES = {
    0: "không",
    1: "một",
    4: "bốn",
    5: "năm",
    10: "mười",
    11: "mười một",
    14: "mười bốn",
    15: "mười lăm",
    20: "hai mươi",
    21: "hai mươi mốt",
    24: "hai mươi tư",
    25: "hai mươi lăm",
    31: "ba mươi mốt",
    100: "một trăm",
    101: "một trăm linh một",
    104: "một trăm linh bốn",
    105: "một trăm linh năm",
    110: "một trăm mười",
    111: "một trăm mười một",
    115: "một trăm mười lăm",
    121: "một trăm hai mươi mốt",
    200: "hai trăm",
    1_000: "một nghìn",
    1_005: "một nghìn không trăm linh năm",
    1_050: "một nghìn không trăm năm mươi",
    15_000: "mười lăm nghìn",
    21_000: "hai mươi mốt nghìn",
    45_000: "bốn mươi lăm nghìn",
    104_000: "một trăm linh bốn nghìn",
    1_250_000: "một triệu hai trăm năm mươi nghìn",
    1_005_000: "một triệu không trăm linh năm nghìn",
    2_000_500: "hai triệu năm trăm",
    1_000_000_000: "một tỷ",
    1_000_000_005: "một tỷ không trăm linh năm",
    3_200_000_000: "ba tỷ hai trăm triệu",
    2_000_000_000_000: "hai nghìn tỷ",
}


@pytest.mark.parametrize("amount, words", EXAMPLES.items())
def test_amounts_read_as_a_vietnamese_cashier_reads_them(amount, words):
    assert number_to_words(amount) == words


def test_southern_reading_says_le_and_ngan():
    assert number_to_words(105_000, southern=True) == "một trăm lẻ năm ngàn"


def test_the_announcement_says_the_full_amount_and_the_unit():
    assert received_sentence(1_250_000) == "Đã nhận một triệu hai trăm năm mươi nghìn đồng"
    assert received_sentence(200, warning=True) == "Chú ý: chỉ nhận hai trăm đồng"
    assert amount_in_words(21_000) == "hai mươi mốt nghìn đồng"
    assert missed_sentence(3) == "Có ba khoản nhận được khi mất mạng"
    assert (
        daily_summary_sentence(37, 1_250_000)
        == "Hôm nay đã nhận ba mươi bảy khoản, tổng một triệu hai trăm năm mươi nghìn đồng"
    )
    assert daily_summary_sentence(0, 0).startswith("Hôm nay chưa nhận")


@pytest.mark.parametrize("bad", [-1, MAX_AMOUNT + 1, 1.5, "100", True, None])
def test_what_is_not_an_amount_is_refused(bad):
    with pytest.raises(ValueError):
        number_to_words(bad)


VALUES = {
    word: value for value, word in enumerate(("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"))
}
VALUES.update({"mốt": 1, "lăm": 5, "tư": 4, "linh": 0})
SCALES = {"nghìn": 10**3, "triệu": 10**6}


def read_back(words: str) -> int:
    """An independent reader of the words: the inverse the module must satisfy."""
    total = section = small = 0
    for word in words.split():
        if word in VALUES:
            small += VALUES[word]
        elif word == "mười":
            small += 10
        elif word == "mươi":
            small = small - small % 10 + small % 10 * 10
        elif word == "trăm":
            small *= 100
        elif word in SCALES:
            section += small * SCALES[word]
            small = 0
        elif word == "tỷ":
            total = (total + section + small) * 10**9
            section = small = 0
        else:
            raise AssertionError(f"unexpected word {word!r}")
    return total + section + small


@given(st.integers(min_value=0, max_value=MAX_AMOUNT))
def test_any_amount_reads_back_to_itself(amount):
    words = number_to_words(amount)
    assert read_back(words) == amount
    assert "  " not in words and words == words.strip()


@given(st.integers(min_value=0, max_value=10**7))
def test_special_unit_words_appear_only_where_the_convention_puts_them(amount):
    words = number_to_words(amount).split()
    for before, word in pairwise(words):
        if word in ("mốt", "tư"):
            assert before == "mươi"
        if word == "lăm":
            assert before in ("mươi", "mười")
        if word == "linh":
            assert before == "trăm"
