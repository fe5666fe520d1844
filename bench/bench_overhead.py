"""The service's fixed cost per request: CPU per request of a trivial route, ours against bare Flask.

Both are served the same way (gunicorn, gthread, the `api` pool's workers × threads, from
market_pay/serving/settings.py) and loaded with wrk (GET, keep-alive, loopback) in alternating
rounds. The service's figure is `GET /livez` on the real app (create_app(): access log line,
request id, metrics, session interface, error handlers, NUL check); the baseline is the same
route on bench/bare_ceiling_wsgi.py. CPU per request is read from /proc for the gunicorn master
and workers (cpu_accounting.py), so the noise of a shared machine mostly cancels out.

    .venv/bin/python bench/bench_overhead.py [--rounds 5] [--duration 8] [--route /livez]
    .venv/bin/python bench/bench_overhead.py --route /healthz --compare-with /tmp/market_pay_main

--compare-with serves a second copy of the service from another checkout (e.g. `git archive main`
unpacked) as a third server, "before", measured in the same alternating rounds: a change's
effect is then read side by side, not across runs on a shared machine.
"""

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import market_pay, recreate_database  # noqa: E402
from cpu_accounting import per_request_us, snapshot  # noqa: E402

from market_pay.serving.settings import POOLS  # noqa: E402


def start(app_spec: str, env: dict, port: int, workers: int, threads: int, log, cwd: Path = ROOT) -> subprocess.Popen:
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--keep-alive",
        "15",
        "--bind",
        f"127.0.0.1:{port}",
        app_spec,
    ]
    server = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=log)
    for _ in range(400):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{app_spec} did not start")


def wrk(port: int, route: str, duration: int, connections: int) -> dict:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", f"http://127.0.0.1:{port}{route}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(output)

    def ms(label):
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", output).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    return {
        "requests": requests,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
    }


def measure(server, port, route, args) -> dict:
    before = snapshot(server.pid)
    result = wrk(port, route, args.duration, args.connections)
    after = snapshot(server.pid)
    result["service_cpu_us"] = per_request_us(before, after, result["requests"])["service"]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/market_pay_bench")
    parser.add_argument("--bare-url", default="postgresql://postgres@127.0.0.1:5432/market_pay_bare")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--route", default="/livez", help="/livez (no database) or /healthz (SELECT 1)")
    parser.add_argument("--compare-with", type=Path, help="another checkout of market_pay, served as 'before'")
    args = parser.parse_args()
    pool = POOLS["api"]
    recreate_database(args.postgres_url)
    recreate_database(args.bare_url)
    env = {
        **os.environ,
        "MARKET_PAY_DATABASE_URL": args.postgres_url,
        "MARKET_PAY_SECRET_KEY": "bench-secret",
        "BARE_DATABASE_URL": args.bare_url,
        "PYTHONPATH": str(ROOT),
    }
    market_pay(env, "db", "upgrade")
    ports = {"market_pay": 19000 + random.randint(0, 499), "bare": 19500 + random.randint(0, 499)}
    with tempfile.TemporaryFile() as log:
        servers = {
            "market_pay": start("market_pay:create_app()", env, ports["market_pay"], pool.workers, pool.threads, log),
            "bare": start("bench.bare_ceiling_wsgi:app", env, ports["bare"], pool.workers, pool.threads, log),
        }
        if args.compare_with:
            ports["before"] = ports["bare"] + 1
            before_env = {**env, "PYTHONPATH": str(args.compare_with.resolve())}
            servers["before"] = start(
                "market_pay:create_app()",
                before_env,
                ports["before"],
                pool.workers,
                pool.threads,
                log,
                args.compare_with,
            )
        try:
            for name in servers:  # warm every worker
                wrk(ports[name], args.route, 2, args.connections)
            rows = {name: [] for name in servers}
            order = list(servers)
            for round_number in range(args.rounds):
                for name in order[round_number % len(order) :] + order[: round_number % len(order)]:
                    rows[name].append(measure(servers[name], ports[name], args.route, args))
                print(json.dumps({name: rows[name][-1] for name in rows}), flush=True)
        finally:
            for server in servers.values():
                server.terminate()
                server.wait(timeout=30)
    med = {
        name: {
            key: statistics.median(r[key] for r in rows[name]) for key in ("rps", "p50_ms", "p99_ms", "service_cpu_us")
        }
        for name in rows
    }
    print(
        f"\nGET {args.route}, gunicorn gthread {pool.workers} × {pool.threads}, wrk -t2 -c{args.connections}, "
        f"{args.rounds} rounds × {args.duration} s, medians"
    )
    print("| app | req/s | p50 ms | p99 ms | service CPU µs/request |")
    print("|---|---:|---:|---:|---:|")
    for name in rows:
        m = med[name]
        print(f"| {name} | {m['rps']:,.0f} | {m['p50_ms']:.2f} | {m['p99_ms']:.2f} | {m['service_cpu_us']:,.0f} |")
    for name in [n for n in rows if n != "bare"]:
        print(
            f"{name} overhead: {med[name]['service_cpu_us'] - med['bare']['service_cpu_us']:,.0f} µs of CPU per "
            f"request; throughput {med[name]['rps'] / med['bare']['rps']:.2f} × bare; load average {os.getloadavg()}"
        )


if __name__ == "__main__":
    main()
