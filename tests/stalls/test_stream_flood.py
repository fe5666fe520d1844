"""Over real HTTP: a flood of event streams from one signed-in stall gets 429 beyond its cap, and
`/healthz` and a signed bank callback are answered while the allowed streams are held open; streams
whose client vanished are reaped when a heartbeat cannot be written."""

import http.client
import http.cookiejar
import json
import re
import time
import urllib.parse
import urllib.request

import pytest

from market_pay.payments.signatures import sign_simbank
from tests.servers import BACKENDS, ROOT, cli, fresh_database, gunicorn, service_env

SECRET = "flood-simbank-secret"
PHONE, PIN = "0987650001", "472915"
BIN, ACCOUNT = "970405", "1900555000111"
# Fewer threads than the flood: before the cap, 24 held streams left nothing for anyone else.
THREADS, FLOOD = 8, 24
TIMEOUT = 15  # the client's patience: generous, it is not what is measured


@pytest.fixture(params=BACKENDS)
def service(request, tmp_path):
    with fresh_database(request.param, tmp_path) as database_url:
        yield from _service(
            {**service_env(database_url), "MARKET_PAY_MATCHER": "inline", "MARKET_PAY_STREAM_HEARTBEAT_SECONDS": "1"},
            tmp_path,
        )


def _service(env, tmp_path):
    cli(env, "db", "upgrade")
    cli(env, "regions", "import", str(ROOT / "market_pay/data/regions_ha_giang.csv"))
    cli(env, "markets", "create", "--code", "DV", "--name", "Chợ Đồng Văn", "--region", "00721")
    (tmp_path / "stalls.csv").write_text(
        "stall_code,display_name,phone,floor_amount,bin,account_number,account_name\n"
        f"A-07,Rau sạch,{PHONE},1000,{BIN},{ACCOUNT},NGUYEN THI HOA\n",
        encoding="utf-8",
    )
    cli(env, "vendors", "import", str(tmp_path / "stalls.csv"), "--market", "DV")
    cli(env, "users", "create", "--username", PHONE, "--password", PIN, "--role", "vendor", "--scope", "DV/A-07")
    cli(env, "partners", "set", "simbank", "--secret", SECRET)
    with gunicorn(env, workers=1, threads=THREADS, extra_args=("--graceful-timeout", "1")) as base:
        yield base


def signed_in_cookie(base: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/stall/login", timeout=TIMEOUT).read().decode()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"phone": PHONE, "pin": PIN, "csrf_token": csrf}).encode()
    assert opener.open(base + "/stall/login", data=form, timeout=TIMEOUT).geturl().endswith("/stall")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def start_stream(base: str, cookie: str) -> http.client.HTTPConnection:
    """Send the request and leave the connection open (the answer is read later)."""
    connection = http.client.HTTPConnection(urllib.parse.urlsplit(base).netloc, timeout=TIMEOUT)
    connection.request("GET", "/stall/events", headers={"Cookie": cookie, "Accept": "text/event-stream"})
    return connection


def callback(base: str) -> int:
    n = time.time_ns()
    body = json.dumps(
        {
            "transaction_id": f"FL{n}",
            "bank_reference": f"FT{n}",
            "bin": BIN,
            "account_number": ACCOUNT,
            "amount": 25_000,
            "direction": "in",
            "description": "CHUYEN TIEN",
            "booked_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        }
    ).encode()
    request = urllib.request.Request(
        base + "/api/v1/callbacks/simbank",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Signature": sign_simbank(SECRET, body, int(time.time()))},
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        return response.status


def healthz(base: str) -> int:
    with urllib.request.urlopen(base + "/healthz", timeout=TIMEOUT) as response:
        return response.status


@pytest.mark.slow
def test_a_flood_of_streams_gets_429s_while_healthz_and_callbacks_are_answered(service):
    cookie = signed_in_cookie(service)
    flood = [start_stream(service, cookie) for _ in range(FLOOD)]
    try:
        # Asked while the flood is waiting for (or holding) the worker's threads.
        assert healthz(service) == 200
        assert callback(service) == 200
        answers = [connection.getresponse() for connection in flood]
        statuses = sorted(answer.status for answer in answers)
        assert statuses == [200] * 3 + [429] * (FLOOD - 3)
        assert all(int(a.getheader("Retry-After")) > 0 for a in answers if a.status == 429)
        assert healthz(service) == 200 and callback(service) == 200
    finally:
        for connection in flood:
            connection.close()  # like phones going to sleep: nobody says goodbye
    # The server notices at its next heartbeats (their writes fail) and frees the slots.
    reopened = []
    for _ in range(60):
        attempt = start_stream(service, cookie)
        if attempt.getresponse().status == 200:
            reopened.append(attempt)
            if len(reopened) == 3:
                break
        else:
            attempt.close()
            time.sleep(0.5)
    try:
        assert len(reopened) == 3
    finally:
        for connection in reopened:
            connection.close()
