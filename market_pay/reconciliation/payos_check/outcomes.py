"""payOS's transfers for one request, as the callbacks that would have brought them: which can be
recorded, which cannot and why. No database of its own: `record` (check.py) writes."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...common.local_time import VIETNAM
from ...payments.partner_formats import IncomingTransfer, MalformedCallback, PartnerTestDelivery, parse_payos
from .client import PayosStatus, PayosTransaction


@dataclass
class Outcome:
    """refused: why this request's answer cannot be used at all (nothing was recorded);
    other_accounts: transfers payOS counts for our request that landed on another account (not
    recorded); recovered: (transaction id, partner transaction id, amount) of money that only
    this check brought."""

    refused: str = ""
    other_accounts: list[dict] = field(default_factory=list)
    recovered: list[tuple[int, str, int]] = field(default_factory=list)


# (the answer, [(transfer, callback payload)]) → [(outcome kind, transaction id, partner txn id)]
Record = Callable[[Any, list[tuple[IncomingTransfer, dict]]], list[tuple[str, int | None, str]]]


def compare(answer, record: Record) -> Outcome:
    """Record what can be recorded safely of payOS's transfers for answer.request. A request
    whose amount payOS gives differently is not ours as we know it: nothing is recorded (the
    caller reports the difference). Any unreadable transfer refuses the whole answer."""
    status, item = answer.status, answer.request
    if status.amount != item.amount:
        return Outcome()
    transfers, others = [], []
    for txn in status.transactions:
        try:
            transfer, payload = parse_transfer(status, txn)
        except MalformedCallback as malformed:
            return Outcome(refused=f"transaction {txn.reference}: {malformed.reason}")
        if transfer.account_number != item.account_number:
            # payOS counts it for our request, but the money is on another account: recording it
            # would credit whoever owns that number. A person looks instead.
            others.append(
                {
                    "problem": "account",
                    "money": transfer.amount,
                    "partner_txn_id": transfer.partner_txn_id,
                    "payos_account": transfer.account_number,
                    "bank_reference": transfer.bank_reference,
                }
            )
            continue
        transfers.append((transfer, payload))
    results = record(answer, transfers) if transfers else []
    recovered = [
        (txn_id, partner_txn_id, transfer.amount)
        for (kind, txn_id, partner_txn_id), (transfer, _) in zip(results, transfers, strict=True)
        if kind == "accepted" and txn_id is not None
    ]
    return Outcome(other_accounts=others, recovered=recovered)


def callback_payload(status: PayosStatus, txn: PayosTransaction) -> dict:
    """The body a payOS callback for this transfer would have had (the fields parse_payos reads),
    so the recovered credit is exactly what the lost callback would have recorded — the same
    partner transaction id "<payment link id>:<reference>" above all."""
    return {
        "code": "00",
        "desc": "success",
        "success": True,
        "data": {
            "orderCode": status.order_code,
            "paymentLinkId": status.link_id,
            "reference": txn.reference,
            "amount": txn.amount,
            "accountNumber": txn.account_number,
            "virtualAccountNumber": txn.virtual_account_number,
            "description": txn.description,
            "transactionDateTime": vietnam_time_text(txn.transaction_date_time),
            "counterAccountName": txn.counter_account_name,
            "counterAccountNumber": txn.counter_account_number,
            "counterAccountBankId": txn.counter_account_bank_id,
            "code": "00",
            "desc": "success",
        },
    }


def parse_transfer(status: PayosStatus, txn: PayosTransaction) -> tuple[IncomingTransfer, dict]:
    """(IncomingTransfer, callback payload), or MalformedCallback with the reason."""
    payload = callback_payload(status, txn)
    try:
        return parse_payos(payload), payload
    except PartnerTestDelivery:
        raise MalformedCallback("payOS's own test link is not money") from None


def vietnam_time_text(value: str) -> str:
    """payOS writes "YYYY-MM-DD HH:MM:SS" (Vietnam time) in callbacks; a status answer may carry
    ISO 8601 with an offset instead. Either becomes the callback's form; anything else is left
    as it is, for parse_payos to refuse."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return moment.astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M:%S")
