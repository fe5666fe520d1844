"""A small keep-alive JSON client with the retry behaviour of a bank's webhook sender."""

import http.client
import json
import threading
import time
from urllib.parse import urlsplit


class HttpClient:
    """One persistent connection per thread; JSON in and out."""

    def __init__(self, base_url: str, timeout: float = 10.0):
        parts = urlsplit(base_url)
        if not parts.hostname:
            raise ValueError(f"not an http(s) address: {base_url!r}")
        self.host: str = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.https, self.timeout = parts.scheme == "https", timeout
        self.token: str | None = None
        self._local = threading.local()
        # Every thread's connection, so that close() can end them all (a day uses a pool of threads).
        self._opened: list[http.client.HTTPConnection] = []
        self._opened_lock = threading.Lock()

    def _connection(self):
        connection = getattr(self._local, "connection", None)
        if connection is None:
            cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            connection = self._local.connection = cls(self.host, self.port, timeout=self.timeout)
            with self._opened_lock:
                self._opened.append(connection)
        return connection

    def close(self):
        """Close every thread's connection (they would otherwise stay open until collected)."""
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """(status, parsed JSON or None). Raises OSError on network failure or timeout."""
        headers = {"Content-Type": "application/json", **(headers or {})}
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        connection = self._connection()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            self._local.connection = None
            raise OSError(str(error)) from error
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, None

    def json(self, method: str, path: str, payload=None, headers=None):
        return self.request(method, path, json.dumps(payload).encode() if payload is not None else None, headers)


def send_with_retries(send, max_attempts: int, base_delay: float):
    """Call `send()` until it answers 2xx, retrying non-2xx and network errors with exponential
    backoff, like a bank's webhook sender. Returns (status or None, attempts)."""
    status = None
    for attempt in range(1, max_attempts + 1):
        try:
            status = send()
        except OSError:
            status = None
        if status is not None and 200 <= status < 300:
            return status, attempt
        if attempt < max_attempts:
            time.sleep(base_delay * 2 ** (attempt - 1))
    return status, max_attempts
