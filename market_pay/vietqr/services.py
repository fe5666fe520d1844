"""Static codes per stall account, and the public check of whether a scanned code is genuine."""

from sqlalchemy import select

from ..auth.roles import STAFF_ROLES
from ..auth.scopes import require_vendor_read
from ..banks.directory import bank_short_name, find_bank
from ..common.formatting import format_datetime, format_vnd, mask_account
from ..errors import Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..payments.models import PaymentRequest
from ..payments.references import find_references
from ..vendors.models import ReceivingAccount
from ..vendors.services import get_vendor
from .check_code import check_code
from .codec import SERVICE_CASH, SERVICE_MERCHANT, Reading, VietQR, VietQRError, build, read


def static_payload(account: ReceivingAccount) -> str:
    """The stall account's registered static code: only what every bank app needs.

    No amount, no purpose, no merchant name: the shopper types the amount and their bank app
    shows the holder's name from the bank itself, so less data means a smaller, sturdier QR.
    """
    return build(account.bin, account.account_number)


def describe_account(account: ReceivingAccount) -> dict:
    payload = static_payload(account)
    return {
        "account_id": account.id,
        "bin": account.bin,
        "bank": bank_short_name(account.bin),
        "account_number": account.account_number,
        "account_name": account.account_name,
        "payload": payload,
        "check_code": check_code(payload),
    }


def stall_codes(actor, vendor_id: int) -> list[dict]:
    vendor = get_vendor(actor, vendor_id)
    return [describe_account(a) for a in vendor.accounts if a.active]


def account_for_image(actor, account_id: int) -> ReceivingAccount:
    account = db.session.get(ReceivingAccount, account_id)
    if account is None or not account.active:
        raise NotFound(f"No active account with id {account_id}.")
    require_vendor_read(actor, account.vendor)
    return account


def read_or_422(text: str) -> Reading:
    """Any real VietQR form (codec.read), or a 422 naming the field and position in `errors`."""
    try:
        return read(text.strip())
    except VietQRError as error:
        raise ValidationFailed("This is not a valid VietQR code.", {"payload": [str(error)]}) from None


def decode_for_staff(actor, text: str) -> Reading:
    if actor.role not in STAFF_ROLES:
        raise Forbidden("Decoding codes is for staff.")
    return read_or_422(text)


MESSAGES = {
    "genuine": {
        "vi": "Mã QR đúng của sạp {stall} – {market}. Người nhận: {name} ({bank}).",
        "en": "Genuine code of stall {stall} – {market}. Payee: {name} ({bank}).",
    },
    "modified": {
        "vi": "Cảnh báo: mã QR này mang tài khoản của sạp {stall} – {market} nhưng đã bị thay đổi ({changes}). "
        "Mã in trên thẻ của sạp không có số tiền hay nội dung. Hãy hỏi người bán.",
        "en": "Warning: this code carries the account of stall {stall} – {market} but has been altered "
        "({changes}). The stall's printed code has no amount or content. Ask the vendor.",
    },
    "suspended": {
        "vi": "Cảnh báo: sạp {stall} – {market} đang tạm ngừng hoạt động. Hãy hỏi ban quản lý chợ.",
        "en": "Warning: stall {stall} – {market} is suspended. Ask the market office.",
    },
    "unknown_account": {
        "vi": "Mã QR này không thuộc sạp nào đã đăng ký. Đừng thanh toán nếu không chắc chắn.",
        "en": "This code does not belong to any registered stall. Do not pay unless you are sure.",
    },
    "foreign_merchant": {
        "vi": "Không phải mã của sạp đã đăng ký ở chợ này. Đây là mã thanh toán cửa hàng do ngân hàng "
        "{bank} cấp{named}. Chỉ thanh toán nếu bạn đang mua ở chính cửa hàng đó.",
        "en": "Not a code of a registered stall of this market. It is a shop's payment code issued "
        "by {bank}{named}. Pay only if you are buying from that shop.",
    },
    "cash_code": {
        "vi": "Không phải mã của sạp đã đăng ký ở chợ này. Đây là mã rút tiền mặt ở cây ATM, "
        "không phải mã để trả tiền cho người bán.",
        "en": "Not a code of a registered stall of this market. It is an ATM cash-withdrawal code, "
        "not a code to pay a vendor.",
    },
}
# What a shopper should do with a code we issued, by the request's state (validity).
REQUEST_MESSAGES = {
    "pending": {
        "vi": "Mã thanh toán đúng của sạp {stall} – {market}: {amount}, còn hiệu lực đến {until}. "
        "Người nhận: {name} ({bank}).",
        "en": "Genuine payment code of stall {stall} – {market}: {amount}, valid until {until}. "
        "Payee: {name} ({bank}).",
    },
    "paid": {
        "vi": "Mã thanh toán của sạp {stall} – {market} ({amount}) đã được thanh toán. Đừng chuyển thêm lần nữa.",
        "en": "This payment code of stall {stall} – {market} ({amount}) is already paid. Do not pay it again.",
    },
    "underpaid": {
        "vi": "Mã thanh toán của sạp {stall} – {market} ({amount}) đã được trả một phần. "
        "Hãy hỏi người bán số tiền còn thiếu.",
        "en": "This payment code of stall {stall} – {market} ({amount}) is partly paid. "
        "Ask the vendor what is still owed.",
    },
    "expired": {
        "vi": "Mã thanh toán của sạp {stall} – {market} ({amount}) đã hết hạn. Hãy nhờ người bán tạo mã mới.",
        "en": "This payment code of stall {stall} – {market} ({amount}) has expired. Ask the vendor for a new one.",
    },
    "cancelled": {
        "vi": "Mã thanh toán của sạp {stall} – {market} ({amount}) đã bị huỷ. Hãy nhờ người bán tạo mã mới.",
        "en": "This payment code of stall {stall} – {market} ({amount}) was cancelled. Ask the vendor for a new one.",
    },
}
# Request statuses as a shopper needs them: can this code still be paid?
VALIDITY = {
    "pending": "pending",
    "paid": "paid",
    "overpaid": "paid",
    "paid_late": "paid",
    "underpaid": "underpaid",
    "expired": "expired",
    "cancelled": "cancelled",
}
ALTERED_REQUEST = {
    "vi": "Cảnh báo: mã này mang số tham chiếu của một yêu cầu thanh toán của sạp {stall} – {market}, "
    "nhưng {changes} khác với mã sạp đã tạo. Đừng thanh toán; hãy hỏi người bán.",
    "en": "Warning: this code carries the reference of a payment request of stall {stall} – {market}, "
    "but its {changes} differ from the code the stall issued. Do not pay; ask the vendor.",
}
REQUEST_CHANGE_WORDS = {
    "amount": {"vi": "số tiền", "en": "amount"},
    "account": {"vi": "tài khoản nhận", "en": "account"},
}
CHANGE_WORDS = {
    "amount": {"vi": "thêm số tiền {amount}", "en": "amount {amount} added"},
    "purpose": {"vi": "thêm nội dung “{purpose}”", "en": "content “{purpose}” added"},
}


def _alterations(code: VietQR) -> list[str]:
    """How a scanned code for a registered account departs from the printed static code.

    The printed code carries neither amount nor content. Extra cosmetic fields (a merchant name
    from the bank's own card, say) still pay the same account, so only what changes the
    payment itself counts: a preset amount (the "200 đ" trick) or preset content.
    """
    changes = []
    if code.amount is not None:
        changes.append("amount")
    if code.purpose or code.bill_number or code.reference_label:
        changes.append("purpose")
    return changes


def _issued_request(code: VietQR) -> PaymentRequest | None:
    """The payment request whose reference the code carries (62.08, or 62.01/62.05), if we issued one."""
    for content in (code.purpose, code.bill_number, code.reference_label):
        for reference in find_references(content or ""):
            request = db.session.scalar(select(PaymentRequest).where(PaymentRequest.reference == reference))
            if request is not None:
                return request
    return None


def _active_account(bin_code: str, number: str) -> ReceivingAccount | None:
    # Only active accounts: one still waiting for its second confirmation (four-eyes) is never genuine.
    return db.session.scalar(
        select(ReceivingAccount).where(
            ReceivingAccount.bin == bin_code,
            ReceivingAccount.account_number == number,
            ReceivingAccount.active.is_(True),
        )
    )


def _public_fields(account: ReceivingAccount) -> dict:
    vendor = account.vendor
    return {
        "market_code": vendor.market.code,
        "market_name": vendor.market.name,
        "stall_code": vendor.stall_code,
        "account_name": account.account_name,
        "bank": bank_short_name(account.bin),
        "account_number_masked": mask_account(account.account_number),
        "check_code": check_code(static_payload(account)),
    }


def _verify_request(code: VietQR, request: PaymentRequest, lang: str) -> dict | None:
    """The verdict on a dynamic code carrying one of our references; None when its account is
    no longer an active account (then it is judged like any other code)."""
    from ..payments.payment_requests import effective_status  # payments imports this package's codec

    issued = request.account
    vendor = request.vendor
    # The pay page and the board show an underpaid request's remainder (amount − paid) with the
    # same content (payments/request_states.py): that code is ours too.
    issued_amounts = {request.amount, request.amount - request.paid_amount} if request.paid_amount else {request.amount}
    changes = [
        name
        for name, same in (
            ("amount", code.amount in issued_amounts),
            ("account", (code.bin, code.account) == (issued.bin, issued.account_number)),
        )
        if not same
    ]
    words = {"stall": vendor.stall_code, "market": vendor.market.name}
    if changes:
        message = ALTERED_REQUEST[lang].format(
            changes=", ".join(REQUEST_CHANGE_WORDS[c][lang] for c in changes), **words
        )
        return {
            "registered": True,
            "genuine": False,
            "status": "modified",
            "message": message,
            "differences": changes,
            "market_code": vendor.market.code,
            "market_name": vendor.market.name,
            "stall_code": vendor.stall_code,
        }
    account = _active_account(code.bin, code.account)
    if account is None:
        return None
    if vendor.status != "active":
        return None
    validity = VALIDITY.get(effective_status(request), "expired")
    message = REQUEST_MESSAGES[validity][lang].format(
        amount=format_vnd(request.amount),
        until=format_datetime(request.expires_at),
        name=account.account_name,
        bank=bank_short_name(account.bin),
        **words,
    )
    return {
        "registered": True,
        "genuine": True,
        "status": "genuine",
        "message": message,
        "differences": [],
        **_public_fields(account),
        "payment_request": {
            "reference": request.reference,
            "amount": request.amount,
            "validity": validity,
            "expires_at": request.expires_at,
        },
    }


def verify_code(text: str, lang: str = "vi") -> dict:
    """Is `text` the genuine code of a registered stall? Public: says nothing private.

    A static code is genuine when it is exactly what the stall's card carries. A dynamic code is
    genuine when it carries the reference of a request we issued, with that request's account and
    amount; any other amount or content on a stall's account is the "altered" warning.
    """
    reading = read_or_422(text)
    verdict = _verify(reading.code, lang)
    if reading.warnings:
        verdict["warnings"] = list(reading.warnings)
    return verdict


def _not_a_stall(code: VietQR, lang: str) -> dict:
    """A bank's merchant code (QRPUSH) or an ATM's cash code (QRCASH): real, but never a stall's."""
    bank = find_bank(code.bin)
    bank_name = bank.short_name if bank else code.bin
    if code.service_code == SERVICE_CASH:
        return {"registered": False, "genuine": False, "status": "cash_code", "message": MESSAGES["cash_code"][lang]}
    named = f" ({code.merchant_name.strip()})" if code.merchant_name and code.merchant_name.strip() else ""
    return {
        "registered": False,
        "genuine": False,
        "status": "foreign_merchant",
        "bank": bank_name,
        "message": MESSAGES["foreign_merchant"][lang].format(bank=bank_name, named=named),
    }


def _verify(code: VietQR, lang: str) -> dict:
    if code.service_code in (SERVICE_MERCHANT, SERVICE_CASH):
        return _not_a_stall(code, lang)
    request = _issued_request(code) if code.amount is not None or code.is_dynamic else None
    if request is not None:
        verdict = _verify_request(code, request, lang)
        if verdict is not None:
            return verdict
    account = _active_account(code.bin, code.account)
    if account is None:
        return {
            "registered": False,
            "genuine": False,
            "status": "unknown_account",
            "message": MESSAGES["unknown_account"][lang],
        }
    vendor, registered = account.vendor, static_payload(account)
    differences = _alterations(code)
    status = "modified" if differences else ("genuine" if vendor.status == "active" else "suspended")
    content = code.purpose or code.bill_number or code.reference_label
    words = ", ".join(
        CHANGE_WORDS[d][lang].format(amount=format_vnd(code.amount or 0), purpose=content) for d in differences
    )
    bank = bank_short_name(account.bin)
    message = MESSAGES[status][lang].format(
        stall=vendor.stall_code, market=vendor.market.name, name=account.account_name, bank=bank, changes=words
    )
    return {
        "registered": True,
        "genuine": status == "genuine",
        "status": status,
        "message": message,
        "differences": differences,
        "market_code": vendor.market.code,
        "market_name": vendor.market.name,
        "stall_code": vendor.stall_code,
        "account_name": account.account_name,
        "bank": bank,
        "account_number_masked": mask_account(account.account_number),
        "check_code": check_code(registered),
    }
