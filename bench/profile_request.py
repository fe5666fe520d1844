"""Where one request's microseconds go: our app against the bare app, in process, on PostgreSQL.

Calls each WSGI app directly (no server, no socket on the HTTP side) with a prepared environ,
so what is measured is the app's own work plus its round trips to PostgreSQL: CPU of this
process per request (`time.process_time`), wall time per request, and the database commands
each request sends (BEGIN, statements, COMMIT/ROLLBACK, counted with SQLAlchemy's events).
With `--profile` it prints cProfile's view of the same loop, summed by package.

Requests profiled: `GET /healthz` (ours and bare), `GET /api/v1/vendors/<id>` as that stall's
vendor and `GET /api/v1/vendors?market_code=BENCH` as the market's manager (bearer tokens), the
market holding `--stalls` stalls (its list's page size).

    .venv/bin/python bench/profile_request.py [--requests 3000] [--stalls 3] [--profile]
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import market_database  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402


def _start_response(_status, _headers, _exc_info=None):
    return lambda _data: None


def call(app, environ: dict) -> None:
    body = app(dict(environ), _start_response)
    try:
        for _chunk in body:
            pass
    finally:
        close = getattr(body, "close", None)
        if close:
            close()


def timed(app, environ: dict, n: int) -> tuple[float, float]:
    """Median over 5 slices of n/5 requests: (µs CPU, µs wall) per request."""
    cpu, wall = [], []
    per_slice = max(n // 5, 1)
    for _ in range(5):
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(per_slice):
            call(app, environ)
        cpu.append((time.process_time() - c0) / per_slice * 1e6)
        wall.append((time.perf_counter() - w0) / per_slice * 1e6)
    return statistics.median(cpu), statistics.median(wall)


def commands_per_request(engine, app, environ: dict, show: bool = False) -> Counter:
    """The database commands one request sends (averaged over 10); `show` prints the first's SQL."""
    from sqlalchemy import event

    seen: Counter = Counter()
    statements: list[str] = []

    def executed(_conn, _cursor, statement, *_args):
        seen.update([statement.split()[0].upper()])
        statements.append(" ".join(statement.split())[:220])

    listeners = {
        "begin": lambda *_a: seen.update(["BEGIN"]),
        "commit": lambda *_a: seen.update(["COMMIT"]),
        "rollback": lambda *_a: seen.update(["ROLLBACK"]),
        "before_cursor_execute": executed,
    }
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    try:
        for n in range(10):
            call(app, environ)
            if show and n == 0:
                print("\n".join("    " + s for s in statements))
    finally:
        for name, listener in listeners.items():
            event.remove(engine, name, listener)
    return Counter({k: v / 10 for k, v in seen.items()})


def round_trips(app, environ: dict, engine=None, connection=None, show: bool = False) -> float:
    """Round trips to PostgreSQL per request (over 10), from libpq's own protocol trace: each
    Query (simple protocol) or Sync (extended protocol) the client sends waits for an answer.
    Ours: every connection the pool hands out is traced; bare: its thread's one connection."""
    from sqlalchemy import event

    with tempfile.TemporaryFile("w+") as trace:

        def checkout(dbapi_connection, _record, _proxy):
            dbapi_connection.pgconn.trace(trace.fileno())

        def checkin(dbapi_connection, _record):
            if dbapi_connection is not None:
                dbapi_connection.pgconn.untrace()

        # Ours also talks on the callbacks' recording connections (/healthz does): trace the idle
        # ones, which are the ones the next request takes (a LIFO stack, recording_engine.py).
        recording = app.extensions.get("market_pay_recording_connections") if engine is not None else None
        recorded = [conn for conn, _cursor in recording._idle] if recording is not None else []
        for conn in recorded:
            conn.pgconn.trace(trace.fileno())
        if engine is not None:
            event.listen(engine, "checkout", checkout)
            event.listen(engine, "checkin", checkin)
        else:
            connection.pgconn.trace(trace.fileno())
        try:
            for _ in range(10):
                call(app, environ)
        finally:
            for conn in recorded:
                conn.pgconn.untrace()
            if engine is not None:
                event.remove(engine, "checkout", checkout)
                event.remove(engine, "checkin", checkin)
            else:
                connection.pgconn.untrace()
        trace.seek(0)
        sent = [line.rstrip("\n").split("\t") for line in trace if "\tF\t" in line]
    waits = [fields for fields in sent if fields[3] in ("Query", "Sync")]
    if show:
        print("    client messages of one request: " + " ".join(f[3] for f in sent[: len(sent) // 10]))
    return len(waits) / 10


def by_package(profile: cProfile.Profile, requests: int, top: int) -> str:
    """Own time (tottime) per package, per request, and the top functions by cumulative time."""
    stats = pstats.Stats(profile)
    packages: Counter = Counter()
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "site-packages/" in filename:
            package = filename.split("site-packages/")[1].split("/")[0]
        elif "/market_pay/" in filename:
            package = "market_pay/" + filename.split("/market_pay/")[1].split("/")[0]
        elif filename.startswith(("~", "<")):
            package = "builtins (C)"
        else:
            package = "stdlib " + Path(filename).stem
        packages[package] += tottime
    lines = [f"  {us / requests * 1e6:8.1f} µs  {name}" for name, us in packages.most_common(18)]
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(top)
    return "\n".join(lines) + "\n" + out.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/market_pay_profile")
    parser.add_argument("--bare-url", default="postgresql://postgres@127.0.0.1:5432/market_pay_bare")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument(
        "--stalls", type=int, default=3, help="stalls in the market (the manager's list shows them all)"
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--show-sql", action="store_true", help="print the statements of one request")
    parser.add_argument("--only", default="", help="comma-separated names of the requests to run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        market_database(args.postgres_url, [("970436", f"00{n:08d}") for n in range(args.stalls)], Path(tmp))
    from benchlib import recreate_database

    recreate_database(args.bare_url)
    os.environ.update(
        MARKET_PAY_DATABASE_URL=args.postgres_url,
        MARKET_PAY_SECRET_KEY="bench-secret",
        MARKET_PAY_MATCHER="off",
        BARE_DATABASE_URL=args.bare_url,
    )
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115  (for the whole run) the access log goes nowhere
    import bare_ceiling_wsgi

    from market_pay import create_app
    from market_pay.auth.services import create_user, issue_token
    from market_pay.extensions import db
    from market_pay.vendors.models import Vendor

    app = create_app()
    with app.app_context():
        vendor = db.session.query(Vendor).order_by(Vendor.id).first()
        vendor_user = create_user(None, "0987000001", "246813", "vendor", f"BENCH/{vendor.stall_code}")
        manager = create_user(None, "bench_manager", "a long bench password 1", "market_manager", "BENCH")
        db.session.flush()
        vendor_token, _ = issue_token(vendor_user)
        manager_token, _ = issue_token(manager)
        vendor_id = vendor.id
        db.session.commit()
        engine = db.engine

    def environ(path, token=None, query=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return EnvironBuilder(path=path, headers=headers, query_string=query).get_environ()

    cases = {
        "bare /healthz": (bare_ceiling_wsgi.app, environ("/healthz")),
        "ours /healthz": (app, environ("/healthz")),
        "bare /livez": (bare_ceiling_wsgi.app, environ("/livez")),
        "ours /livez": (app, environ("/livez")),
        "ours vendor GET /api/v1/vendors/<id>": (app, environ(f"/api/v1/vendors/{vendor_id}", vendor_token)),
        "ours manager GET /api/v1/vendors": (app, environ("/api/v1/vendors", manager_token, "market_code=BENCH")),
    }
    if args.only:
        cases = {name: case for name, case in cases.items() if any(o in name for o in args.only.split(","))}
    for wsgi, env in cases.values():  # warm: connections made, caches filled
        for _ in range(200):
            call(wsgi, env)
    print(
        f"{args.requests} requests each, {args.stalls} stalls, in process, PostgreSQL on loopback;"
        f" load average {os.getloadavg()}"
    )
    print("| request | µs CPU/request | µs wall/request | round trips | SQLAlchemy's events per request |")
    print("|---|---:|---:|---:|---|")
    for name, (wsgi, env) in cases.items():
        cpu, wall = timed(wsgi, env, args.requests)
        if wsgi is app:
            seen = commands_per_request(engine, app, env, args.show_sql)
            commands = ", ".join(f"{v:g} {k}" for k, v in seen.items()) or "none"
            trips = round_trips(app, env, engine=engine, show=args.show_sql)
        else:
            commands = "1 SELECT (autocommit)" if "healthz" in name else "none"
            trips = round_trips(wsgi, env, connection=bare_ceiling_wsgi._connection()) if "healthz" in name else 0
        print(f"| {name} | {cpu:,.0f} | {wall:,.0f} | {trips:g} | {commands} |", flush=True)
    if args.profile:
        for name, (wsgi, env) in cases.items():
            profile = cProfile.Profile(time.process_time)  # CPU, not time spent waiting for PostgreSQL
            profile.enable()
            for _ in range(args.requests):
                call(wsgi, env)
            profile.disable()
            print(f"\n## {name}: own CPU time per request by package (cProfile inflates every call)")
            print(by_package(profile, args.requests, args.top))


if __name__ == "__main__":
    main()
