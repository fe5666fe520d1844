"""The payOS client and order codes without a database: answers validated, retries bounded."""

import json
from email.utils import formatdate

import pytest

from market_pay.payments.references import new_reference
from market_pay.reconciliation.payos_check.client import (
    PayosAuthRefused,
    PayosClient,
    PayosNotFound,
    PayosUnavailable,
    PayosUnusable,
    RetryPolicy,
    _retry_after,
    parse_answer,
)
from market_pay.reconciliation.payos_check.order_codes import MAX_ORDER_CODE, order_code_for, reference_for
from market_pay.reconciliation.payos_check.outcomes import vietnam_time_text
from tests.reconciliation.payos_fake import API_KEY, CLIENT_ID, FakePayos


def envelope(**data):
    base = {
        "id": "link1",
        "orderCode": 7,
        "amount": 50_000,
        "amountPaid": 0,
        "amountRemaining": 50_000,
        "status": "PENDING",
        "transactions": [],
    }
    return json.dumps({"code": "00", "desc": "success", "data": {**base, **data}}).encode()


def test_order_codes_are_one_per_reference_and_within_payos_s_range():
    for _ in range(500):
        reference = new_reference()
        code = order_code_for(reference)
        assert 0 <= code <= MAX_ORDER_CODE < 2**53
        assert reference_for(code) == reference
    with pytest.raises(ValueError):
        order_code_for("XX12345678")
    with pytest.raises(ValueError):
        reference_for(MAX_ORDER_CODE + 1)


def test_a_good_answer_is_read_exactly():
    status = parse_answer(200, envelope(amountPaid=20_000, amountRemaining=30_000, status="UNDERPAID"), 7)
    assert (status.amount, status.amount_paid, status.status, status.transactions) == (50_000, 20_000, "UNDERPAID", ())


@pytest.mark.parametrize(
    ("http_status", "body", "problem"),
    [
        (200, json.dumps({"code": "101", "desc": "not found"}).encode(), PayosNotFound),
        (404, b"", PayosNotFound),
        (401, b"{}", PayosAuthRefused),
        (200, json.dumps({"code": "401", "desc": "Unauthorized"}).encode(), PayosAuthRefused),
        (200, json.dumps({"code": "20", "desc": "error"}).encode(), PayosUnusable),
        (200, b"[1, 2]", PayosUnusable),
        (200, b"[" * 100_000, PayosUnusable),
        (200, envelope(orderCode=8), PayosUnusable),  # an answer about another request
        (200, envelope(amountPaid=-1), PayosUnusable),
        (200, envelope(amount=0), PayosUnusable),
        (200, envelope(amount=1.5), PayosUnusable),
        (200, envelope(status=None), PayosUnusable),
        (200, envelope(transactions=[{"reference": "FT1"}]), PayosUnusable),
        (200, envelope(transactions=[{}] * 101), PayosUnusable),
        (200, envelope(id="x" * 81), PayosUnusable),
        (200, envelope(id="a\x00b"), PayosUnusable),
    ],
)
def test_errors_and_garbage_are_named_never_trusted(http_status, body, problem):
    with pytest.raises(problem) as raised:
        parse_answer(http_status, body, 7)
    assert raised.value.reason


class FakeClock:
    def __init__(self):
        self.now, self.slept = 0.0, []

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_backoff_grows_to_its_cap_with_jitter_between_half_and_all():
    clock = FakeClock()
    policy = RetryPolicy(backoff_base=1, backoff_cap=8, clock=lambda: clock.now, sleep=clock.sleep)
    policy.jitter = lambda: 1.0
    assert [policy.backoff(n) for n in range(6)] == [1, 2, 4, 8, 8, 8]
    policy.jitter = lambda: 0.0
    assert [policy.backoff(n) for n in range(5)] == [0.5, 1, 2, 4, 4]


def test_retry_after_reads_seconds_and_http_dates():
    assert _retry_after("7") == 7.0
    assert 50 < _retry_after(formatdate(__import__("time").time() + 60, usegmt=True)) <= 60
    assert _retry_after("soon") is None and _retry_after(None) is None


def test_retries_stop_at_the_attempts_and_at_the_deadline():
    clock = FakeClock()
    reference = new_reference()
    with FakePayos() as fake:
        for _ in range(10):
            fake.script(reference, (502, {}, b"bad gateway"))
        policy = RetryPolicy(attempts=4, clock=lambda: clock.now, sleep=clock.sleep, jitter=lambda: 1.0)
        client = PayosClient(fake.url, CLIENT_ID, API_KEY, policy)
        with pytest.raises(PayosUnavailable, match="4 times"):
            client.payment_request(order_code_for(reference))
        assert fake.calls[order_code_for(reference)] == 4 and clock.slept == [0.5, 1.0, 2.0]

        clock.slept = []
        policy = RetryPolicy(attempts=10, deadline=clock.now + 1.0, clock=lambda: clock.now, sleep=clock.sleep)
        policy.jitter = lambda: 1.0
        with pytest.raises(PayosUnavailable, match="budget"):
            PayosClient(fake.url, CLIENT_ID, API_KEY, policy).payment_request(order_code_for(reference))
        assert sum(clock.slept) <= 1.0
        client.close()


def test_a_dropped_connection_is_retried():
    clock = FakeClock()
    with FakePayos() as fake:
        url = fake.url
    # Nothing listens there any more: every attempt is a connection error, retried, then given up.
    policy = RetryPolicy(attempts=3, clock=lambda: clock.now, sleep=clock.sleep, jitter=lambda: 0.0)
    with pytest.raises(PayosUnavailable, match="no answer"):
        PayosClient(url, CLIENT_ID, API_KEY, policy, timeout=2).payment_request(1)
    assert len(clock.slept) == 2


@pytest.mark.parametrize("url", ["ftp://example", "http://payos.example", "not a url"])
def test_an_api_url_that_is_not_https_off_this_machine_is_refused(url):
    with pytest.raises(ValueError, match="MARKET_PAY_PAYOS_API_URL"):
        PayosClient(url, CLIENT_ID, API_KEY, RetryPolicy())


def test_payos_times_become_the_callbacks_vietnam_time():
    assert vietnam_time_text("2026-11-30 10:05:00") == "2026-11-30 10:05:00"
    assert vietnam_time_text("2026-11-30T03:05:00Z") == "2026-11-30 10:05:00"
    assert vietnam_time_text("2026-11-30T10:05:00+07:00") == "2026-11-30 10:05:00"
