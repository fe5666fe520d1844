"""payOS's merchant API, the one call the day-end check needs: a payment request's own status.
Pure module (no Flask, no database): the standard library's HTTP client.

`GET {base}/v2/payment-requests/{id}` (id: the orderCode or the payment link id) with the headers
x-client-id and x-api-key answers an envelope `{"code": "00", "desc": "success", "data": {…}}`.
payOS's quirks, handled here so the check never sees them:
- an error is a `code` other than "00" with a `desc`, sometimes under HTTP 200;
- too many calls: HTTP 429 with `Retry-After` (seconds, or an HTTP date);
- 5xx and dropped connections happen: retried with capped exponential backoff and jitter.
Every wait counts against one deadline for the whole check, so a run always ends.
Everything payOS sends is validated (types, whole đồng within the service's bound) before use;
an answer that does not pass is refused with the reason, never trusted in part.
"""

import http.client
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit

from ...common.money import MAX_LINE_AMOUNT

# payOS's statuses of a payment request (its documentation); anything else is not understood.
STATUSES = ("PENDING", "PROCESSING", "PAID", "UNDERPAID", "CANCELLED", "EXPIRED", "FAILED")
# Codes payOS answers for an id it does not know (assumed: "101", besides HTTP 404).
NOT_FOUND_CODES = ("101",)
AUTH_CODES = ("401", "403")
MAX_BODY_BYTES = 1024 * 1024  # one request's status is a few KB; more is not an answer
MAX_TRANSACTIONS = 100  # per payment request; a real one has one or two
MAX_RETRY_AFTER = 300.0
LOCAL_HOSTS = (
    "127.0.0.1",
    "localhost",
    "::1",
)  # where plain http is allowed (a local fake, a proxy)  # a longer Retry-After is treated as "not within this check"


class PayosProblem(Exception):
    """The check of one payment request could not be done; `reason` says why (for its break)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class PayosNotFound(PayosProblem):
    """payOS does not know this id."""


class PayosUnusable(PayosProblem):
    """payOS answered something that is not a usable status (an error code, garbage, bad amounts)."""


class PayosUnavailable(PayosProblem):
    """No answer within the retries or the check's time budget (429s, 5xx, connection errors)."""


class PayosOutOfTime(PayosUnavailable):
    """The check's time budget does not allow another wait: nothing more is asked in this run."""


class PayosAuthRefused(PayosProblem):
    """payOS refused our x-client-id / x-api-key: no request can be checked, the check stops."""


@dataclass(frozen=True)
class PayosTransaction:
    """One transfer payOS counted towards the request (the fields a callback would carry)."""

    reference: str
    amount: int
    account_number: str
    virtual_account_number: str | None
    description: str
    transaction_date_time: str
    counter_account_name: str | None
    counter_account_number: str | None
    counter_account_bank_id: str | None


@dataclass(frozen=True)
class PayosStatus:
    link_id: str
    order_code: int
    amount: int
    amount_paid: int
    amount_remaining: int
    status: str
    transactions: tuple[PayosTransaction, ...]
    canceled_at: str | None
    cancellation_reason: str | None


@dataclass
class RetryPolicy:
    """How hard to try: attempts per request, the backoff's base and cap (seconds), the deadline
    (a `clock()` value) for the whole check, and the clock, sleep and randomness (tests pass
    their own, so that no test waits for real)."""

    attempts: int = 6
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    deadline: float = float("inf")
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random

    def backoff(self, attempt: int) -> float:
        """Capped exponential, with "equal jitter": between half and all of the step."""
        step = min(self.backoff_cap, self.backoff_base * 2**attempt)
        return step * (0.5 + self.jitter() / 2)

    def wait(self, seconds: float, why: str):
        if self.clock() + seconds > self.deadline:
            raise PayosOutOfTime(f"{why}; the check's time budget does not allow another wait")
        self.sleep(seconds)


class PayosClient:
    def __init__(self, base_url: str, client_id: str, api_key: str, policy: RetryPolicy, timeout: float = 10.0):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"MARKET_PAY_PAYOS_API_URL is not an http(s) address: {base_url!r}")
        if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
            # payOS's answers become money on stalls: never read them off an unencrypted network.
            raise ValueError(f"MARKET_PAY_PAYOS_API_URL must be https (plain http only on this machine): {base_url!r}")
        self._https, self._host, self._port = parts.scheme == "https", parts.hostname, parts.port
        self._path = parts.path.rstrip("/")
        self._headers = {"x-client-id": client_id, "x-api-key": api_key, "Accept": "application/json"}
        self.policy, self.timeout = policy, timeout
        self.calls = 0  # HTTP requests made, retries included (for the run's record)
        self._connection: http.client.HTTPConnection | None = None

    def close(self):
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def payment_request(self, order_code: int) -> PayosStatus:
        """payOS's status of the payment request with this orderCode; raises a PayosProblem."""
        path = f"{self._path}/v2/payment-requests/{quote(str(order_code), safe='')}"
        for attempt in range(self.policy.attempts):
            last = attempt == self.policy.attempts - 1
            try:
                status, retry_after, body = self._get(path)
            except (OSError, http.client.HTTPException) as error:
                self.close()  # a broken keep-alive connection is not reused
                if last:
                    raise PayosUnavailable(f"no answer from payOS ({type(error).__name__})") from None
                self.policy.wait(self.policy.backoff(attempt), "payOS did not answer")
                continue
            if status == 429 or status >= 500:
                if last:
                    raise PayosUnavailable(f"payOS answered HTTP {status} {self.policy.attempts} times")
                why = f"payOS answered HTTP {status}"
                delay = _retry_after(retry_after) if status == 429 else None
                if delay is not None and delay > MAX_RETRY_AFTER:
                    raise PayosUnavailable(f"payOS asks to wait {delay:.0f} s (Retry-After)")
                self.policy.wait(delay if delay is not None else self.policy.backoff(attempt), why)
                continue
            return parse_answer(status, body, order_code)
        raise AssertionError("unreachable")  # pragma: no cover

    def _get(self, path: str) -> tuple[int, str | None, bytes]:
        if self._connection is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._connection = cls(self._host, self._port, timeout=self.timeout)
        self.calls += 1
        self._connection.request("GET", path, headers=self._headers)
        response = self._connection.getresponse()
        body = response.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES or response.getheader("Connection", "").lower() == "close":
            self.close()  # the rest of an oversized body is never read: this connection is done
        return response.status, response.getheader("Retry-After"), body


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


# -- reading an answer ---------------------------------------------------------------------------
def parse_answer(http_status: int, body: bytes, order_code: int) -> PayosStatus:
    """payOS's answer about `order_code` → a validated PayosStatus, or a PayosProblem."""
    if http_status in (401, 403):
        raise PayosAuthRefused(f"payOS refused our credentials (HTTP {http_status})")
    envelope = _envelope(body)
    code = envelope.get("code") if envelope is not None else None
    if http_status == 404 or code in NOT_FOUND_CODES:
        raise PayosNotFound(f"payOS does not know order code {order_code}")
    if envelope is None:
        raise PayosUnusable(f"payOS answered HTTP {http_status} with no JSON object")
    if code in AUTH_CODES:
        raise PayosAuthRefused(f"payOS refused our credentials (code {code})")
    if code != "00":
        raise PayosUnusable(f"payOS answered code {_short(code)}: {_short(envelope.get('desc'))}")
    if not 200 <= http_status < 300:
        raise PayosUnusable(f"payOS answered HTTP {http_status} with code 00")
    data = envelope.get("data")
    if not isinstance(data, dict):
        raise PayosUnusable("payOS's answer has no data object")
    return _status(data, order_code)


def _envelope(body: bytes) -> dict | None:
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _short(value) -> str:
    return repr(value)[:80]


def _status(data: dict, order_code: int) -> PayosStatus:
    if _integer(data, "orderCode", low=0, high=2**53) != order_code:
        raise PayosUnusable(f"payOS answered about order code {_short(data.get('orderCode'))}, not {order_code}")
    status = data.get("status")
    if status not in STATUSES:
        raise PayosUnusable(f"payOS's status {_short(status)} is not one this check understands")
    transactions = data.get("transactions") or []
    if not isinstance(transactions, list) or len(transactions) > MAX_TRANSACTIONS:
        raise PayosUnusable(f"transactions is not a list of at most {MAX_TRANSACTIONS}")
    amount = _integer(data, "amount", low=1)
    amount_paid = _integer(data, "amountPaid", low=0)
    return PayosStatus(
        link_id=_text(data, "id", limit=80),
        order_code=order_code,
        amount=amount,
        amount_paid=amount_paid,
        amount_remaining=_integer(data, "amountRemaining", low=-MAX_LINE_AMOUNT),
        status=status,
        transactions=tuple(_transaction(item, index) for index, item in enumerate(transactions)),
        canceled_at=_string(data, "canceledAt"),
        cancellation_reason=_string(data, "cancellationReason", limit=300),
    )


def _transaction(item, index: int) -> PayosTransaction:
    if not isinstance(item, dict):
        raise PayosUnusable(f"transactions[{index}] is not an object")
    where = f"transactions[{index}]."
    return PayosTransaction(
        reference=_text(item, "reference", limit=100, where=where),
        amount=_integer(item, "amount", low=1, where=where),
        account_number=_text(item, "accountNumber", limit=19, where=where),
        virtual_account_number=_string(item, "virtualAccountNumber", limit=19, where=where),
        description=_string(item, "description", limit=500, where=where) or "",
        transaction_date_time=_text(item, "transactionDateTime", limit=40, where=where),
        counter_account_name=_string(item, "counterAccountName", limit=200, where=where),
        counter_account_number=_string(item, "counterAccountNumber", limit=40, where=where),
        counter_account_bank_id=_string(item, "counterAccountBankId", limit=10, where=where),
    )


def _integer(data: dict, key: str, low: int, high: int = MAX_LINE_AMOUNT, where: str = "") -> int:
    """A JSON integer (never a float, a string or a boolean) within [low, high]: whole đồng."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayosUnusable(f"{where}{key} is not a whole number: {_short(value)}")
    if not low <= value <= high:
        raise PayosUnusable(f"{where}{key} = {value} is outside {low}..{high}")
    return value


def _text(data: dict, key: str, limit: int = 100, where: str = "") -> str:
    """A required text field."""
    value = _string(data, key, limit=limit, where=where)
    if value is None:
        raise PayosUnusable(f"{where}{key} is missing")
    return value


def _string(data: dict, key: str, limit: int = 100, where: str = "") -> str | None:
    """An optional text field (None when absent or empty)."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        raise PayosUnusable(f"{where}{key} is not text of at most {limit} characters")
    return value
