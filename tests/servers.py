"""Start the real service (migrations, CLI set-up, gunicorn) for end-to-end tests."""
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scratch_postgres(pg_url: str, suffix: str, drop: bool = False) -> str:
    """(Re)create the database "<test database>_<suffix>" and return its URL; with drop=True,
    remove it instead. Never the test database itself: the rest of the suite is using it."""
    url = make_url(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    scratch = f"{url.database}_{suffix}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        if not drop:
            conn.execute(text(f'CREATE DATABASE "{scratch}"'))
    engine.dispose()
    return url.set(database=scratch).render_as_string(hide_password=False).replace("+psycopg", "")


def fresh_database_url(backend: str, tmp_path, pg_url: str | None) -> str:
    """A new SQLite file, or a new PostgreSQL database beside the test one."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'service.db'}"
    return scratch_postgres(pg_url, "e2e")


def service_env(database_url: str) -> dict:
    return {**os.environ, "MARKET_PAY_DATABASE_URL": database_url, "MARKET_PAY_SECRET_KEY": "e2e-secret"}


def cli(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "market_pay.cli", *args], env=env, cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


@contextlib.contextmanager
def gunicorn(env: dict, workers: int = 3, threads: int = 1, extra_args: tuple = ()):
    """Yield the base URL of a gunicorn serving the app; stop it afterwards. Its stderr is
    available as the generator's `.log` once stopped (see `stopped_log`)."""
    port = free_port()
    # A file, not a pipe: the service writes a log line per request, and a pipe nobody reads
    # until the end fills up and blocks the workers.
    log = tempfile.TemporaryFile()  # noqa: SIM115 (open for the server's life; closed when it stops)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads",
                               str(threads), "--bind", f"127.0.0.1:{port}", *extra_args, "wsgi:app"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("gunicorn did not come up")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.seek(0)
        gunicorn.last_log = log.read().decode(errors="replace")
        log.close()


def call(url, body=None, token=None):
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)
