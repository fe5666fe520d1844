"""A dynamic QR request as the stall's screen and the shopper's /pay page show it."""

from ..banks.directory import find_bank
from ..common.formatting import format_vnd
from ..common.local_time import local_zone
from ..common.page_texts import text
from ..vietqr.codec import parse
from ..vietqr.rendering import render_svg
from .payment_requests import applied_transactions, effective_status
from .request_states import payable_payload, state_view


def request_view(payment_request, lang: str = "vi", *, svg: bool = True, payer: bool = False) -> dict:
    """A dynamic QR as the stall's screen and the shopper's page show it (public facts only: what
    the QR itself carries, plus the stall and the account holder's registered name). The code
    (`svg`, `payload`) is there only while paying is still right (payments/request_states.py):
    for the remainder once underpaid, never once paid, expired or cancelled. `payer` adds the
    payer's name, for the stall's own board only (payments/privacy.py)."""
    zone = local_zone()
    status = effective_status(payment_request)
    account, vendor = payment_request.account, payment_request.vendor
    bank = find_bank(account.bin)
    state = state_view(payment_request, status, lang)
    payload = payable_payload(payment_request) if state["payable"] else None
    view = {
        "reference": payment_request.reference,
        "amount": payment_request.amount,
        "amount_text": format_vnd(payment_request.amount, lang),
        "status": status,
        "status_text": text(lang, f"pay_status_{status}"),
        "paid_amount": payment_request.paid_amount,
        "paid_amount_text": format_vnd(payment_request.paid_amount, lang),
        "expires_at": payment_request.expires_at.isoformat(),
        "expires_time": payment_request.expires_at.astimezone(zone).strftime("%H:%M"),
        "payload": payload,
        "pay_url": f"/pay/{payment_request.reference}",
        "stall_code": vendor.stall_code,
        "stall_name": vendor.display_name,
        "market_name": vendor.market.name,
        "account_name": account.account_name,
        "bank": bank.short_name if bank else account.bin,
        "account_number": account.account_number,
        "content": parse(payment_request.payload).purpose,
        **state,
    }
    if svg:
        view["svg"] = render_svg(payload, 480).decode() if payload else None
    if payer:
        names = [t.payer_name for t in applied_transactions(payment_request) if t.payer_name]
        view["payer_name"] = names[-1] if names else None
    return view
