"""simulate(): log in, plan the day (creating dynamic requests through the API), deliver signed
callbacks concurrently with the chosen faults, and report what the bank saw."""

import json
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..payments.signatures import sign_simbank
from ..vietqr.codec import parse
from .day import VIETNAM, Faults, LineFactory, Stall, market_amount, trading_time
from .http import HttpClient, send_with_retries
from .statement import write_statement

CALLBACK_PATH = "/api/v1/callbacks/simbank"


class SimulationError(RuntimeError):
    pass


@dataclass
class Summary:
    seed: int
    lines: int = 0
    requests: int = 0
    deliveries: int = 0
    forgotten: int = 0
    forged: int = 0
    outcomes: Counter = field(default_factory=Counter)  # accepted / duplicate / rejected / failed
    retried: int = 0
    elapsed: float = 0.0
    # Every attempt's HTTP status ("network" when no answer came): what a fault run looks at.
    statuses: Counter = field(default_factory=Counter)

    def as_text(self) -> str:
        o = self.outcomes
        return (
            f"seed {self.seed}: {self.lines} ledger lines ({self.requests} dynamic requests), "
            f"{self.deliveries} deliveries sent in {self.elapsed:.1f} s — accepted {o['accepted']}, "
            f"duplicates {o['duplicate']}, rejected {o['rejected']}, failed {o['failed']}, "
            f"retried {self.retried}; forgotten by the bank {self.forgotten}, forged {self.forged}"
        )


def _stalls(client: HttpClient, market_code: str | None) -> list[Stall]:
    stalls, cursor = [], None
    while True:
        query = "/api/v1/vendors?status=active&limit=500" + (f"&market_code={market_code}" if market_code else "")
        status, page = client.json("GET", query + (f"&cursor={cursor}" if cursor else ""))
        if status != 200:
            raise SimulationError(f"listing stalls answered {status}: {page}")
        for vendor in page["items"]:
            accounts = [(a["id"], a["bin"], a["account_number"]) for a in vendor["accounts"] if a["active"]]
            if accounts:
                stalls.append(Stall(vendor["id"], vendor["market_code"], vendor["stall_code"], accounts))
        cursor = page["next"]
        if not cursor:
            return stalls


def _request(client: HttpClient, stall: Stall, account, amount: int, key: str, expires_in: int) -> dict:
    status, body = client.json(
        "POST",
        f"/api/v1/vendors/{stall.vendor_id}/payment-requests",
        {"amount": amount, "account_id": account[0], "expires_in": expires_in},
        {"Idempotency-Key": key},
    )
    if status not in (200, 201):
        raise SimulationError(f"creating a payment request answered {status}: {body}")
    return body


def plan_day(client, stalls, rng, factory, payments, faults, dynamic_share, day, tag) -> tuple[list, int]:
    lines, requests = [], 0
    for number in range(payments):
        stall = rng.choice(stalls)
        account = rng.choice(stall.accounts)
        amount = market_amount(rng)
        if rng.random() >= dynamic_share:
            lines.append(
                factory.credit(
                    account[1],
                    account[2],
                    amount,
                    rng.choice(["chuyển tiền", "mua rau", ""]),
                    trading_time(day, rng),
                    vendor_id=stall.vendor_id,
                )
            )
            continue
        late = rng.random() < faults.late
        request = _request(client, stall, account, amount, f"sim-{tag}-{number}", 60 if late else 600)
        requests += 1
        paid = amount
        if rng.random() < faults.underpay:
            paid = max(1_000, amount // rng.choice([2, 10, 1000]))  # incl. the "200 instead of 200,000" trick
        elif rng.random() < faults.overpay:
            paid = amount + rng.randint(1, 20) * 1000
        created = datetime.fromisoformat(request["created_at"])
        expires = datetime.fromisoformat(request["expires_at"])
        booked = (
            expires + timedelta(seconds=rng.randint(60, 1800))
            if late
            else created + timedelta(seconds=rng.randint(5, 50))
        )
        lines.append(
            factory.credit(
                account[1],
                account[2],
                paid,
                parse(request["payload"]).purpose or "",
                booked.astimezone(VIETNAM),
                vendor_id=stall.vendor_id,
                request_reference=request["reference"],
                kind="request",
            )
        )
    bins = sorted({account[1] for stall in stalls for account in stall.accounts})
    for _ in range(round(payments * faults.unknown_accounts)):
        lines.append(
            factory.credit(
                rng.choice(bins),
                f"9{rng.randint(10**10, 10**11 - 1)}",
                market_amount(rng),
                "chuyen tien",
                trading_time(day, rng),
                kind="unknown_account",
            )
        )
    for line in list(lines):
        if rng.random() < faults.reversals:
            lines.append(factory.reversal(line, line.booked_at + timedelta(minutes=rng.randint(10, 120))))
    for line in lines:
        line.forgotten = rng.random() < faults.forget
    return lines, requests


def _body(line) -> bytes:
    return json.dumps(
        {
            "transaction_id": line.transaction_id,
            "bank_reference": line.bank_reference,
            "bin": line.bin,
            "account_number": line.account_number,
            "amount": line.amount,
            "direction": line.direction,
            "description": line.description,
            "booked_at": line.booked_at.isoformat(),
            "payer_name": line.payer_name,
            **({"reverses": line.reverses} if line.reverses else {}),
        },
        ensure_ascii=False,
    ).encode()


def plan_deliveries(lines, factory, stalls, rng, faults, day) -> list:
    """(body, forged?) in the order the bank sends them."""
    deliveries = []
    for line in sorted(lines, key=lambda item: item.booked_at):
        if line.forgotten:
            continue
        copies = 1 + (rng.randint(1, 3) if rng.random() < faults.duplicates else 0)
        deliveries += [(_body(line), False)] * copies
    for _ in range(round(len(lines) * faults.bad_signatures)):
        stall = rng.choice(stalls)  # a forger claiming money that the bank never booked
        account = rng.choice(stall.accounts)
        forged = factory.credit(
            account[1], account[2], rng.randint(1, 500) * 1000, "chuyen tien", trading_time(day, rng)
        )
        deliveries.insert(rng.randrange(len(deliveries) + 1), (_body(forged), True))
    for index in range(len(deliveries)):
        if rng.random() < faults.out_of_order:
            other = rng.randrange(len(deliveries))
            deliveries[index], deliveries[other] = deliveries[other], deliveries[index]
    return deliveries


def deliver(clients, deliveries, secret, summary, concurrency, rate, max_attempts, base_delay):
    """Send every delivery; with several servers each attempt goes to one at random, so retries
    and duplicates land on different servers, as behind a load balancer."""
    lock, started = threading.Lock(), time.monotonic()

    def one(item):
        index, (body, forged) = item
        if rate > 0:  # keep to the chosen rate: delivery i leaves at start + i / rate
            delay = started + index / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        answers = []

        def attempt():
            key = "forger-secret-xx" if forged else secret
            try:
                status, reply = random.choice(clients).request(
                    "POST", CALLBACK_PATH, body, {"X-Signature": sign_simbank(key, body, int(time.time()))}
                )
            except OSError:
                with lock:
                    summary.statuses["network"] += 1
                raise
            with lock:
                summary.statuses[status] += 1
            answers.append(reply)
            return status

        if forged:  # a forger does not retry; the answer must be a refusal
            try:
                status = attempt()
            except OSError:
                status = None
            outcome = "rejected" if status == 401 else "failed"
            attempts = 1
        else:
            status, attempts = send_with_retries(attempt, max_attempts, base_delay)
            reply = answers[-1] if answers else None
            outcome = (
                (reply or {}).get("status", "failed") if status == 200 else ("rejected" if status == 401 else "failed")
            )
        with lock:
            summary.outcomes[outcome] += 1
            summary.retried += attempts - 1

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, enumerate(deliveries)))


def simulate(
    base_url: str,
    username: str,
    password: str,
    secret: str,
    *,
    market_code=None,
    payments=200,
    seed=None,
    faults: Faults | None = None,
    dynamic_share=0.3,
    day: date | None = None,
    concurrency=8,
    rate=0.0,
    max_attempts=6,
    base_delay=0.05,
    statement_out=None,
    statement_format="csv",
):
    """Returns (Summary, ledger lines). The seed makes the day (not the timing) repeatable.
    `base_url` may name several servers, comma-separated: callbacks are spread over them."""
    seed = seed if seed is not None else random.randrange(10**6)
    faults, day = faults or Faults(), day or datetime.now(VIETNAM).date()
    rng = random.Random(seed)
    tag = f"{day:%y%m%d}{seed % 10**6:06d}"
    clients = [HttpClient(url.strip()) for url in base_url.split(",") if url.strip()]
    # Every thread's connection is closed when the day ends, however it ends.
    try:
        client = clients[0]
        status, body = client.json("POST", "/api/v1/auth/token", {"username": username, "password": password})
        if status != 201:
            raise SimulationError(f"signing in answered {status}: {body}")
        client.token = body["token"]
        stalls = _stalls(client, market_code)
        if not stalls:
            raise SimulationError("no active stall with an active account to pay")
        factory = LineFactory(rng, tag)
        summary = Summary(seed=seed)
        lines, summary.requests = plan_day(client, stalls, rng, factory, payments, faults, dynamic_share, day, tag)
        deliveries = plan_deliveries(lines, factory, stalls, rng, faults, day)
        summary.lines, summary.deliveries = len(lines), len(deliveries)
        summary.forgotten = sum(line.forgotten for line in lines)
        summary.forged = sum(forged for _, forged in deliveries)
        started = time.monotonic()
        for other in clients[1:]:
            other.token = client.token
        deliver(clients, deliveries, secret, summary, concurrency, rate, max_attempts, base_delay)
        summary.elapsed = time.monotonic() - started
        if statement_out:
            write_statement(statement_out, lines, random.Random(seed), statement_format)
        return summary, lines
    finally:
        for each in clients:
            each.close()
