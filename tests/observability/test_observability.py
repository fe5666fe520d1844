"""Request ids, the access log's JSON lines (and what they never contain), /metrics."""

import json
import logging

import pytest

from market_pay.observability.request_log import JsonLineFormatter
from tests.factories import account_data, auth_header, make_user, make_vendor
from tests.payments.helpers import SIMBANK_SECRET, post_simbank, set_partners, simbank_transfer

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def access_lines():
    """The access log's records, formatted exactly as production writes them."""
    lines = []

    class Capture(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(JsonLineFormatter().format(record)))

    handler = Capture()
    logger = logging.getLogger("market_pay.access")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lines
    logger.removeHandler(handler)


def test_every_answer_carries_a_request_id_and_a_sane_given_one_is_kept(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first.headers["X-Request-Id"]) == 32 and first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
    assert client.get("/healthz", headers={"X-Request-Id": "lb-1234abcd"}).headers["X-Request-Id"] == "lb-1234abcd"
    forged = client.get("/healthz", headers={"X-Request-Id": 'x"} {"level": "fake'})
    assert len(forged.headers["X-Request-Id"]) == 32  # not echoed into headers and logs


def test_a_callback_is_logged_with_route_partner_and_outcome_but_no_secret(client, access_lines):
    set_partners()
    stall = make_vendor(accounts=[account_data("970436", "0011009876543")])
    body = simbank_transfer(stall.accounts[0], 75_000, description="MUA RAU 0011009876543")
    post_simbank(client, body)
    post_simbank(client, body)
    lines = [line for line in access_lines if line["route"] == "/api/v1/callbacks/<partner>"]
    assert [(line["partner"], line["outcome"], line["status"]) for line in lines] == [
        ("simbank", "accepted", 200),
        ("simbank", "duplicate", 200),
    ]
    assert all(line["request_id"] and line["level"] == "info" and line["duration_ms"] >= 0 for line in lines)
    text = json.dumps(access_lines)
    for secret in ("0011009876543", SIMBANK_SECRET, "MUA RAU", "X-Signature"):
        assert secret not in text


def test_a_token_never_reaches_the_log(client, access_lines):
    admin = make_user("admin")
    headers = auth_header(admin)
    client.get("/api/v1/verify?payload=000201010211", headers=headers)
    text = json.dumps(access_lines)
    assert headers["Authorization"].split()[1] not in text and "payload=" not in text
    assert access_lines[-1]["route"] == "/api/v1/verify" and access_lines[-1]["user_id"] in (None, admin.id)


def test_metrics_count_callbacks_and_read_the_money_state_from_the_database(client):
    set_partners()
    stall = make_vendor(accounts=[account_data("970436", "0011005550001")])
    post_simbank(client, simbank_transfer(stall.accounts[0], 10_000))
    post_simbank(client, {**simbank_transfer(stall.accounts[0], 10_000), "account_number": "999"})  # suspense
    post_simbank(client, simbank_transfer(stall.accounts[0], 10_000), secret="wrong")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert 'market_pay_callbacks_total{outcome="accepted",partner="simbank"}' in text
    assert 'market_pay_callbacks_total{outcome="rejected",partner="simbank"}' in text
    assert 'market_pay_callback_duration_seconds_bucket{le="0.05",partner="simbank"}' in text
    assert 'market_pay_suspense_open{reason="unknown_account"} 1' in text
    assert "market_pay_matcher_pending 0" in text
    assert 'market_pay_http_requests_total{method="POST",route="/api/v1/callbacks/<partner>",status="401"}' in text


def test_metrics_need_the_token_when_one_is_configured_and_loopback_otherwise(client, app):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403
    app.config["METRICS_TOKEN"] = "scrape-token-1"
    try:
        assert client.get("/metrics").status_code == 403
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        assert (
            client.get(
                "/metrics",
                headers={"Authorization": "Bearer scrape-token-1"},
                environ_base={"REMOTE_ADDR": "203.0.113.9"},
            ).status_code
            == 200
        )
    finally:
        app.config["METRICS_TOKEN"] = None


def test_the_access_line_and_metrics_keep_their_fields_and_odd_methods_share_one_label(client, access_lines):
    from market_pay.observability.metrics import REQUESTS

    client.get("/livez", headers={"X-Request-Id": "probe-0001"})
    assert {key: access_lines[-1][key] for key in ("request_id", "method", "route", "status")} == {
        "request_id": "probe-0001",
        "method": "GET",
        "route": "/livez",
        "status": 200,
    }
    before = REQUESTS.labels("other", "unmatched", "405")._value.get()
    for method in ("FROB", "PROPFIND", "X-ANYTHING"):  # a client can send any token as the method
        assert client.open("/livez", method=method).status_code == 405
    assert REQUESTS.labels("other", "unmatched", "405")._value.get() == before + 3
    assert not any(sample.labels.get("method") == "FROB" for metric in REQUESTS.collect() for sample in metric.samples)


@pytest.mark.parametrize(
    "created",
    [
        1_764_648_000.0,  # a whole second
        1_764_648_000.0004999,  # rounds down to .000
        1_764_648_000.9995,  # .999 (milliseconds are cut, not rounded)
        1_764_648_000.9999995,  # rounds up to the next second, as datetime does
        1_764_647_999.9999996,  # ... across a minute's end
        946_684_799.99999951,  # ... and a century's
        1_764_648_123.456789,
    ],
)
def test_the_line_time_is_the_same_text_as_datetime_writes(created):
    """The formatter works the date and time out once per second (request_log._SecondStamp): the
    text must be exactly datetime's, around second boundaries too, and after another second."""
    from datetime import UTC, datetime

    from market_pay.observability.request_log import _SecondStamp

    stamp = _SecondStamp()
    for moment in (created - 1.25, created, created + 0.0001, created + 1):
        assert stamp(moment) == datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds")
