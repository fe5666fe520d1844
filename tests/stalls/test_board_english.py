"""The stall board in English (issue 19: "English pages format amounts the English way, and speech
follows the page's language"): amounts as 1,250,000 ₫ and English sentences on an English board
(the page passes ?lang= on its stream, summary and cash URLs); the Vietnamese board unchanged."""

import html
import json
import re
from datetime import UTC, datetime

import pytest

from market_pay.stalls.events import FeedHub
from tests.factories import make_user, make_vendor, scope_of
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer
from tests.stalls import test_board_pages as board_pages
from tests.stalls.test_board_pages import board_post, sign_in


@pytest.fixture
def board(app, client):
    """A signed-in stall with a 1.000 ₫ floor and three credits booked (one below the floor)."""
    app.extensions["market_pay_feed_hub"] = FeedHub(app, poll_seconds=3600)
    vendor = make_vendor(floor_amount=1_000)
    user = make_user("vendor", scope_of(vendor))
    set_partners()
    account = type("Account", (), {"bin": vendor.accounts[0].bin, "account_number": vendor.accounts[0].account_number})
    sign_in(client, user)
    now = datetime.now(UTC).isoformat()
    for amount in (1_250_000, 500, 30_000):
        assert post_simbank(client, simbank_transfer(account, amount, booked_at=now)).status_code == 200
    return client


def read_events(client, query: str):
    """The stream's first batch from the start of the feed (what a board back online is sent)."""
    return [(name, data) for name, data, _ in board_pages.read_events(client, after=0, query=query)]


def test_the_english_board_s_stream_speaks_english_and_groups_amounts_with_commas(board):
    events = read_events(board, "&lang=en")
    assert [name for name, _ in events] == ["missed", "payment", "payment", "payment", "summary"]
    assert events[0][1]["speech"] == "Three payments arrived while offline"
    payments = [data for name, data in events if name == "payment"]
    assert payments[0]["speech"] == "Received one million two hundred fifty thousand dong"
    assert payments[0]["amount_text"] == "1,250,000 ₫"
    assert payments[1]["speech"] == "Careful: received only five hundred dong"
    assert payments[1]["why"] == {"below_floor": "1,000 ₫"}
    summary = events[-1][1]
    assert summary["cashless_text"] == "1,280,500 ₫"
    assert summary["speech"] == (
        "Today, three transfers received, total one million two hundred eighty thousand five hundred dong"
    )


def test_the_vietnamese_board_s_stream_is_unchanged(board):
    events = read_events(board, "")
    assert events[0][1]["speech"] == "Có ba khoản nhận được khi mất mạng"
    payments = [data for name, data in events if name == "payment"]
    assert payments[0]["speech"] == "Đã nhận một triệu hai trăm năm mươi nghìn đồng"
    assert payments[0]["amount_text"] == "1.250.000 ₫"
    assert payments[1]["speech"] == "Chú ý: chỉ nhận năm trăm đồng" and payments[1]["why"] == {"below_floor": "1.000 ₫"}
    assert events[-1][1]["cashless_text"] == "1.280.500 ₫"
    assert events[-1][1]["speech"].startswith("Hôm nay đã nhận ba khoản, tổng một triệu hai trăm tám mươi nghìn")


def test_today_s_summary_follows_the_page_s_language(board):
    english = board.get("/stall/summary?lang=en", headers={"Accept": "application/json"}).json
    assert english["speech"].startswith("Today, three transfers received") and english["cash_text"] == "0 ₫"
    vietnamese = board.get("/stall/summary?lang=vi", headers={"Accept": "application/json"}).json
    assert vietnamese["speech"].startswith("Hôm nay đã nhận ba khoản") and vietnamese["cashless_text"] == "1.280.500 ₫"


def test_the_page_s_own_language_beats_the_remembered_one(board):
    board.get("/stall?lang=en")  # remembers English in the cookie
    assert board.get("/stall/summary", headers={"Accept": "application/json"}).json["speech"].startswith("Today")
    # A Vietnamese page open in another tab still hears Vietnamese: it passes its own lang.
    events = read_events(board, "&lang=vi")
    assert events[1][1]["speech"] == "Đã nhận một triệu hai trăm năm mươi nghìn đồng"


def test_cash_on_the_english_board_is_answered_with_english_amounts(board):
    sale = board_post(board, "/stall/cash?lang=en", {"amount": 1_250_000})
    assert sale.status_code == 201 and sale.json["amount_text"] == "1,250,000 ₫"
    assert sale.json["summary"]["speech"].endswith("Cash: one sale, total one million two hundred fifty thousand dong")
    undone = board_post(board, f"/stall/cash/{sale.json['id']}/undo?lang=en", {})
    assert undone.json["amount_text"] == "1,250,000 ₫"
    assert board_post(board, "/stall/cash", {"amount": 25_000}).json["amount_text"] == "25.000 ₫"


def test_the_english_board_opens_with_english_rows_and_figures(board):
    page = board.get("/stall?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page and "1,280,500 ₫" in page
    recent = json.loads(html.unescape(re.search(r'data-recent="([^"]*)"', page).group(1)))
    assert [item["amount_text"] for item in recent] == ["1,250,000 ₫", "500 ₫", "30,000 ₫"]
    assert recent[0]["speech"] == "Received one million two hundred fifty thousand dong"
    vietnamese = board.get("/stall?lang=vi").get_data(as_text=True)
    assert "1.280.500 ₫" in vietnamese and "1,280,500" not in vietnamese
