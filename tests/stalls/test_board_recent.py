""" "Vừa nhận" when the board opens: today's confirmations, each warning row with its reason
(issue 19). The matcher runs inline in the tests, so a callback is confirmed when it answers."""

import html
import json
import re
from datetime import UTC, datetime, timedelta

from market_pay.stalls.events import FeedHub
from tests.factories import make_user, make_vendor, scope_of
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer
from tests.stalls.test_board_pages import board_post, sign_in


def recent_on_open(client) -> list[dict]:
    page = client.get("/stall").get_data(as_text=True)
    return json.loads(html.unescape(re.search(r'data-recent="([^"]*)"', page).group(1)))


def test_the_board_opens_with_todays_confirmations_and_why_rows_warn(app, client):
    app.extensions["market_pay_feed_hub"] = FeedHub(app, poll_seconds=3600)
    vendor = make_vendor(floor_amount=1_000)
    user = make_user("vendor", scope_of(vendor))
    set_partners()
    account = type("Account", (), {"bin": vendor.accounts[0].bin, "account_number": vendor.accounts[0].account_number})
    sign_in(client, user)
    assert recent_on_open(client) == []
    reference = board_post(client, "/stall/qr", {"amount": 120_000}, **{"Idempotency-Key": "q1"}).json["reference"]
    now = datetime.now(UTC)
    yesterday = (now - timedelta(days=2)).isoformat()
    for amount, description, booked in (
        (77_000, "old", yesterday),
        (500, "chuyen tien", now.isoformat()),
        (120, f"{reference} chuyen tien", now.isoformat()),
        (45_000, "chuyen tien", now.isoformat()),
    ):
        body = simbank_transfer(account, amount, description=description, booked_at=booked)
        assert post_simbank(client, body).status_code == 200
    recent = recent_on_open(client)
    # Oldest first; a credit booked days ago but reported today was announced today, so it is listed.
    assert [item["amount"] for item in recent] == [77_000, 500, 120, 45_000]
    assert recent[1]["warning"] and recent[1]["why"] == {"below_floor": "1.000 ₫"}
    assert recent[2]["warning"] and recent[2]["why"] == {"underpaid": "119.880 ₫"}
    assert not recent[3]["warning"] and recent[3]["why"] == {}
