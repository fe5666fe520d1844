"""Each partner's callback body → one IncomingTransfer. Pure module (no Flask, no database).

A body that is authentic but unusable raises MalformedCallback: the caller stores it, answers
2xx so the partner stops retrying, and files it in suspense with the reason.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal, overload

from ..banks.directory import all_banks
from ..common import jsontext
from ..common.local_time import VIETNAM
from ..common.money import MAX_LINE_AMOUNT
from ..common.schemas import FIRST_DATE, LAST_DATE


class Partner(StrEnum):
    """The banks' callback partners (their path in /api/v1/callbacks/<partner>, their statements)."""

    SIMBANK = "simbank"
    SEPAY = "sepay"
    PAYOS = "payos"


PARTNERS = tuple(Partner)
PARTNER_NAMES = tuple(partner.value for partner in Partner)  # for choices and the OpenAPI enum
# Casso sends us no callbacks (no route, no parser): we only pull its transaction lists, so it has
# credentials (a pull token) and reconciliation runs, but is not a Partner.
CASSO = "casso"
STATEMENT_PARTNERS = (*PARTNER_NAMES, CASSO)
# Whose API we call with a pull token (PartnerCredential kind "pull_token").
PULL_TOKEN_PARTNERS = ("sepay", CASSO, "payos")
_ACCOUNT = re.compile(r"^[A-Za-z0-9]{1,19}$")
# payOS's confirm-webhook step sends its documented sample delivery, signed with the merchant's
# checksum key: payment link 124c33293c43417ab7879e14c8d9eb18, order 123. That link id is payOS's
# own and belongs to no merchant's link, so the pair marks the test. The description never does:
# it is whatever the payer typed ("VQRIO123", "Ma giao dich thu nghiem" included), and money that
# arrives with those words is real money.
PAYOS_TEST_PAYMENT_LINK_ID = "124c33293c43417ab7879e14c8d9eb18"
PAYOS_TEST_ORDER_CODE = 123


class MalformedCallback(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class PartnerTestDelivery(Exception):
    """A partner's own test delivery: acknowledge it and keep it in the inbox, as no money."""


@dataclass(frozen=True)
class IncomingTransfer:
    partner: str
    partner_txn_id: str
    bank_reference: str
    bin: str | None
    account_number: str
    amount: int
    direction: str  # "in" | "out"
    description: str
    booked_at: datetime
    payer_name: str | None = None
    payer_account: str | None = None
    payer_bin: str | None = None
    reverses: str | None = None  # the partner txn id a reversal undoes


def _json_object(body: bytes) -> dict:
    try:
        data = jsontext.loads(body)
    except (ValueError, UnicodeDecodeError):  # nested too deep included
        raise MalformedCallback("body is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedCallback("body is not a JSON object")
    return data


@overload
def _text(data: dict, key: str, required: Literal[True] = True, limit: int = 500) -> str: ...
@overload
def _text(data: dict, key: str, required: bool, limit: int = 500) -> str | None: ...
def _text(data: dict, key: str, required: bool = True, limit: int = 500) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise MalformedCallback(f"missing {key}")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise MalformedCallback(f"{key} is not text")
    value = str(value)
    if len(value) > limit or "\x00" in value:
        raise MalformedCallback(f"{key} is too long or contains NUL")
    return value


def _amount(data: dict, key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise MalformedCallback(f"{key} must be a positive whole number of đồng")
    if value > MAX_LINE_AMOUNT:
        # Signed, so kept (inbox + suspense "malformed") for a person, but never booked: no real
        # transfer is this large (common/money.py), and the reports could not add it up.
        raise MalformedCallback(f"{key} is above the service's bound of {MAX_LINE_AMOUNT} đồng per transfer")
    return value


def _account(data: dict, key: str) -> str:
    value = _text(data, key)
    if not _ACCOUNT.match(value):
        raise MalformedCallback(f"{key} is not an account number")
    return value


def _local_time(data: dict, key: str) -> datetime:
    """'YYYY-MM-DD HH:MM:SS' in Vietnam time (SePay, payOS send no zone)."""
    value = _text(data, key)
    try:
        moment = datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=VIETNAM)
    except ValueError:
        raise MalformedCallback(f"{key} is not 'YYYY-MM-DD HH:MM:SS'") from None
    return _within_years(moment, key)


def _within_years(moment: datetime, key: str) -> datetime:
    """A booking time in the years the service handles (common/schemas.py FIRST_DATE..LAST_DATE,
    in UTC and in Vietnam time). Year 1 at +07:00 is 1 BC in UTC and year 9999 at -12:00 is year
    10000: PostgreSQL stores both, but Python cannot read them back, so one such signed callback
    made the stall's feed, board and reports answer 500 from then on. Kept as malformed instead."""
    try:
        years = {moment.astimezone(UTC).year, moment.astimezone(VIETNAM).year}
    except (OverflowError, ValueError):
        years = {0}
    if not all(FIRST_DATE.year <= year <= LAST_DATE.year for year in years):
        raise MalformedCallback(f"{key} is outside the years {FIRST_DATE.year}-{LAST_DATE.year}")
    return moment


def parse_simbank(body: bytes) -> IncomingTransfer:
    data = _json_object(body)
    direction = data.get("direction")
    if direction not in ("in", "out"):
        raise MalformedCallback("direction must be 'in' or 'out'")
    bin_code = _text(data, "bin")
    if not re.fullmatch(r"\d{6}", bin_code):
        raise MalformedCallback("bin must be 6 digits")
    try:
        booked_at = datetime.fromisoformat(_text(data, "booked_at"))
    except ValueError:
        raise MalformedCallback("booked_at is not ISO 8601") from None
    if booked_at.tzinfo is None:
        raise MalformedCallback("booked_at has no UTC offset")
    booked_at = _within_years(booked_at, "booked_at")
    return IncomingTransfer(
        partner="simbank",
        partner_txn_id=_text(data, "transaction_id", limit=100),
        bank_reference=_text(data, "bank_reference", limit=100),
        bin=bin_code,
        account_number=_account(data, "account_number"),
        amount=_amount(data, "amount"),
        direction=direction,
        description=_text(data, "description", required=False) or "",
        booked_at=booked_at,
        payer_name=_text(data, "payer_name", required=False, limit=200),
        payer_account=_text(data, "payer_account", required=False, limit=40),
        payer_bin=_text(data, "payer_bin", required=False, limit=10),
        reverses=_text(data, "reverses", required=False, limit=100) if direction == "out" else None,
    )


def bin_for_bank_name(gateway: str | None) -> str | None:
    """SePay names the bank by brand ("Vietcombank", "MBBank", "VCB"): map it to a BIN (None when
    it is not a bank of the directory). Also used for SePay's pulled transaction lists."""
    if not gateway:
        return None
    wanted = gateway.strip().lower()
    for bank in all_banks():
        if wanted in (bank.short_name.lower(), bank.code.lower()):
            return bank.bin
    return None


def parse_sepay(body: bytes) -> IncomingTransfer:
    data = _json_object(body)
    if isinstance(data.get("id"), bool) or not isinstance(data.get("id"), int):
        raise MalformedCallback("id must be an integer")
    direction = data.get("transferType")
    if direction not in ("in", "out"):
        raise MalformedCallback("transferType must be 'in' or 'out'")
    # A virtual sub-account, when present, is the account the stall registered.
    account = _account(data, "subAccount") if data.get("subAccount") else _account(data, "accountNumber")
    return IncomingTransfer(
        partner="sepay",
        partner_txn_id=str(data["id"]),
        bank_reference=_text(data, "referenceCode", limit=100),
        bin=bin_for_bank_name(_text(data, "gateway", required=False, limit=60)),
        account_number=account,
        amount=_amount(data, "transferAmount"),
        direction=direction,
        description=_text(data, "content", required=False) or _text(data, "description", required=False) or "",
        booked_at=_local_time(data, "transactionDate"),
    )


def is_payos_test(data: dict) -> bool:
    """Whether `data` is payOS's confirm-webhook sample (by its link id and order code only)."""
    order_code = data.get("orderCode")
    return (
        data.get("paymentLinkId") == PAYOS_TEST_PAYMENT_LINK_ID
        and not isinstance(order_code, bool)
        and order_code == PAYOS_TEST_ORDER_CODE
    )


def parse_payos(payload: dict) -> IncomingTransfer:
    """`payload` is the already-verified body; money is in `data`."""
    data = payload.get("data")
    if not isinstance(data, dict):
        raise MalformedCallback("data is not an object")
    if is_payos_test(data):
        raise PartnerTestDelivery()
    if data.get("code") not in (None, "00") or payload.get("success") is False:
        raise MalformedCallback(f"payOS reports code {data.get('code')!r}: not a successful payment")
    account = data.get("virtualAccountNumber") or data.get("accountNumber")
    return IncomingTransfer(
        partner="payos",
        partner_txn_id=f"{_text(data, 'paymentLinkId', limit=80)}:{_text(data, 'reference', limit=100)}",
        bank_reference=_text(data, "reference", limit=100),
        bin=None,
        account_number=_account({"account": account}, "account"),
        amount=_amount(data, "amount"),
        direction="in",
        description=_text(data, "description", required=False) or "",
        booked_at=_local_time(data, "transactionDateTime"),
        payer_name=_text(data, "counterAccountName", required=False, limit=200),
        payer_account=_text(data, "counterAccountNumber", required=False, limit=40),
        payer_bin=_text(data, "counterAccountBankId", required=False, limit=10),
    )
