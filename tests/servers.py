"""Start the real service (migrations, CLI set-up, gunicorn) for end-to-end tests, on databases of
the test run's own; and send many requests at once."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

ROOT = Path(__file__).resolve().parents[1]
# The PostgreSQL server (and the stem of the databases the run creates there) the tests also run on.
PG_URL = os.environ.get("MARKET_PAY_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Under pytest-xdist each worker process is named ("gw0", "gw1"…); serially there is one.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "pytest")
# Written on every database the suite creates. The suite drops or empties a database only when it
# carries this comment, so no URL anybody passes in (nor a database of the same name) is ever lost.
CREATED_BY_TESTS = "created by the market_pay test suite; safe to drop"


def _postgres_url(url: str):
    return make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))


def _plain(url) -> str:
    return url.render_as_string(hide_password=False).replace("+psycopg", "", 1)


def own_postgres(pg_url: str, name: str, drop: bool = False) -> str:
    """(Re)create the database `name` on pg_url's server, through the server's maintenance
    database, and return its URL; with drop=True remove it instead. Refuses to touch a database of
    that name that the test suite did not create."""
    if len(name.encode()) > 63:
        raise RuntimeError(
            f"test database name {name!r} is longer than PostgreSQL's 63 bytes: "
            "use a shorter database in MARKET_PAY_TEST_DATABASE_URL"
        )
    url = _postgres_url(pg_url)
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            comment = conn.execute(
                text(
                    "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = :name"
                ),
                {"name": name},
            ).first()
            if comment is not None and comment[0] != CREATED_BY_TESTS:
                raise RuntimeError(
                    f"database {name!r} exists and the test suite did not create it; "
                    "it is left alone: drop it yourself or use another MARKET_PAY_TEST_DATABASE_URL"
                )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if not drop:
                for attempt in range(20):
                    try:
                        conn.execute(text(f'CREATE DATABASE "{name}"'))
                        break
                    except OperationalError as error:
                        # Another session on template1 (another run creating its own database).
                        if "being accessed by other users" not in str(error) or attempt == 19:
                            raise
                        time.sleep(0.25)
                conn.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{CREATED_BY_TESTS}'"))
    finally:
        engine.dispose()
    return _plain(url.set(database=name))


def worker_postgres(pg_url: str) -> str:
    """This test process's own database beside the given one ("<name>_gw0", or "<name>_pytest"
    when not run in parallel), new and empty. The given database itself is never changed."""
    return own_postgres(pg_url, f"{_postgres_url(pg_url).database}_{WORKER}")


def scratch_postgres(pg_url: str, suffix: str, drop: bool = False) -> str:
    """(Re)create the database "<worker's database>_<suffix>" and return its URL; with drop=True,
    remove it instead. Per worker, so parallel workers never share one."""
    return own_postgres(pg_url, f"{_postgres_url(pg_url).database}_{WORKER}_{suffix}", drop=drop)


def fresh_database_url(backend: str, tmp_path, pg_url: str | None) -> str:
    """A new SQLite file, or a new PostgreSQL database beside the test one."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'service.db'}"
    return scratch_postgres(pg_url, "e2e")


@contextlib.contextmanager
def fresh_database(backend: str, tmp_path):
    """fresh_database_url's database for a `with` block; a PostgreSQL one is dropped afterwards."""
    url = fresh_database_url(backend, tmp_path, PG_URL)
    try:
        yield url
    finally:
        if backend == "postgresql":
            scratch_postgres(PG_URL, "e2e", drop=True)


def service_env(database_url: str) -> dict:
    return {**os.environ, "MARKET_PAY_DATABASE_URL": database_url, "MARKET_PAY_SECRET_KEY": "e2e-secret"}


def cli(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "market_pay.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
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
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            *extra_args,
            "wsgi:app",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if server.poll() is not None:  # e.g. another test process took the port meanwhile
                raise RuntimeError(f"gunicorn exited with {server.returncode} while starting")
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


@contextlib.contextmanager
def service_with_an_administrator(backend: str, tmp_path, workers: int, threads: int):
    """The base URL of a gunicorn on a fresh database holding one administrator, "staff.one" with
    the password "right-password-1"."""
    with fresh_database(backend, tmp_path) as database_url:
        env = service_env(database_url)
        cli(env, "db", "upgrade")
        cli(env, "users", "create", "--username", "staff.one", "--password", "right-password-1", "--role", "admin")
        with gunicorn(env, workers=workers, threads=threads) as base:
            yield base


def status_of(request, timeout: float = 60) -> int:
    """The HTTP status of a urllib request, an error status included."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def send_at_once(app, count: int, method: str, url: str, **kwargs) -> list:
    """`count` identical requests through the app's test client, released together by a barrier
    (each from its own thread and client); their responses. Commit and close the test's session
    first: on SQLite an open transaction holds the write lock the senders need."""
    barrier = threading.Barrier(count)

    def send(_):
        client = app.test_client()
        barrier.wait()
        return client.open(url, method=method, **kwargs)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(send, range(count)))


def api(base: str, method: str, path: str, body=None, token=None):
    """The JSON answer of the service at `base` to one API request; an error status raises."""
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(
        f"{base}{path}", method=method, headers=headers, data=json.dumps(body).encode() if body is not None else None
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def call(url, body=None, token=None):
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)
