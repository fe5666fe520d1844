"""What a stall's assistant may not do, said plainly to them: what, and who can instead.

An assistant (người phụ sạp) takes payments and records cash for the stall; the stall's owner
keeps the book, decides on its accounts and prints its cards, and the market office registers and
changes stalls. The services refuse an assistant with a plain 403 (their English is the API's);
create_app hands `for_the_reader` to errors.py, which rewords every plain 403 an assistant gets:
Vietnamese first (English with ?lang=en or the English page cookie), in the API's one error shape
with `errors.who_can` for a program, or on the error page. What is named comes from the endpoint,
so a refusal raised deep in a service (payments, vendors, kits) needs no change there.
"""

from flask import g, request

from ..common.web import page_lang
from ..errors import Forbidden

OWNER, OFFICE = "vendor", "market_manager"

# what → (who can, Vietnamese, English). Each sentence says what and who, for a person at a stall.
REFUSALS = {
    "revenue": (
        (OWNER,),
        "Người phụ sạp không xem được sổ doanh thu của sạp: sổ là của chủ sạp. "
        "Hãy nhờ chủ sạp xem (ban quản lý chợ có thể in sổ giúp chủ sạp).",
        "An assistant cannot read the stall's revenue book: it is the owner's. Ask the stall's owner "
        "(the market office can print it for them).",
    ),
    "kit": (
        (OWNER, OFFICE),
        "Người phụ sạp không in thẻ QR của sạp được. Hãy nhờ chủ sạp hoặc ban quản lý chợ in.",
        "An assistant cannot print the stall's QR cards. Ask the stall's owner or the market office.",
    ),
    "old_requests": (
        (OWNER,),
        "Người phụ sạp chỉ xem được các mã thanh toán tạo hôm nay. Mã của những ngày trước: hãy hỏi chủ sạp.",
        "An assistant sees today's payment codes only. For earlier days, ask the stall's owner.",
    ),
    "account_decision": (
        (OWNER,),
        "Người phụ sạp không xác nhận hay từ chối được thay đổi tài khoản nhận tiền. "
        "Chỉ chủ sạp làm được, bằng mã PIN của mình.",
        "An assistant cannot confirm or reject a change of the stall's receiving accounts. Only the "
        "stall's owner can, with their PIN.",
    ),
    "stall_details": (
        (OFFICE,),
        "Người phụ sạp không sửa thông tin sạp hay tài khoản nhận tiền được. Việc này do ban quản lý chợ làm.",
        "An assistant cannot change the stall's details or receiving accounts. The market office does that.",
    ),
    "other": (
        (OWNER, OFFICE),
        "Người phụ sạp không làm việc này được. Hãy nhờ chủ sạp hoặc ban quản lý chợ.",
        "An assistant cannot do this. Ask the stall's owner or the market office.",
    ),
}

# The endpoints an assistant is refused at, and what they were trying to do there.
ENDPOINTS = {
    "revenue.revenue_book": "revenue",
    "revenue_pages.book_page": "revenue",
    "revenue_pages.download": "revenue",
    "kits.vendor_kit": "kit",
    "kits.market_kits": "kit",
    "payments.get_payment_request": "old_requests",
    "stall_pages.qr_status": "old_requests",
    "vendors.decide_account": "account_decision",
    "stall_pages.decide_account": "account_decision",
    "vendors.update_vendor": "stall_details",
    "vendors.register_vendor": "stall_details",
    "vendors.add_account": "stall_details",
    "vendors.deactivate_account": "stall_details",
    "vendors.change_vendor_status": "stall_details",
}


class NotForAssistant(Forbidden):
    """403 for an assistant: `message` in the reader's language, `errors.who_can` the roles."""

    def __init__(self, what: str = "other"):
        who, vietnamese, english = REFUSALS[what]
        self.what, self.words = what, {"vi": vietnamese, "en": english}
        # ?lang=en|vi, else the pages' language cookie, else Vietnamese: as the pages choose.
        super().__init__(self.words[page_lang()], {"who_can": list(who)})

    def for_people(self) -> bool:
        return True


def for_the_reader(refusal: Forbidden) -> Forbidden:
    """A plain 403 given to a signed-in assistant, reworded for them; any other refusal as it is."""
    actor = g.get("actor")
    if type(refusal) is not Forbidden or actor is None or actor.role != "vendor_assistant":
        return refusal
    return NotForAssistant(ENDPOINTS.get(request.endpoint or "", "other"))
