"""Start the real service (migrations, CLI set-up, gunicorn) for end-to-end tests, on databases of
the test run's own; and send many requests at once."""

import contextlib
import itertools
import json
import os
import re
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

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from market_pay.payments.signatures import sign_simbank

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


def start_gunicorn(
    env: dict, workers: int = 3, threads: int = 1, extra_args: tuple = (), log=None, attempts: int = 200
):
    """Start a gunicorn serving the app (wsgi:app) on a free port and wait until it answers
    /healthz; (the process, its base URL). Its stderr goes to `log` (an open binary file): a file,
    not a pipe, since the service writes a line per request and a pipe nobody reads until the end
    fills up and blocks the workers. The caller stops it (gunicorn() below, or a benchmark that
    also kills its workers)."""
    port = free_port()
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
        stderr=log if log is not None else subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(attempts):
        if server.poll() is not None:  # e.g. another test process took the port meanwhile
            raise RuntimeError(f"gunicorn exited with {server.returncode} while starting")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return server, base
        except OSError:
            time.sleep(0.05)
    server.terminate()
    server.wait(timeout=30)
    raise RuntimeError("gunicorn did not come up")


@contextlib.contextmanager
def gunicorn(env: dict, workers: int = 3, threads: int = 1, extra_args: tuple = ()):
    """Yield the base URL of a gunicorn serving the app; stop it afterwards. Its stderr is
    available as `gunicorn.last_log` once stopped."""
    log = tempfile.TemporaryFile()  # noqa: SIM115 (open for the server's life; closed when it stops)
    server = None
    try:
        server, base = start_gunicorn(env, workers, threads, extra_args, log)
        yield base
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        log.seek(0)
        gunicorn.last_log = log.read().decode(errors="replace")
        log.close()


REGIONS_CSV = ROOT / "market_pay/data/regions_ha_giang.csv"


def create_user(env: dict, username: str, password: str, role: str, scope: str | None = None) -> None:
    """`market-pay users create` against env's database (scope: a market, region or MARKET/STALL code)."""
    cli(
        env,
        "users",
        "create",
        "--username",
        username,
        "--password",
        password,
        "--role",
        role,
        *(["--scope", scope] if scope else []),
    )


def set_up_dong_van(env: dict, tmp: Path, stalls_csv: str, users=(), simbank_secret: str | None = None) -> None:
    """A fresh database as the end-to-end tests use it: migrated, Hà Giang's regions, the market DV
    (Chợ Đồng Văn, commune 00721) with the stalls of `stalls_csv` (the vendor CSV), the `users`
    ((username, password, role, scope or None)) and, if given, the simulated bank's secret."""
    cli(env, "db", "upgrade")
    cli(env, "regions", "import", str(REGIONS_CSV))
    cli(env, "markets", "create", "--code", "DV", "--name", "Chợ Đồng Văn", "--region", "00721")
    (tmp / "stalls.csv").write_text(stalls_csv, encoding="utf-8")
    cli(env, "vendors", "import", str(tmp / "stalls.csv"), "--market", "DV")
    for user in users:
        create_user(env, *user)
    if simbank_secret:
        cli(env, "partners", "set", "simbank", "--secret", simbank_secret)


@contextlib.contextmanager
def dong_van_service(
    database_url: str, tmp: Path, stalls_csv: str, users=(), simbank_secret=None, *, env_extra=None, **serving
):
    """The base URL of a gunicorn (`serving`: gunicorn()'s workers, threads, extra_args) on
    `database_url` set up by set_up_dong_van; stopped afterwards."""
    env = {**service_env(database_url), **(env_extra or {})}
    set_up_dong_van(env, tmp, stalls_csv, users, simbank_secret)
    with gunicorn(env, **serving) as base:
        yield base


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


_credits = itertools.count(1)


def simbank_credit(
    base: str, secret: str, account: str, amount: int, bin_code: str, *, prefix: str, description: str = "CHUYEN TIEN"
) -> None:
    """One signed simbank credit over HTTP, booked now, as the bank would send it; answered 200.
    Its transaction id starts with `prefix` and is new on every call."""
    n = f"{int(time.time() * 1000)}{next(_credits):04d}"
    body = json.dumps(
        {
            "transaction_id": f"{prefix}{n}",
            "bank_reference": f"FT{n}",
            "bin": bin_code,
            "account_number": account,
            "amount": amount,
            "direction": "in",
            "description": description,
            "booked_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
            "payer_name": "TRAN VAN B",
        }
    ).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/callbacks/simbank",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Signature": sign_simbank(secret, body, int(time.time()))},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def _page_csrf(session, url: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', session.get(url).text).group(1)


def office_session(base: str, username: str, password: str):
    """(a requests.Session signed in to the office as `username`, its CSRF token)."""
    session = requests.Session()
    signed = session.post(
        f"{base}/office/login",
        data={"username": username, "password": password, "csrf_token": _page_csrf(session, f"{base}/office/login")},
        allow_redirects=False,
    )
    assert signed.status_code == 302, signed.text[:300]
    return session, _page_csrf(session, f"{base}/office/login")


def post_form_at_once(
    base: str, username: str, password: str, path: str, fields: dict, count: int, files=None
) -> list[int]:
    """The same office form (with `files`, an upload's) posted `count` times at once from one
    signed-in browser, each from its own thread and connection, released together: the answers'
    statuses, sorted."""
    session, token = office_session(base, username, password)
    start = threading.Barrier(count)

    def post(_):
        own = requests.Session()
        own.cookies.update(session.cookies)
        start.wait()
        return own.post(
            base + path, data={**fields, "csrf_token": token}, files=files, allow_redirects=False, timeout=60
        ).status_code

    with ThreadPoolExecutor(count) as pool:
        return sorted(pool.map(post, range(count)))
