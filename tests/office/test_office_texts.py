"""The office adds its words to the shared page texts: it may add, never replace another page's."""

import runpy
from pathlib import Path

import market_pay.common.page_texts as page_texts
from market_pay.office.texts import OFFICE_TEXTS


def test_the_office_words_replace_no_other_page_s_words():
    # page_texts as written (a fresh copy: the imported one already carries the office's words).
    own = runpy.run_path(str(Path(page_texts.__file__)))["TEXTS"]
    clashes = [
        (lang, key)
        for lang, words in OFFICE_TEXTS.items()
        for key, word in words.items()
        if key in own[lang] and own[lang][key] != word
    ]
    assert clashes == []
