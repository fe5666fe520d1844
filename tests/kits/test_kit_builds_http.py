"""Over real HTTP, several workers: one user's concurrent requests for a market kit make one build
(the others are refused with 429 while it runs, or served the stored PDF once it is done)."""

import threading
import urllib.error
import urllib.request

import pytest

from tests.servers import BACKENDS, ROOT, call, cli, fresh_database, gunicorn, service_env

STALLS = 300  # a build of seconds, so the requests overlap it


@pytest.fixture(params=BACKENDS)
def service_env_with_market(request, tmp_path):
    with fresh_database(request.param, tmp_path) as database_url:
        yield from _market_service_env(
            {
                **service_env(database_url),
                "MARKET_PAY_MATCHER": "off",
                "MARKET_PAY_KIT_CACHE_DIR": str(tmp_path / "kits"),
            },
            tmp_path,
        )


def _market_service_env(env, tmp_path):
    cli(env, "db", "upgrade")
    cli(env, "regions", "import", str(ROOT / "market_pay/data/regions_ha_giang.csv"))
    cli(env, "markets", "create", "--code", "DV", "--name", "Chợ Đồng Văn", "--region", "00721")
    rows = ["stall_code,display_name,phone,floor_amount,bin,account_number,account_name"]
    rows += [f"S{n:04d},Sạp {n},0912345678,,970405,{5_000_000 + n},NGUYEN VAN {n}" for n in range(STALLS)]
    (tmp_path / "stalls.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    cli(env, "vendors", "import", str(tmp_path / "stalls.csv"), "--market", "DV")
    cli(env, "users", "create", "--username", "admin", "--password", "long-enough-pw", "--role", "admin")
    yield env


def kit(base: str, token: str):
    """(status, body) of the market's A4 kit; a 429 must say when to come back."""
    request = urllib.request.Request(
        base + "/api/v1/markets/DV/kits.pdf?layout=a4x4", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        assert error.code != 429 or int(error.headers["Retry-After"]) > 0  # noqa: PT017 (a helper reading a refusal)
        return error.code, None


@pytest.mark.slow
def test_concurrent_kit_requests_of_one_user_make_one_build(service_env_with_market):
    with gunicorn(service_env_with_market, workers=2, threads=4) as base:
        status, body = call(base + "/api/v1/auth/token", {"username": "admin", "password": "long-enough-pw"})
        assert status == 201
        barrier, answers = threading.Barrier(4), []

        def ask():
            barrier.wait()
            answers.append(kit(base, body["token"]))

        threads = [threading.Thread(target=ask) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        statuses = [status for status, _ in answers]
        assert 200 in statuses and set(statuses) <= {200, 429}
        built = {pdf for _, pdf in answers if pdf is not None}
        assert len(built) == 1
        assert kit(base, body["token"]) == (200, built.pop())
    # Whatever the interleaving (a 429 while it ran, the stored PDF after), one build in all.
    assert gunicorn.last_log.count("kit built:") == 1
