"""Vietnamese pages speak Vietnamese: no page text is left in English on the Vietnamese side."""

import re

from market_pay.common.page_texts import TEXTS

# Words that only an English sentence has; a Vietnamese text may still hold names and codes.
ENGLISH_WORDS = re.compile(r"\b(the|your|you|password|change|current|wrong|choose|please|is|are)\b", re.IGNORECASE)


def test_every_vietnamese_page_text_is_written_in_vietnamese():
    left_in_english = {key: text for key, text in TEXTS["vi"].items() if ENGLISH_WORDS.search(text)}
    assert left_in_english == {}


def test_both_languages_have_the_same_keys():
    assert set(TEXTS["vi"]) == set(TEXTS["en"])


def test_the_administration_pages_speak_vietnamese_too_and_have_both_languages():
    from market_pay.admin.texts import WORDS

    assert {key: text for key, text in WORDS["vi"].items() if ENGLISH_WORDS.search(text)} == {}
    assert set(WORDS["vi"]) == set(WORDS["en"])
