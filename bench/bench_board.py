"""Stall boards under load: N pages hold their event streams open while signed callbacks arrive at
a steady rate; for each credit, the time from the callback's 200 to its `payment` event at the
page of that stall (p50/p99). Also checks that every credit reached its stall's page exactly once.

    .venv/bin/python bench/bench_board.py --pages 1000 --rate 50 --seconds 30      # PostgreSQL
Each page is a real HTTP/1.1 event-stream connection (asyncio, loopback) carrying the board's own
signed-in session cookie; the service is gunicorn with the documented stall-page settings.
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import market_database, market_pay  # noqa: E402

SECRET = "bench-board-secret"


def session_cookies(env, vendors: int) -> list[tuple[int, str]]:
    """(vendor id, session cookie) per stall: a vendor login and its token, put in a board session
    exactly as /stall/login does (same secret, same serializer), without 1,000 password hashes."""
    os.environ.update({k: env[k] for k in ("MARKET_PAY_DATABASE_URL", "MARKET_PAY_SECRET_KEY")})
    from market_pay import create_app
    from market_pay.auth.models import User
    from market_pay.auth.services import issue_token
    from market_pay.extensions import db
    from market_pay.vendors.models import Vendor

    app = create_app()
    cookies = []
    with app.app_context():
        serializer = app.session_interface.get_signing_serializer(app)
        for vendor in db.session.query(Vendor).order_by(Vendor.id).limit(vendors):
            user = User(
                username=f"09{vendor.id:08d}",
                password_hash="!",
                role="vendor",
                vendor_id=vendor.id,
                display_name="bench",
                active=True,
            )
            db.session.add(user)
            db.session.flush()
            token, _ = issue_token(user, "page")  # a page session id, as /stall/login issues
            cookies.append((vendor.id, serializer.dumps({"stall_token": token, "_permanent": True})))
        db.session.commit()
    return cookies


async def page(port, vendor_id, cookie, received, ready):
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    writer.write(
        (
            f"GET /stall/events?after=0 HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n"
            f"Cookie: market_pay_session={cookie}\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    event = None
    while True:
        line = await reader.readline()
        if not line:
            return
        line = line.decode().rstrip("\r\n")
        if line.startswith("event: "):
            event = line[7:]
            if event == "summary" and vendor_id not in ready:
                ready.add(vendor_id)
        elif line.startswith("data: ") and event == "payment":
            data = json.loads(line[6:])
            received.append((vendor_id, data["amount"], time.monotonic()))


async def send(port, body: bytes, signature: str) -> float:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (
            f"POST /api/v1/callbacks/simbank HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            f"X-Signature: {signature}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        + body
    )
    await writer.drain()
    status = await reader.readline()
    await reader.read()
    writer.close()
    assert b" 200 " in status, status
    return time.monotonic()


async def run(port, cookies, accounts, rate, seconds):
    from market_pay.payments.signatures import sign_simbank

    received, ready, accepted = [], set(), {}
    pages = [asyncio.create_task(page(port, vid, cookie, received, ready)) for vid, cookie in cookies]
    while len(ready) < len(cookies):
        await asyncio.sleep(0.2)
    print(f"{len(ready)} pages connected", flush=True)
    rng, sends = random.Random(7), []
    start = time.monotonic()
    for n in range(rate * seconds):
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        index = rng.randrange(len(cookies))
        amount = 1_000 + n  # unique: the event names its callback by amount
        body = json.dumps(
            {
                "transaction_id": f"B{n:07d}",
                "bank_reference": f"FTB{n:07d}",
                "bin": accounts[index][0],
                "account_number": accounts[index][1],
                "amount": amount,
                "direction": "in",
                "description": "CHUYEN TIEN",
                "booked_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
                "payer_name": "TRAN VAN B",
            }
        ).encode()
        expected = cookies[index][0]

        async def one(body=body, amount=amount, expected=expected):
            accepted[amount] = (expected, await send(port, body, sign_simbank(SECRET, body, int(time.time()))))

        sends.append(asyncio.create_task(one()))
    await asyncio.gather(*sends)
    await asyncio.sleep(5)
    for task in pages:
        task.cancel()
    latencies, wrong, seen = [], 0, {}
    for vendor_id, amount, at in received:
        seen[amount] = seen.get(amount, 0) + 1
        if amount in accepted:
            if accepted[amount][0] != vendor_id:
                wrong += 1
            latencies.append(at - accepted[amount][1])
    return {
        "pages": len(cookies),
        "callbacks": len(accepted),
        "delivered": len(latencies),
        "missing": sum(1 for a in accepted if a not in seen),
        "twice": sum(1 for c in seen.values() if c > 1),
        "wrong_stall": wrong,
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(statistics.quantiles(latencies, n=100)[98] * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/market_pay_bench")
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=50, help="callbacks per second")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        accounts = [("970405", f"{6_000_000_000 + n}") for n in range(args.pages)]
        env = market_database(args.database_url, accounts, Path(tmp))
        market_pay(env, "partners", "set", "simbank", "--secret", SECRET)
        cookies = session_cookies(env, args.pages)
        port = 19000 + random.randint(0, 999)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--graceful-timeout",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "--backlog",
                "2048",
                "wsgi:app",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(3)
            result = asyncio.run(run(port, cookies, accounts, args.rate, args.seconds))
        finally:
            server.terminate()
            server.wait(30)
    print(json.dumps({**vars(args), **result}))


if __name__ == "__main__":
    main()
