"""English amounts and sentences for a board opened with ?lang=en (stalls/spoken_amounts.py)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market_pay.stalls.spoken_amounts import (
    MAX_AMOUNT,
    daily_summary_sentence,
    english_number_to_words,
    missed_sentence,
    received_sentence,
    reversed_sentence,
)


@pytest.mark.parametrize(
    "amount, words",
    [
        (0, "zero"),
        (1, "one"),
        (15, "fifteen"),
        (20, "twenty"),
        (105, "one hundred five"),
        (1_000, "one thousand"),
        (1_250_000, "one million two hundred fifty thousand"),
        (999_999_999, "nine hundred ninety-nine million nine hundred ninety-nine thousand nine hundred ninety-nine"),
        (1_000_000_000, "one billion"),
        (1_000_005_000, "one billion five thousand"),
    ],
)
def test_amounts_read_as_an_english_speaker_reads_them(amount, words):
    assert english_number_to_words(amount) == words


@pytest.mark.parametrize("bad", [-1, MAX_AMOUNT + 1, 1.5, True, "100"])
def test_what_is_not_an_amount_is_refused_in_english_too(bad):
    with pytest.raises(ValueError):
        english_number_to_words(bad)


EN_VALUES = {
    word: value
    for value, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
EN_VALUES.update(
    {
        word: 10 * tens
        for tens, word in enumerate(
            ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"], start=2
        )
    }
)
EN_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12, "quadrillion": 10**15}


def read_back(words: str) -> int:
    total = group = 0
    for word in words.replace("-", " ").split():
        if word == "hundred":
            group *= 100
        elif word in EN_SCALES:
            total, group = total + group * EN_SCALES[word], 0
        else:
            group += EN_VALUES[word]
    return total + group


@given(st.integers(min_value=0, max_value=MAX_AMOUNT))
def test_any_amount_reads_back_to_itself_in_english(amount):
    assert read_back(english_number_to_words(amount)) == amount


def test_the_english_sentences_say_the_amount_in_dong():
    assert received_sentence(1_250_000, lang="en") == "Received one million two hundred fifty thousand dong"
    assert received_sentence(50_000, warning=True, lang="en") == "Careful: received only fifty thousand dong"
    assert reversed_sentence(20_000, lang="en") == "Careful: the bank took back twenty thousand dong"
    assert missed_sentence(1, lang="en") == "One payment arrived while offline"
    assert missed_sentence(3, lang="en") == "Three payments arrived while offline"
    assert daily_summary_sentence(0, 0, lang="en") == "Today, no transfers received yet"
    assert daily_summary_sentence(2, 75_000, 1, 20_000, lang="en") == (
        "Today, two transfers received, total seventy-five thousand dong. Cash: one sale, total twenty thousand dong"
    )


def test_the_vietnamese_sentences_are_unchanged_by_default():
    assert received_sentence(1_250_000) == "Đã nhận một triệu hai trăm năm mươi nghìn đồng"
    assert received_sentence(1_250_000, lang="vi") == received_sentence(1_250_000)
    assert missed_sentence(3) == "Có ba khoản nhận được khi mất mạng"
