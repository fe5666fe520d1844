"""Cursors round-trip and reject forgeries."""

import pytest

from market_pay.common.paging import decode_cursor, encode_cursor
from market_pay.errors import ValidationFailed


def test_cursor_round_trips():
    assert decode_cursor(encode_cursor(12345)) == 12345


@pytest.mark.parametrize("cursor", ["nonsense", "aWQ6eA", "eHg6MQ", "!!!"])
def test_a_cursor_we_did_not_issue_is_a_422_on_cursor(cursor):
    with pytest.raises(ValidationFailed) as caught:
        decode_cursor(cursor)
    assert "cursor" in caught.value.errors
