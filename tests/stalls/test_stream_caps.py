"""Board event streams are capped per page session and per stall (in each worker), freed when the
server closes them, and end after a maximum lifetime so a sleeping phone's stream never stays."""

import pytest

from market_pay.stalls.stream_slots import StreamSlots
from tests.factories import make_user, scope_of
from tests.stalls.test_board_pages import sign_in, stall  # noqa: F401  (a fixture)


@pytest.fixture
def slots(app, monkeypatch):
    """A fresh ceiling for this test (the app, and its counts, outlive one test)."""
    fresh = StreamSlots(app.config["STREAMS_PER_SESSION"], app.config["STREAMS_PER_STALL"])
    monkeypatch.setitem(app.extensions, "market_pay_stream_slots", fresh)
    return fresh


def open_stream(client):
    return client.get("/stall/events", buffered=False)


def test_slots_count_per_session_and_per_stall_and_release_once():
    slots = StreamSlots(per_session=2, per_stall=3)
    first, second = slots.acquire("a", 1), slots.acquire("a", 1)
    assert first and second and slots.acquire("a", 1) is None
    third = slots.acquire("b", 1)
    assert third and slots.acquire("c", 1) is None and slots.acquire("c", 2)
    first.release()
    first.release()  # twice is once
    assert slots.open_streams(1) == 2 and slots.acquire("c", 1) and slots.acquire("a", 1) is None


def test_a_session_gets_429_beyond_its_streams_and_a_closed_one_frees_its_slot(app, client, stall, slots):  # noqa: F811 (the fixture imported above)
    _, user = stall
    sign_in(client, user)
    held = [open_stream(client) for _ in range(app.config["STREAMS_PER_SESSION"])]
    assert [r.status_code for r in held] == [200] * len(held)
    refused = open_stream(client)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # The server closes a response when the client is gone or a heartbeat cannot be written.
    held.pop().close()
    again = open_stream(client)
    assert again.status_code == 200
    for response in held + [again]:
        response.close()
    assert slots.open_streams() == 0


def test_a_stall_gets_429_beyond_its_streams_across_sessions(app, stall, slots):  # noqa: F811 (the fixture imported above)
    vendor, _ = stall
    per_stall, per_session = app.config["STREAMS_PER_STALL"], app.config["STREAMS_PER_SESSION"]
    held = []
    for _ in range(per_stall // per_session):
        client = app.test_client()
        sign_in(client, make_user("vendor_assistant", scope_of(vendor)))
        held += [open_stream(client) for _ in range(per_session)]
    other = app.test_client()
    sign_in(other, make_user("vendor_assistant", scope_of(vendor)))
    assert [r.status_code for r in held] == [200] * per_stall
    assert open_stream(other).status_code == 429
    for response in held:
        response.close()
    assert open_stream(other).status_code == 200


def test_a_stream_ends_after_its_lifetime_and_frees_its_slot(app, client, stall, slots, monkeypatch):  # noqa: F811 (the fixture imported above)
    _, user = stall
    sign_in(client, user)
    monkeypatch.setitem(app.config, "STREAM_MAX_SECONDS", 0)
    response = open_stream(client)
    body = b"".join(chunk if isinstance(chunk, bytes) else chunk.encode() for chunk in response.response)
    assert b"retry: 2000" in body and b"event: summary" in body  # then it ended by itself
    response.close()
    assert slots.open_streams() == 0


def test_the_board_script_backs_off_when_a_stream_is_refused(app):
    with app.test_client().get("/static/board.js") as response:  # closes the file it serves
        script = response.get_data(as_text=True)
    assert "retryDelay = Math.min(retryDelay * 2" in script and "setTimeout(connect, 3000)" not in script
