"""Local fakes of SePay's transaction lists (v2 and the older /userapi one) and Casso's, served over
real HTTP on 127.0.0.1 (an ephemeral port, a thread), following the documented shapes and quirks:
SePay v2's UUID ids, integer amounts and per_page ≤ 100; the older API's string amounts
("18067000.00"), since_id/limit and the EMPTY 200 it answers a bad token with; Casso's signed
amounts, `when` with or without a time and data.records pages; 429 with Retry-After; 5xx.

One server hosts the three under path prefixes: /sepay (v2), /sepay-legacy, /casso."""

import json
import threading
import urllib.parse
import uuid
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@dataclass
class Transaction:
    """One bank transaction as the aggregators know it (each API shows it its own way)."""

    account: str
    amount: int  # > 0
    when: str  # "YYYY-MM-DD HH:MM:SS", Vietnam time
    reference: str
    direction: str = "in"
    content: str = "chuyen tien"
    bank: str = "Vietcombank"
    legacy_id: int = 0  # SePay's integer id (its webhooks' `id`)
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    casso_day_only: bool = False  # Casso gives some banks' lines without a time
    raw_amount: object = None  # overrides the amount as the API writes it (bad-input tests)


@dataclass
class FakePartners:
    token: str = "pull-token-for-tests"
    sepay: list = field(default_factory=list)
    casso: list = field(default_factory=list)
    sepay_envelope: str = "nested"  # "flat": meta's has_more / page_count at its top level
    sepay_page_cap: int = 100  # a server paging by fewer records than asked for
    throttle: int = 0  # answer this many requests with 429 first
    retry_after: str = "1"
    failures: int = 0  # then this many with 503
    redirect_to: str | None = None  # answer every request with a redirect there
    barrier: threading.Barrier | None = None  # every first page waits here (concurrency tests)
    requests: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- the WSGI app ----------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).items()}
        auth = environ.get("HTTP_AUTHORIZATION", "")
        with self.lock:
            self.requests.append((path, query))
            if self.throttle:
                self.throttle -= 1
                return self._send(start_response, "429 Too Many Requests", {"message": "slow down"}, self.retry_after)
            if self.failures:
                self.failures -= 1
                return self._send(start_response, "503 Service Unavailable", {"message": "busy"})
        if self.redirect_to is not None:
            start_response("302 Found", [("Location", self.redirect_to), ("Content-Length", "0")])
            return [b""]
        if self.barrier is not None and query.get("page", "1") == "1" and "since_id" not in query:
            self.barrier.wait(timeout=30)
        if path == "/sepay/v2/transactions":
            if auth != f"Bearer {self.token}":
                return self._send(start_response, "401 Unauthorized", {"status": "error", "message": "Unauthenticated"})
            return self._send(start_response, "200 OK", self._sepay_v2(query))
        if path == "/sepay-legacy/userapi/transactions/list":
            if auth != f"Bearer {self.token}":
                start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", "0")])
                return [b""]  # the older API's quirk: a bad token gets an empty 200
            return self._send(start_response, "200 OK", self._sepay_legacy(query))
        if path == "/casso/v2/transactions":
            if auth != f"Apikey {self.token}":
                return self._send(start_response, "401 Unauthorized", {"error": 401, "message": "Unauthorized"})
            return self._send(start_response, "200 OK", self._casso(query))
        return self._send(start_response, "404 Not Found", {"message": "no such path"})

    @staticmethod
    def _send(start_response, status, body, retry_after=None):
        data = json.dumps(body, ensure_ascii=False).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        if retry_after is not None:
            headers.append(("Retry-After", retry_after))
        start_response(status, headers)
        return [data]

    # -- the three lists -----------------------------------------------------------------------------
    @staticmethod
    def _between(items, start, end):
        return [t for t in items if start <= t.when <= end]

    def _sepay_v2(self, query):
        items = self._between(self.sepay, query["transaction_date_from"], query["transaction_date_to"])
        items.sort(key=lambda t: t.when)
        per_page = min(int(query.get("per_page", 20)), 100, self.sepay_page_cap)  # documented: at most 100
        page = int(query.get("page", 1))
        chosen = items[(page - 1) * per_page : page * per_page]
        data = [
            {
                "id": t.uuid,
                "transaction_date": t.when,
                "account_number": t.account,
                "va": None,
                "transfer_type": t.direction,
                "amount_in": (t.raw_amount if t.raw_amount is not None else t.amount) if t.direction == "in" else 0,
                "amount_out": (t.raw_amount if t.raw_amount is not None else t.amount) if t.direction == "out" else 0,
                "accumulated": 0,
                "transaction_content": t.content,
                "reference_number": t.reference,
                "code": None,
                "bank_brand_name": t.bank,
            }
            for t in chosen
        ]
        last_page = max(1, -(-len(items) // per_page))
        if self.sepay_envelope == "flat":  # the envelope SePay documents for its newer APIs
            meta = {
                "per_page": per_page,
                "total": len(items),
                "has_more": page < last_page,
                "current_page": page,
                "page_count": last_page,
            }
        else:
            meta = {
                "pagination": {"total": len(items), "per_page": per_page, "current_page": page, "last_page": last_page}
            }
        return {"status": "success", "data": data, "meta": meta}

    def _sepay_legacy(self, query):
        items = self._between(self.sepay, query["transaction_date_min"], query["transaction_date_max"])
        since = int(query.get("since_id", 0))
        items = sorted((t for t in items if t.legacy_id >= since), key=lambda t: t.legacy_id)
        items = items[: min(int(query.get("limit", 5000)), 5000)]

        def money(t, direction):
            if t.direction != direction:
                return "0.00"
            return t.raw_amount if t.raw_amount is not None else f"{t.amount}.00"

        return {
            "status": 200,
            "error": None,
            "messages": {"success": True},
            "transactions": [
                {
                    "id": str(t.legacy_id),
                    "bank_brand_name": t.bank,
                    "account_number": t.account,
                    "transaction_date": t.when,
                    "amount_out": money(t, "out"),
                    "amount_in": money(t, "in"),
                    "accumulated": "0.00",
                    "transaction_content": t.content,
                    "reference_number": t.reference,
                    "code": None,
                    "sub_account": None,
                    "bank_account_id": "19",
                }
                for t in items
            ],
        }

    def _casso(self, query):
        items = [t for t in self.casso if query["fromDate"] <= t.when[:10] <= query["toDate"]]
        items.sort(key=lambda t: t.when)
        size = min(int(query.get("pageSize", 20)), 100)
        page = int(query.get("page", 1))
        chosen = items[(page - 1) * size : page * size]
        total_pages = max(1, -(-len(items) // size))
        records = [
            {
                "id": 500_000 + t.legacy_id,
                "tid": t.reference,
                "description": t.content,
                "amount": t.raw_amount
                if t.raw_amount is not None
                else (t.amount if t.direction == "in" else -t.amount),
                "cusum_balance": 0,
                "when": t.when[:10] if t.casso_day_only else t.when,
                "bookingDate": t.when[:10],
                "bankSubAccId": t.account,
            }
            for t in chosen
        ]
        return {
            "error": 0,
            "message": "success",
            "data": {
                "page": page,
                "pageSize": size,
                "nextPage": page + 1 if page < total_pages else None,
                "prevPage": page - 1 if page > 1 else None,
                "totalPages": total_pages,
                "totalRecords": len(items),
                "records": records,
            },
        }


class FakeServer:
    """`with FakeServer(partners) as base:` → the base URL, http://127.0.0.1:<port>."""

    def __init__(self, partners: FakePartners):
        self.partners = partners
        self.server = make_server("127.0.0.1", 0, partners, server_class=_ThreadingServer, handler_class=_QuietHandler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_port}"

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
