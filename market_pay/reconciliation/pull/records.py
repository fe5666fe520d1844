"""A pulled transaction, normalized: what every aggregator's record becomes before it is spooled.
Pure module. Amounts are judged exactly (integers, digit strings, or a Decimal from the JSON
parser — never a float): "18067000.00" is 18067000 đồng, "18067000.50" or garbage refuses the
whole pull, naming the record, because a statement we cannot read exactly is not reconciled."""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from ...common.local_time import VIETNAM
from ...common.money import MAX_LINE_AMOUNT
from .client import PullFailed

_DECIMAL_TEXT = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,6})?")
_ACCOUNT = re.compile(r"[0-9A-Za-z]{1,19}")


class RecordUnreadable(PullFailed):
    """One record of the partner's answer is not what its documentation says."""

    def __init__(self, partner: str, record_id: object, problem: str):
        super().__init__(
            f"{partner} record {str(record_id)[:80]!r}: {problem}; nothing was reconciled "
            "(the whole day is refused, so no line is left out silently)."
        )


@dataclass(frozen=True, slots=True)
class PulledRecord:
    record_id: str  # the partner's id for the transaction (the statement's transaction id)
    bank_reference: str
    booked_at: str  # ISO 8601 with +07:00, or a bare day "2026-11-21" when the partner gives no time
    account_number: str
    bank_brand: str  # as the partner names the bank ("" when it does not): mapped to a BIN later
    direction: str  # "in" | "out"
    amount: int  # đồng, > 0
    description: str


def exact_dong(value: object, partner: str, record_id: object, field: str, signed: bool = False) -> int:
    """An amount as an exact integer of đồng. Accepts an int, a Decimal (the JSON parser's), or a
    digit string with an optional all-zero fraction ("18067000.00")."""
    if isinstance(value, bool) or value is None:
        raise RecordUnreadable(partner, record_id, f"{field} is missing or not a number")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value.strip()):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:  # (the pattern admits only what Decimal reads; kept for safety)
            raise RecordUnreadable(partner, record_id, f"{field} {value!r} is not a number") from None
    else:
        raise RecordUnreadable(partner, record_id, f"{field} {str(value)[:40]!r} is not a number of đồng")
    if not number.is_finite() or number != number.to_integral_value():
        raise RecordUnreadable(partner, record_id, f"{field} {value!s} is not a whole number of đồng")
    amount = int(number)
    if amount < 0 and not signed:
        raise RecordUnreadable(partner, record_id, f"{field} {value!s} is negative")
    if abs(amount) > MAX_LINE_AMOUNT:
        raise RecordUnreadable(partner, record_id, f"{field} {value!s} is above the service's bound per transfer")
    return amount


def text(value: object, partner: str, record_id: object, field: str, limit: int, required: bool = True) -> str:
    if value is None or value == "":
        if required:
            raise RecordUnreadable(partner, record_id, f"{field} is missing")
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RecordUnreadable(partner, record_id, f"{field} is not text")
    found = str(value).strip()
    if len(found) > limit or "\x00" in found:
        raise RecordUnreadable(partner, record_id, f"{field} is longer than {limit} characters or holds NUL")
    return found


def account(value: object, partner: str, record_id: object, field: str) -> str:
    found = text(value, partner, record_id, field, 19)
    if not _ACCOUNT.fullmatch(found):
        raise RecordUnreadable(partner, record_id, f"{field} {found!r} is not an account number")
    return found


def local_time(value: object, partner: str, record_id: object, field: str, day_only_ok: bool = False) -> str:
    """'YYYY-MM-DD HH:MM:SS' in Vietnam time → ISO 8601 with its offset; 'YYYY-MM-DD' alone (Casso
    without a time) stays a bare day, which the matcher reads as "some time that day"."""
    found = text(value, partner, record_id, field, 40)
    if day_only_ok and len(found) == 10:
        try:
            return date.fromisoformat(found).isoformat()
        except ValueError:
            raise RecordUnreadable(partner, record_id, f"{field} {found!r} is not a day") from None
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(found, pattern).replace(tzinfo=VIETNAM).isoformat()
        except ValueError:
            continue
    raise RecordUnreadable(partner, record_id, f"{field} {found!r} is not 'YYYY-MM-DD HH:MM:SS'")
