"""Casso's transaction list: `GET /v2/transactions` with `Authorization: Apikey <API key>`,
`fromDate`/`toDate` (days), `page`, `pageSize`, `sort=ASC`.

The answer is `{"error": 0, "message": …, "data": {"page", "totalPages", "records": […]}}`; each
record has `id` (Casso's), `tid` (the bank's transaction reference), `description`, a signed
`amount` (negative: money out), `cusum_balance`, `when` ("YYYY-MM-DD HH:MM:SS", or only the day for
some banks) and `bankSubAccId` (the account number). Casso names no bank in a record: the BIN comes
from the account's registration (runs.py). Casso sends us no callbacks, so its lines find the
callbacks SePay or the bank sent by the bank's reference (account, tid).
"""

from collections.abc import Iterator
from datetime import date

from .client import ApiClient, PullFailed
from .records import PulledRecord, RecordUnreadable, account, exact_dong, local_time, text

PARTNER = "casso"
PATH = "/v2/transactions"
MAX_PAGE_SIZE = 100


def headers(token: str) -> dict:
    return {"Authorization": f"Apikey {token}"}


def _record(item: object) -> PulledRecord:
    if not isinstance(item, dict):
        raise PullFailed("casso sent a transaction that is not an object; nothing was reconciled.")
    record_id = text(item.get("id"), PARTNER, "?", "id", 100)
    signed = exact_dong(item.get("amount"), PARTNER, record_id, "amount", signed=True)
    if signed == 0:
        raise RecordUnreadable(PARTNER, record_id, "amount is zero")
    return PulledRecord(
        record_id=record_id,
        # Some banks give Casso no reference: Casso's own id then stands in (no callback will share it).
        bank_reference=text(item.get("tid"), PARTNER, record_id, "tid", 100, required=False) or f"CASSO-{record_id}",
        booked_at=local_time(item.get("when"), PARTNER, record_id, "when", day_only_ok=True),
        account_number=account(item.get("bankSubAccId"), PARTNER, record_id, "bankSubAccId"),
        bank_brand="",
        direction="in" if signed > 0 else "out",
        amount=abs(signed),
        description=" ".join(text(item.get("description"), PARTNER, record_id, "description", 1000, False).split()),
    )


def fetch(client: ApiClient, day: date, max_pages: int, page_size: int = MAX_PAGE_SIZE) -> Iterator[PulledRecord]:
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    for page in range(1, max_pages + 1):
        answer = client.get_json(
            PATH,
            {
                "fromDate": day.isoformat(),
                "toDate": day.isoformat(),
                "page": page,
                "pageSize": page_size,
                "sort": "ASC",
            },
        )
        if not isinstance(answer, dict):
            raise PullFailed("casso sent an empty answer; nothing was reconciled.")
        if answer.get("error") not in (0, None):
            message = str(answer.get("message"))[:120]
            raise PullFailed(f"casso answered error {answer.get('error')!s:.10} ({message}); nothing was reconciled.")
        data = answer.get("data")
        if not isinstance(data, dict) or not isinstance(data.get("records"), list):
            raise PullFailed(f"casso's page {page} has no `data.records`; nothing was reconciled.")
        records = data["records"]
        for item in records:
            yield _record(item)
        total_pages = data.get("totalPages")
        if len(records) < page_size or (isinstance(total_pages, int) and page >= total_pages):
            return
    raise PullFailed(f"casso listed more than {max_pages} pages for one day; nothing was reconciled (raise the bound).")
