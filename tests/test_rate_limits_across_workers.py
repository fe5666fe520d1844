"""Rate limits hold across gunicorn workers (and so across servers): the counts live in the
database. Each request opens its own connection, so they spread over the workers."""

import json
import time
import urllib.request

import pytest

from market_pay.vietqr.codec import build
from tests.servers import BACKENDS, service_with_an_administrator, status_of

pytestmark = pytest.mark.slow


@pytest.fixture(params=BACKENDS)
def service(request, tmp_path):
    with service_with_an_administrator(request.param, tmp_path, workers=3, threads=1) as base:
        yield base


def test_failed_sign_ins_are_throttled_whichever_worker_answers(service):
    attempt = lambda: status_of(  # noqa: E731
        urllib.request.Request(
            f"{service}/api/v1/auth/token",
            method="POST",
            headers={"Content-Type": "application/json"},
            data=json.dumps({"username": "staff.one", "password": "wrong"}).encode(),
        )
    )
    answers = [attempt() for _ in range(8)]
    assert answers == [401] * 5 + [429] * 3


def test_the_public_verify_limit_is_one_count_for_all_workers(service):
    if 60 - time.time() % 60 < 15:  # the limit counts per minute: stay inside one
        time.sleep(60 - time.time() % 60 + 0.5)
    payload = urllib.request.quote(build("970436", "0011001234567"))
    answers = [status_of(f"{service}/api/v1/verify?payload={payload}") for _ in range(40)]
    assert answers.count(429) == 10 and set(answers[:30]) == {200}
