"""One HTTP GET to a partner's API, with the retries a rate-limited API needs. Pure module (stdlib
only: no Flask, no database), so it is tested against a local fake without an app.

Retried: 429 (after its Retry-After, in seconds or as an HTTP date), 5xx, and connection errors or
timeouts — with capped exponential backoff and full jitter, so several processes that failed
together do not retry together. Everything is bounded: attempts per request, the bytes of one
answer, and a total time budget per pull; when the budget is spent the pull fails with a clear
message instead of waiting on. 401 and 403 are an authentication failure, never retried.
"""

import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime

# One page of at most 100 records is a few tens of KB; anything far larger is not an answer we asked for.
MAX_ANSWER_BYTES = 8 * 1024 * 1024


class PullFailed(Exception):  # not "...Error": callers catch it by this name
    """The pull could not be completed; `message` is one line for the operator."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AuthenticationFailed(PullFailed):
    """The partner refused our credentials (or, SePay's older API, answered an empty 200)."""


@dataclass
class RetryPolicy:
    attempts: int = 6  # per request, the first included
    backoff_seconds: float = 1.0  # the first retry waits up to this (jittered), doubling after
    backoff_cap_seconds: float = 30.0
    budget_seconds: float = 300.0  # for the whole pull, waits included
    timeout_seconds: float = 30.0  # one request's connect/read timeout
    min_interval_seconds: float = 0.0  # between requests: SePay allows about 3 a second
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    jitter: Callable[[float, float], float] = random.uniform


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as the 3xx it is: urllib would otherwise follow it with our
    Authorization header, to whatever host the answer names."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds to wait: "120" or an HTTP date ("Wed, 21 Oct 2026 07:28:00 GMT");
    None when absent or unreadable (then the backoff decides)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


@dataclass
class ApiClient:
    """GETs JSON from one partner's API under one time budget (one pull)."""

    base_url: str
    headers: dict
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    partner: str = "the partner"
    requests_made: int = 0
    _started: float | None = None
    _last_request: float | None = None

    def _remaining(self) -> float:
        if self._started is None:
            self._started = self.policy.clock()
        return self.policy.budget_seconds - (self.policy.clock() - self._started)

    def _wait(self, seconds: float, why: str):
        if seconds > self._remaining():
            raise PullFailed(
                f"{self.partner}: {why}; waiting {seconds:.0f} s more would pass the pull's time budget of "
                f"{self.policy.budget_seconds:.0f} s. Nothing was reconciled; try again later."
            )
        if seconds > 0:
            self.policy.sleep(seconds)

    def get_json(self, path: str, params: dict) -> object | None:
        """The decoded JSON answer (numbers with a fraction as Decimal, never float), or None for
        an empty 200 body. Raises PullFailed / AuthenticationFailed."""
        url = self.base_url.rstrip("/") + path + "?" + urllib.parse.urlencode(params)
        problem = "no answer"
        for attempt in range(self.policy.attempts):
            self._remaining()  # starts the budget's clock on the first request
            if self._last_request is not None and self.policy.min_interval_seconds:
                gap = self.policy.min_interval_seconds - (self.policy.clock() - self._last_request)
                if gap > 0:
                    self.policy.sleep(gap)
            self._last_request = self.policy.clock()
            self.requests_made += 1
            status, headers, body, problem = self._send(url)
            if status == 200:
                return _decode(body, self.partner)
            if status in (401, 403):
                raise AuthenticationFailed(
                    f"{self.partner} refused our credentials (HTTP {status}): set the token with "
                    f"`market-pay partners set {self.partner} --pull-token …`."
                )
            if status is not None and status != 429 and status < 500:
                raise PullFailed(f"{self.partner} answered HTTP {status} to {path}; nothing was reconciled.")
            if attempt == self.policy.attempts - 1:
                break
            backoff = min(self.policy.backoff_cap_seconds, self.policy.backoff_seconds * 2**attempt)
            wait = self.policy.jitter(0, backoff)
            if status == 429:
                asked = retry_after_seconds(headers.get("Retry-After"))
                wait = asked if asked is not None else max(wait, backoff / 2)
            self._wait(wait, problem)
        raise PullFailed(
            f"{self.partner}: {problem} after {self.policy.attempts} attempts; nothing was reconciled. Try again later."
        )

    def _send(self, url: str) -> tuple[int | None, dict, bytes, str]:
        request = urllib.request.Request(url, headers={"Accept": "application/json", **self.headers})
        timeout = max(1.0, min(self.policy.timeout_seconds, self._remaining()))
        try:
            with _OPENER.open(request, timeout=timeout) as answer:
                body = answer.read(MAX_ANSWER_BYTES + 1)
                if len(body) > MAX_ANSWER_BYTES:
                    raise PullFailed(f"{self.partner} sent an answer larger than {MAX_ANSWER_BYTES} bytes.")
                return answer.status, dict(answer.headers), body, "ok"
        except urllib.error.HTTPError as error:
            with error:
                return error.code, dict(error.headers or {}), b"", f"HTTP {error.code}"
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
            reason = getattr(error, "reason", error)
            return None, {}, b"", f"cannot reach {self.partner} ({reason})"


def _decode(body: bytes, partner: str) -> object | None:
    if not body.strip():
        return None
    try:
        # parse_float=Decimal: "18067000.00" and 18067000.5 stay exact, and are judged exactly later.
        return json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise PullFailed(f"{partner} sent an answer that is not JSON; nothing was reconciled.") from None
