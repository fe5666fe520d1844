"""SePay's transaction lists: the current API (`GET /v2/transactions`) and the older one
(`GET /userapi/transactions/list`), both with `Authorization: Bearer <API token>`.

v2: `page`/`per_page` (at most 100), `transaction_date_from`/`_to` ("YYYY-MM-DD HH:MM:SS", Vietnam
time); the answer's `data` is the page's records — `id` a UUID, `transaction_date`, `account_number`,
`va` (the virtual account, when the money went to one), `transfer_type`, integer `amount_in` /
`amount_out`, `transaction_content`, `reference_number`, `bank_brand_name`. Pages are followed
until the answer's pagination (`meta`, or `meta.pagination`: `has_more`, `page_count` or
`last_page`, `total`) says the last was read, or, without any, until a page is short.

Older API: `transaction_date_min`/`_max`, `limit` (at most 5000), `since_id`; the answer's
`transactions` hold amounts as strings ("18067000.00"), `id` as the integer id SePay's webhooks send
(so a pulled line matches its callback by id), `sub_account` for the virtual account. It answers a
bad token with an EMPTY 200: that is an authentication failure, never "no transactions". A full
page is followed with `since_id` = the highest id + 1, which needs ids in ascending order: a full
page in any other order is refused rather than paged wrongly.

The v2 UUID is not the webhook's id: a v2 line finds its callback by the bank's reference
(account, reference_number = the callback's referenceCode), which classify.py tries next.
"""

from collections.abc import Iterator
from datetime import date

from .client import ApiClient, AuthenticationFailed, PullFailed
from .records import PulledRecord, RecordUnreadable, account, exact_dong, local_time, text

PARTNER = "sepay"
V2_PATH = "/v2/transactions"
LEGACY_PATH = "/userapi/transactions/list"
V2_MAX_PER_PAGE = 100
LEGACY_MAX_LIMIT = 5000


def headers(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _direction(item: dict, record_id, amount_in: int, amount_out: int) -> tuple[str, int]:
    if amount_in > 0 and amount_out == 0:
        found = ("in", amount_in)
    elif amount_out > 0 and amount_in == 0:
        found = ("out", amount_out)
    else:
        raise RecordUnreadable(PARTNER, record_id, "exactly one of amount_in and amount_out must be above zero")
    stated = item.get("transfer_type")
    if stated not in (None, "", found[0]):
        raise RecordUnreadable(PARTNER, record_id, f"transfer_type {stated!r} disagrees with its amounts")
    return found


def _record(item: object, id_limit: int) -> PulledRecord:
    if not isinstance(item, dict):
        raise PullFailed("sepay sent a transaction that is not an object; nothing was reconciled.")
    record_id = text(item.get("id"), PARTNER, "?", "id", id_limit)
    amount_in = exact_dong(item.get("amount_in"), PARTNER, record_id, "amount_in")
    amount_out = exact_dong(item.get("amount_out"), PARTNER, record_id, "amount_out")
    direction, amount = _direction(item, record_id, amount_in, amount_out)
    # The virtual account, when present, is the account the stall registered (as in the webhook).
    virtual = item.get("va") or item.get("sub_account")
    return PulledRecord(
        record_id=record_id,
        bank_reference=text(item.get("reference_number"), PARTNER, record_id, "reference_number", 100),
        booked_at=local_time(item.get("transaction_date"), PARTNER, record_id, "transaction_date"),
        account_number=account(virtual or item.get("account_number"), PARTNER, record_id, "account_number"),
        bank_brand=text(item.get("bank_brand_name"), PARTNER, record_id, "bank_brand_name", 60, required=False),
        direction=direction,
        amount=amount,
        description=" ".join(
            text(item.get("transaction_content"), PARTNER, record_id, "transaction_content", 1000, False).split()
        ),
    )


def fetch_v2(client: ApiClient, day: date, max_pages: int, per_page: int = V2_MAX_PER_PAGE) -> Iterator[PulledRecord]:
    per_page = max(1, min(per_page, V2_MAX_PER_PAGE))
    for page in range(1, max_pages + 1):
        answer = client.get_json(
            V2_PATH,
            {
                "transaction_date_from": f"{day.isoformat()} 00:00:00",
                "transaction_date_to": f"{day.isoformat()} 23:59:59",
                "transaction_date_sort": "asc",
                "page": page,
                "per_page": per_page,
            },
        )
        if not isinstance(answer, dict) or not isinstance(answer.get("data"), list):
            raise PullFailed(f"sepay's page {page} has no list of transactions (`data`); nothing was reconciled.")
        if answer.get("status") not in (None, "success"):
            raise PullFailed(f"sepay answered status {str(answer.get('status'))[:40]!r}; nothing was reconciled.")
        records = answer["data"]
        for item in records:
            yield _record(item, 100)
        if _was_last_page(answer.get("meta"), page, per_page, len(records)):
            return
    raise PullFailed(f"sepay listed more than {max_pages} pages for one day; nothing was reconciled (raise the bound).")


def _number(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _was_last_page(meta, page: int, per_page: int, count: int) -> bool:
    """Whether the page just read was the day's last. The answer's own pagination decides when it
    has one (`has_more`; else `last_page` / `page_count`; else `total`), found in `meta` or
    `meta.pagination`: a server that pages by fewer than we asked for (v2's default is 20) must not
    end the day after its first page. Without any, a short page is the last. An empty page always
    is (a wrong `has_more` cannot loop: max_pages bounds it too)."""
    if count == 0:
        return True
    fields: dict = {}
    if isinstance(meta, dict):
        nested = meta.get("pagination")
        fields = {**meta, **nested} if isinstance(nested, dict) else dict(meta)
    if isinstance(fields.get("has_more"), bool):
        return not fields["has_more"]
    last = _number(fields.get("last_page")) or _number(fields.get("page_count")) or _number(fields.get("total_pages"))
    if last is not None:
        return page >= last
    total, size = _number(fields.get("total")), _number(fields.get("per_page")) or per_page
    if total is not None:
        return page * size >= total
    return count < per_page


def fetch_legacy(client: ApiClient, day: date, max_pages: int, limit: int = LEGACY_MAX_LIMIT) -> Iterator[PulledRecord]:
    limit = max(1, min(limit, LEGACY_MAX_LIMIT))
    since_id = None
    for _ in range(max_pages):
        params = {
            "transaction_date_min": f"{day.isoformat()} 00:00:00",
            "transaction_date_max": f"{day.isoformat()} 23:59:59",
            "limit": limit,
        }
        if since_id is not None:
            params["since_id"] = since_id
        answer = client.get_json(LEGACY_PATH, params)
        if answer is None:
            # The older API's quirk: a wrong or revoked token gets an empty 200, not a 401.
            raise AuthenticationFailed(
                "sepay's older API answered an empty 200, which is how it refuses a token: set it with "
                "`market-pay partners set sepay --pull-token …`. Nothing was reconciled."
            )
        if not isinstance(answer, dict) or answer.get("error") or not isinstance(answer.get("transactions"), list):
            problem = str(answer.get("error"))[:120] if isinstance(answer, dict) else "no object"
            raise PullFailed(f"sepay's older API answered an error ({problem}); nothing was reconciled.")
        records = answer["transactions"]
        ids = []
        for item in records:
            record = _record(item, 40)
            if not record.record_id.isdigit():
                raise RecordUnreadable(PARTNER, record.record_id, "the older API's id is not a number")
            ids.append(int(record.record_id))
            yield record
        if len(records) < limit:
            return
        if ids != sorted(ids):
            raise PullFailed(
                f"sepay's older API listed a full page of {limit} not in ascending id order, which cannot be "
                "paged safely; use the v2 API (MARKET_PAY_SEPAY_API=v2). Nothing was reconciled."
            )
        since_id = ids[-1] + 1
    raise PullFailed(f"sepay listed more than {max_pages} pages for one day; nothing was reconciled (raise the bound).")
