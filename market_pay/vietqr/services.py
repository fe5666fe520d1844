"""Static codes per stall account, and the public check of whether a scanned code is genuine."""
from sqlalchemy import select

from ..auth.scopes import require_vendor_read
from ..banks.directory import find_bank
from ..common.formatting import format_vnd, mask_account
from ..errors import Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..vendors.models import ReceivingAccount
from ..vendors.services import get_vendor
from .check_code import check_code
from .codec import VietQR, VietQRError, build, parse

STAFF_ROLES = ("admin", "region_staff", "market_manager")


def static_payload(account: ReceivingAccount) -> str:
    """The stall account's registered static code: only what every bank app needs.

    No amount, no purpose, no merchant name: the shopper types the amount and their bank app
    shows the holder's name from the bank itself, so less data means a smaller, sturdier QR.
    """
    return build(account.bin, account.account_number)


def describe_account(account: ReceivingAccount) -> dict:
    payload = static_payload(account)
    return {"account_id": account.id, "bin": account.bin, "bank": find_bank(account.bin).short_name,
            "account_number": account.account_number, "account_name": account.account_name,
            "payload": payload, "check_code": check_code(payload)}


def stall_codes(actor, vendor_id: int) -> list[dict]:
    vendor = get_vendor(actor, vendor_id)
    return [describe_account(a) for a in vendor.accounts if a.active]


def account_for_image(actor, account_id: int) -> ReceivingAccount:
    account = db.session.get(ReceivingAccount, account_id)
    if account is None or not account.active:
        raise NotFound(f"No active account with id {account_id}.")
    require_vendor_read(actor, account.vendor)
    return account


def parse_or_422(text: str) -> VietQR:
    try:
        return parse(text.strip())
    except VietQRError as error:
        raise ValidationFailed("This is not a valid VietQR code.", {"payload": [str(error)]}) from None


def decode_for_staff(actor, text: str) -> VietQR:
    if actor.role not in STAFF_ROLES:
        raise Forbidden("Decoding codes is for staff.")
    return parse_or_422(text)


MESSAGES = {
    "genuine": {"vi": "Mã QR đúng của sạp {stall} – {market}. Người nhận: {name} ({bank}).",
                "en": "Genuine code of stall {stall} – {market}. Payee: {name} ({bank})."},
    "modified": {"vi": "Cảnh báo: mã QR này mang tài khoản của sạp {stall} – {market} nhưng đã bị thay đổi ({changes}). "
                       "Mã in trên thẻ của sạp không có số tiền hay nội dung. Hãy hỏi người bán.",
                 "en": "Warning: this code carries the account of stall {stall} – {market} but has been altered "
                       "({changes}). The stall's printed code has no amount or content. Ask the vendor."},
    "suspended": {"vi": "Cảnh báo: sạp {stall} – {market} đang tạm ngừng hoạt động. Hãy hỏi ban quản lý chợ.",
                  "en": "Warning: stall {stall} – {market} is suspended. Ask the market office."},
    "unknown_account": {"vi": "Mã QR này không thuộc sạp nào đã đăng ký. Đừng thanh toán nếu không chắc chắn.",
                        "en": "This code does not belong to any registered stall. Do not pay unless you are sure."},
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


def verify_code(text: str, lang: str = "vi") -> dict:
    """Is `text` the genuine code of a registered stall? Public: says nothing private."""
    code = parse_or_422(text)
    account = db.session.scalar(select(ReceivingAccount).where(
        ReceivingAccount.bin == code.bin, ReceivingAccount.account_number == code.account,
        ReceivingAccount.active.is_(True)))
    if account is None:
        return {"registered": False, "genuine": False, "status": "unknown_account",
                "message": MESSAGES["unknown_account"][lang]}
    vendor, registered = account.vendor, static_payload(account)
    differences = _alterations(code)
    status = "modified" if differences else ("genuine" if vendor.status == "active" else "suspended")
    content = code.purpose or code.bill_number or code.reference_label
    words = ", ".join(CHANGE_WORDS[d][lang].format(amount=format_vnd(code.amount or 0), purpose=content)
                      for d in differences)
    bank = find_bank(account.bin).short_name
    message = MESSAGES[status][lang].format(stall=vendor.stall_code, market=vendor.market.name,
                                            name=account.account_name, bank=bank, changes=words)
    return {"registered": True, "genuine": status == "genuine", "status": status, "message": message,
            "differences": differences, "market_code": vendor.market.code, "market_name": vendor.market.name,
            "stall_code": vendor.stall_code, "account_name": account.account_name, "bank": bank,
            "account_number_masked": mask_account(account.account_number), "check_code": check_code(registered)}
