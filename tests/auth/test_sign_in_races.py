"""The sign-in throttle holds under concurrency: an attempt is counted (one atomic statement)
before its password is checked, and the count decides whether it is checked at all."""
import json
import threading
import urllib.error
import urllib.request

import pytest

from tests.conftest import PG_URL
from tests.servers import cli, fresh_database_url, gunicorn, service_env

pytestmark = pytest.mark.slow
ATTEMPTS = 40


def status_of(request) -> int:
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture(params=["sqlite"] + (["postgresql"] if PG_URL else []))
def service(request, tmp_path):
    env = service_env(fresh_database_url(request.param, tmp_path, PG_URL))
    cli(env, "db", "upgrade")
    cli(env, "users", "create", "--username", "staff.one", "--password", "right-password-1", "--role", "admin")
    with gunicorn(env, workers=3, threads=8) as base:
        yield base


def test_forty_concurrent_wrong_passwords_check_at_most_the_limit(service):
    start = threading.Barrier(ATTEMPTS)
    answers = []

    def attempt():
        start.wait()
        answers.append(status_of(urllib.request.Request(
            f"{service}/api/v1/auth/token", method="POST", headers={"Content-Type": "application/json"},
            data=json.dumps({"username": "staff.one", "password": "wrong-password"}).encode())))

    threads = [threading.Thread(target=attempt) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # A 401 is an attempt whose password was checked; every other one was refused unchecked.
    assert sorted(set(answers)) == [401, 429]
    assert answers.count(401) <= 5 and answers.count(429) == ATTEMPTS - answers.count(401)
