"""The stall board's server side: sign-in with phone + PIN, CSRF on every change, cash and QR
from the board, the event stream's replay, and the public pay and verify pages."""

import json
import re
from datetime import UTC, datetime

import pytest

from market_pay.stalls.events import FeedHub
from market_pay.vietqr.services import static_payload
from tests.factories import VENDOR_PIN, make_user, make_vendor, scope_of
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer


@pytest.fixture
def stall(app):
    # The hub's poll thread is not needed here (each test reads the stream's first batch only).
    app.extensions["market_pay_feed_hub"] = FeedHub(app, poll_seconds=3600)
    vendor = make_vendor(floor_amount=1_000)
    return vendor, make_user("vendor", scope_of(vendor))


def csrf_of(client, path="/stall/login"):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def sign_in(client, user, pin=VENDOR_PIN):
    token = csrf_of(client)
    return client.post("/stall/login", data={"phone": user.username, "pin": pin, "csrf_token": token})


def board_post(client, path, body, **headers):
    return client.post(
        path, json=body, headers={"X-CSRF-Token": csrf_of(client, "/stall"), "Accept": "application/json", **headers}
    )


def read_events(client, after=None, chunks=8, query=""):
    """The stream's first batch (what it sends before it starts waiting): (event, data, id) each.
    `query` goes after `after` ("&lang=en")."""
    response = client.get("/stall/events" + (f"?after={after}{query}" if after is not None else ""), buffered=False)
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    stream, text = iter(response.response), ""
    for _ in range(chunks):
        chunk = next(stream)
        text += chunk.decode() if isinstance(chunk, bytes) else chunk
        if "event: summary" in text:
            break
    response.close()
    events = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
        if "event" in fields:
            events.append((fields["event"], json.loads(fields["data"]), fields.get("id")))
    return events


def test_vendor_signs_in_with_phone_and_pin_and_sees_the_board(client, stall):
    vendor, user = stall
    response = sign_in(client, user)
    assert response.status_code == 302 and response.location.endswith("/stall")
    page = client.get("/stall").get_data(as_text=True)
    assert "Chuyển khoản hôm nay" in page and vendor.stall_code in page and "0 ₫" in page
    cookie = next(c for c in client._cookies.values() if c.key == "market_pay_session")
    assert cookie.http_only and cookie.expires is not None  # stays signed in on the device


def test_wrong_pin_is_refused_on_the_page_and_counted(client, stall):
    _, user = stall
    response = sign_in(client, user, pin="999999")
    assert response.status_code == 401 and "không đúng" in response.get_data(as_text=True)
    assert client.get("/stall").status_code == 302


def test_staff_cannot_use_the_stall_board(client, stall):
    staff = make_user("market_manager", stall[0].market.code)
    token = csrf_of(client)
    response = client.post(
        "/stall/login", data={"phone": staff.username, "pin": "correct-horse-battery", "csrf_token": token}
    )
    assert response.status_code == 403


def test_a_form_without_the_csrf_token_is_refused(client, stall):
    _, user = stall
    client.get("/stall/login")
    assert client.post("/stall/login", data={"phone": user.username, "pin": VENDOR_PIN}).status_code == 403
    sign_in(client, user)
    refused = client.post("/stall/cash", json={"amount": 5_000}, headers={"Accept": "application/json"})
    assert refused.status_code == 403 and refused.json["code"] == 403


def test_cash_from_the_board_and_its_undo(client, stall):
    _vendor, user = stall
    sign_in(client, user)
    sale = board_post(client, "/stall/cash", {"amount": 25_000})
    assert sale.status_code == 201 and sale.json["amount_text"] == "25.000 ₫"
    assert sale.json["summary"]["cash_count"] == 1
    bad = board_post(client, "/stall/cash", {"amount": "nhiều"})
    assert bad.status_code == 422 and "amount" in bad.json["errors"]
    undone = board_post(client, f"/stall/cash/{sale.json['id']}/undo", {})
    assert undone.status_code == 200 and undone.json["summary"]["cash_count"] == 0


def test_board_makes_a_dynamic_qr_once_per_key(client, stall):
    _vendor, user = stall
    sign_in(client, user)
    first = board_post(client, "/stall/qr", {"amount": 45_000}, **{"Idempotency-Key": "k-1"})
    again = board_post(client, "/stall/qr", {"amount": 45_000}, **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201 and again.json["reference"] == first.json["reference"]
    assert first.json["svg"].startswith("<svg") and first.json["status"] == "pending"
    assert client.get(f"/stall/qr/{first.json['reference']}").json["amount_text"] == "45.000 ₫"


def test_unsigned_board_calls_answer_401(client, stall):
    assert client.get("/stall/summary", headers={"Accept": "application/json"}).status_code == 401
    assert client.get("/stall/events").status_code == 401


def test_the_stream_replays_what_was_missed_once_with_the_sentence(client, stall):
    vendor, user = stall
    set_partners()
    account = vendor.accounts[0]
    account_fields = type("Account", (), {"bin": account.bin, "account_number": account.account_number})
    sign_in(client, user)
    fresh = read_events(client)
    assert [name for name, *_ in fresh] == ["summary"]  # a new device starts from now
    now = datetime.now(UTC).isoformat()
    account = account_fields  # the stream ends its own database session, detaching loaded objects
    for amount in (1_250_000, 500, 30_000):
        assert post_simbank(client, simbank_transfer(account, amount, booked_at=now)).status_code == 200
    events = read_events(client, after=0)
    names = [name for name, *_ in events]
    assert names == ["missed", "payment", "payment", "payment", "summary"]
    assert events[0][1]["speech"] == "Có ba khoản nhận được khi mất mạng"
    payments = [data for name, data, _ in events if name == "payment"]
    assert payments[0]["speech"] == "Đã nhận một triệu hai trăm năm mươi nghìn đồng"
    assert payments[1]["warning"] and payments[1]["speech"] == "Chú ý: chỉ nhận năm trăm đồng"  # below the floor
    assert [e[2] for e in events if e[0] == "payment"] == [str(p["seq"]) for p in payments]
    assert events[-1][1]["cashless_total"] == 1_280_500
    # Resuming from the last one seen sends nothing again.
    assert [name for name, *_ in read_events(client, after=payments[-1]["seq"])] == ["summary"]


def test_the_stream_never_shows_another_stall(client, stall):
    vendor, user = stall
    set_partners()
    other = make_vendor(market=vendor.market)
    post_simbank(client, simbank_transfer(other.accounts[0], 77_000))
    sign_in(client, user)
    assert [name for name, *_ in read_events(client, after=0)] == ["summary"]


def test_pay_page_shows_the_code_and_the_typed_details(client, stall):
    vendor, user = stall
    sign_in(client, user)
    reference = board_post(client, "/stall/qr", {"amount": 45_000}).json["reference"]
    shopper = client.application.test_client()
    page = shopper.get(f"/pay/{reference}").get_data(as_text=True)
    assert "45.000 ₫" in page and vendor.accounts[0].account_number in page and reference in page
    assert "<svg" in page and "Content-Security-Policy" in shopper.get(f"/pay/{reference}").headers
    status = shopper.get(f"/pay/{reference}/status").json
    assert status["status"] == "pending" and "svg" not in status
    assert shopper.get("/pay/NOPE123").status_code == 404
    assert shopper.get("/pay/" + "x" * 300).status_code == 404


def test_verify_page_tells_genuine_from_altered(client, stall):
    vendor, _ = stall
    payload = static_payload(vendor.accounts[0])
    genuine = client.get("/verify", query_string={"payload": payload}).get_data(as_text=True)
    assert 'data-status="genuine"' in genuine and vendor.stall_code in genuine
    broken = client.get("/verify", query_string={"payload": payload[:-4] + "0000"}).get_data(as_text=True)
    assert 'data-status="invalid"' in broken
    english = client.get("/verify", query_string={"payload": payload, "lang": "en"}).get_data(as_text=True)
    assert "Genuine" in english


def test_verify_reads_a_photo_of_a_printed_code(client, stall):
    from io import BytesIO

    from market_pay.vietqr.rendering import render_png

    vendor, _ = stall
    token = csrf_of(client, "/verify")
    photo = BytesIO(render_png(static_payload(vendor.accounts[0]), 600))
    page = client.post(
        "/verify", data={"photo": (photo, "qr.png"), "csrf_token": token}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert 'data-status="genuine"' in page
    junk = client.post(
        "/verify",
        data={"photo": (BytesIO(b"not an image"), "x.png"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert junk.status_code == 422
