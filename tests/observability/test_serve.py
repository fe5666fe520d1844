"""`market-pay serve`: refuses an unmigrated database; serves with the documented pools."""

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from market_pay.serving.settings import POOLS, gunicorn_arguments
from tests.servers import ROOT, cli, free_port, service_env

pytestmark = pytest.mark.slow


def test_serve_refuses_a_database_that_is_not_migrated(tmp_path):
    env = service_env(f"sqlite:///{tmp_path / 'new.db'}")
    result = subprocess.run(
        [sys.executable, "-m", "market_pay.cli", "serve"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1 and "Run `market-pay db upgrade` first" in result.stderr


def test_serve_runs_gunicorn_with_metrics_added_up_over_its_workers(tmp_path):
    env = service_env(f"sqlite:///{tmp_path / 'serve.db'}")
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")
    cli(env, "db", "upgrade")
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "market_pay.cli",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "2",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        for _ in range(20):  # spread over both workers (keep-alive off: a new connection each)
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                assert response.headers["X-Request-Id"]
        with urllib.request.urlopen(base + "/metrics", timeout=5) as response:
            text = response.read().decode()
        # A header beyond the documented limit is refused by gunicorn before the app sees it.
        huge = urllib.request.Request(
            base + "/api/v1/callbacks/simbank", data=b"{}", method="POST", headers={"X-Signature": "v1=" + "a" * 20_000}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(huge, timeout=5)
        assert refused.value.code == 431  # Request Header Fields Too Large
        total = sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith('market_pay_http_requests_total{method="GET",route="/healthz",status="200"}')
        )
        assert total >= 21  # every worker's count, whichever worker answered the scrape
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    access = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert any(line["route"] == "/metrics" for line in access)
    assert {line["logger"] for line in access} == {"market_pay.access"}


def test_the_pools_are_the_documented_worker_model():
    arguments = gunicorn_arguments(POOLS["streams"], "0.0.0.0:8001")
    assert arguments[arguments.index("--threads") + 1] == "600" and "gthread" in arguments
    assert gunicorn_arguments(POOLS["api"], "x:1", workers=8)[5] == "8"
