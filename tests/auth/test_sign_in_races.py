"""The sign-in throttle holds under concurrency: an attempt is counted (one atomic statement)
before its password is checked, and the count decides whether it is checked at all."""

import json
import threading
import urllib.request

import pytest

from tests.servers import BACKENDS, service_with_an_administrator, status_of

pytestmark = pytest.mark.slow
ATTEMPTS = 40


@pytest.fixture(params=BACKENDS)
def service(request, tmp_path):
    with service_with_an_administrator(request.param, tmp_path, workers=3, threads=8) as base:
        yield base


def test_forty_concurrent_wrong_passwords_check_at_most_the_limit(service):
    start = threading.Barrier(ATTEMPTS)
    answers = []

    def attempt():
        start.wait()
        answers.append(
            status_of(
                urllib.request.Request(
                    f"{service}/api/v1/auth/token",
                    method="POST",
                    headers={"Content-Type": "application/json"},
                    data=json.dumps({"username": "staff.one", "password": "wrong-password"}).encode(),
                )
            )
        )

    threads = [threading.Thread(target=attempt) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # A 401 is an attempt whose password was checked; every other one was refused unchecked.
    assert sorted(set(answers)) == [401, 429]
    assert answers.count(401) <= 5 and answers.count(429) == ATTEMPTS - answers.count(401)
