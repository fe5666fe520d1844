"""A local fake of payOS's merchant API (the one call the day-end check makes), served over real
HTTP on 127.0.0.1 on an ephemeral port, in a thread. It follows payOS's documented shapes and
quirks: the `{"code", "desc", "data"}` envelope; an unknown id is code "101" under HTTP 200; a
wrong x-client-id / x-api-key is HTTP 401 with code "401"; 429 with Retry-After and 5xx when told."""

import json
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from market_pay.reconciliation.payos_check.order_codes import order_code_for

CLIENT_ID = "payos-client-id-1"
API_KEY = "payos-api-key-0001"


class FakePayos:
    def __init__(self, client_id=CLIENT_ID, api_key=API_KEY):
        self.client_id, self.api_key = client_id, api_key
        self.links: dict[int, dict] = {}  # orderCode → data
        self.scripted: dict[int, list] = defaultdict(list)  # orderCode → [(status, headers, body)] served first
        self.calls: dict[int, int] = defaultdict(int)  # orderCode → GETs received
        self.delay = 0.0  # seconds before each answer (to make two checks overlap)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                fake._serve(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()

    # -- what payOS knows ----------------------------------------------------------------------
    def link(self, reference, amount, status="PENDING", transactions=(), **extra) -> dict:
        """payOS's record of the link made for our request `reference`."""
        order_code = order_code_for(reference)
        paid = sum(t["amount"] for t in transactions if isinstance(t["amount"], int))
        data = {
            "id": f"link{order_code:x}",
            "orderCode": order_code,
            "amount": amount,
            "amountPaid": paid,
            "amountRemaining": amount - paid,
            "status": status,
            "createdAt": "2026-11-30T10:00:00+07:00",
            "transactions": list(transactions),
            "canceledAt": None,
            "cancellationReason": None,
            **extra,
        }
        self.links[order_code] = data
        return data

    def script(self, reference, *answers):
        """Serve these (status, headers, body) first for this request, then its record."""
        self.scripted[order_code_for(reference)].extend(answers)

    # -- serving -------------------------------------------------------------------------------
    def _serve(self, handler):
        import time

        prefix = "/v2/payment-requests/"
        if not handler.path.startswith(prefix) or not handler.path[len(prefix) :].isdigit():
            return self._send(handler, 404, {}, {"code": "404", "desc": "Not found"})
        order_code = int(handler.path[len(prefix) :])
        with self._lock:
            self.calls[order_code] += 1
            scripted = self.scripted[order_code].pop(0) if self.scripted[order_code] else None
        if self.delay:
            time.sleep(self.delay)
        if handler.headers.get("x-client-id") != self.client_id or handler.headers.get("x-api-key") != self.api_key:
            return self._send(handler, 401, {}, {"code": "401", "desc": "Unauthorized", "data": None})
        if scripted is not None:
            return self._send(handler, *scripted)
        data = self.links.get(order_code)
        if data is None:  # payOS answers "not found" as HTTP 200 with its own code
            return self._send(handler, 200, {}, {"code": "101", "desc": "Không tìm thấy đơn thanh toán", "data": None})
        return self._send(handler, 200, {}, {"code": "00", "desc": "success", "data": data})

    @staticmethod
    def _send(handler, status, headers, body):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(raw)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(raw)


def transaction(account_number, amount, reference="FT26334000001", when="2026-11-30 10:05:00", description=""):
    """One transfer as payOS lists it under a payment request."""
    return {
        "reference": reference,
        "amount": amount,
        "accountNumber": account_number,
        "description": description,
        "transactionDateTime": when,
        "virtualAccountName": None,
        "virtualAccountNumber": None,
        "counterAccountBankId": "970415",
        "counterAccountBankName": "VietinBank",
        "counterAccountName": "TRAN VAN B",
        "counterAccountNumber": "102874563921",
    }
