"""The office's words, Vietnamese first, English available; merged into the pages' one word list
(common/page_texts.py) when the office is loaded, kept here so the lists there stay readable."""
import re

from ..common.page_texts import TEXTS

OFFICE_TEXTS = {
    "vi": {
        "office": "Văn phòng chợ", "title_office_login": "Đăng nhập văn phòng chợ",
        "choose_market": "Chọn chợ", "no_markets_office": "Bạn chưa được giao chợ nào.",
        "stalls": "Các sạp", "search": "Tìm", "search_hint": "Mã sạp, tên hoặc số điện thoại",
        "status": "Trạng thái", "all": "Tất cả", "status_active": "Đang hoạt động", "status_suspended": "Tạm ngừng",
        "accounts": "Tài khoản nhận tiền", "accounts_line": "{active} đang dùng · {pending} chờ xác nhận",
        "today_activity": "Hôm nay", "today_line": "{count} khoản · {value}", "quiet_flag": "Vắng bất thường",
        "stall_code": "Mã sạp", "display_name": "Tên hiển thị", "legal_name": "Họ tên trên CCCD",
        "floor_amount": "Mức cảnh báo tối thiểu (₫)", "floor_hint": "Khoản dưới mức này được đọc kèm cảnh báo. Để trống nếu không dùng.",
        "no_stalls": "Không có sạp nào.", "previous": "« Trang trước", "next": "Trang sau »",
        "page_of": "Trang {page}", "new_stall": "Đăng ký sạp mới", "edit": "Sửa", "open": "Mở",
        "suspend": "Tạm ngừng sạp", "reactivate": "Cho hoạt động lại", "reason": "Lý do",
        "first_account": "Tài khoản nhận tiền đầu tiên", "bank": "Ngân hàng",
        "account_name_hint": "Phải trùng họ tên trên CCCD (Thông tư 25/2025/TT-NHNN).",
        "register": "Đăng ký", "saved": "Đã lưu.", "registered": "Đã đăng ký sạp {stall}.",
        "fix_errors": "Hãy sửa các ô được đánh dấu.", "legal_name_admin_only": "Chỉ quản trị viên được sửa họ tên trên CCCD.",
        "account_pending_note": "Tài khoản do ban quản lý thêm chỉ dùng được khi chủ sạp xác nhận bằng mã PIN (hoặc quản trị viên duyệt).",
        "add_account": "Thêm tài khoản", "deactivate": "Ngừng dùng", "withdraw": "Rút yêu cầu", "approve": "Duyệt",
        "acct_active": "Đang dùng", "acct_pending": "Chờ chủ sạp xác nhận", "acct_inactive": "Đã ngừng",
        "acct_rejected": "Bị từ chối", "acct_deactivate_pending": "Chờ xác nhận ngừng dùng",
        "logins": "Tài khoản đăng nhập của sạp", "role_vendor": "Chủ sạp", "role_vendor_assistant": "Người phụ bán",
        "must_change": "phải đổi PIN khi đăng nhập", "reset_pin": "Cấp lại mã PIN",
        "new_assistant": "Tạo đăng nhập cho người phụ bán", "assistant_phone": "Số điện thoại người phụ bán",
        "create": "Tạo", "new_vendor_login": "Tạo đăng nhập cho chủ sạp",
        "pin_shown_title": "Mã PIN mới", "pin_shown_for": "Mã PIN mới của {who}:",
        "pin_shown_once": "Mã chỉ hiện một lần. Đưa cho người dùng; họ phải đổi mã khi đăng nhập lần đầu.",
        "back_to_stall": "Về trang sạp", "back_to_stalls": "Về danh sách sạp",
        "print_cards": "In thẻ sạp", "print_market": "In thẻ cả chợ", "print_selected": "In thẻ các sạp đã chọn",
        "print_stall": "In thẻ sạp này", "layout": "Khổ in", "layout_a6": "A6 (mỗi trang một thẻ)", "layout_a4": "In khổ A4 (4 thẻ một trang)",
        "select": "Chọn", "reprint_hint": "In lại thẻ sau khi tài khoản thay đổi.",
        "suspense": "Tiền chờ xử lý", "audit_log": "Nhật ký thay đổi", "reports_link": "Báo cáo",
        "nothing_selected": "Chưa chọn sạp nào.", "no_logins": "Sạp chưa có tài khoản đăng nhập.",
        "suspense_open": "Đang chờ", "suspense_resolved": "Đã xử lý", "suspense_none": "Không có khoản nào.",
        "booked_at": "Ngân hàng ghi lúc", "payer": "Người chuyển", "detail": "Chi tiết", "resolution": "Đã xử lý",
        "resolution_assigned": "Đã ghi cho sạp", "resolution_refund": "Hoàn tiền", "resolution_dismissed": "Bỏ qua",
        "resolve_how": "Xử lý thế nào", "action_assign_stall": "Ghi cho một sạp", "action_assign_request": "Ghi cho một mã thanh toán",
        "action_refund": "Hoàn tiền cho người chuyển", "action_dismiss": "Bỏ qua (ghi rõ lý do)",
        "request_reference": "Mã thanh toán", "note": "Ghi chú", "resolve": "Xử lý",
        "reason_unknown_account": "Tài khoản nhận không thuộc sạp nào", "reason_inactive_account": "Tài khoản chưa dùng được (đã ngừng hoặc chờ chủ sạp xác nhận)",
        "reason_ambiguous": "Nội dung có nhiều mã thanh toán", "reason_unknown_reference": "Mã thanh toán không tồn tại",
        "reason_foreign_reference": "Mã thanh toán của sạp khác", "reason_unmatched_reversal": "Hoàn tiền không khớp khoản nào",
        "reason_malformed": "Tin báo của ngân hàng không đọc được",
        "audit_none": "Chưa có thay đổi nào.", "at": "Lúc", "who": "Người làm", "what": "Việc", "entity": "Đối tượng",
    },
    "en": {
        "office": "Market office", "title_office_login": "Market office sign-in",
        "choose_market": "Choose a market", "no_markets_office": "No market is assigned to you.",
        "stalls": "Stalls", "search": "Search", "search_hint": "Stall code, name or phone",
        "status": "Status", "all": "All", "status_active": "Active", "status_suspended": "Suspended",
        "accounts": "Receiving accounts", "accounts_line": "{active} active · {pending} awaiting confirmation",
        "today_activity": "Today", "today_line": "{count} payments · {value}", "quiet_flag": "Unusually quiet",
        "stall_code": "Stall code", "display_name": "Display name", "legal_name": "Legal name (as on ID)",
        "floor_amount": "Warning floor (₫)", "floor_hint": "Payments below this are announced with a warning. Leave empty for none.",
        "no_stalls": "No stalls.", "previous": "« Previous", "next": "Next »",
        "page_of": "Page {page}", "new_stall": "Register a stall", "edit": "Edit", "open": "Open",
        "suspend": "Suspend stall", "reactivate": "Reactivate", "reason": "Reason",
        "first_account": "First receiving account", "bank": "Bank",
        "account_name_hint": "Must match the legal name on the ID (Circular 25/2025/TT-NHNN).",
        "register": "Register", "saved": "Saved.", "registered": "Stall {stall} registered.",
        "fix_errors": "Correct the marked fields.", "legal_name_admin_only": "Only an administrator may correct the legal name.",
        "account_pending_note": "An account the office adds is used only once the stall's owner confirms it with their PIN (or an administrator approves it).",
        "add_account": "Add an account", "deactivate": "Deactivate", "withdraw": "Withdraw request", "approve": "Approve",
        "acct_active": "Active", "acct_pending": "Awaiting the owner's confirmation", "acct_inactive": "Deactivated",
        "acct_rejected": "Rejected", "acct_deactivate_pending": "Deactivation awaiting confirmation",
        "logins": "The stall's sign-ins", "role_vendor": "Owner", "role_vendor_assistant": "Assistant",
        "must_change": "must change PIN at sign-in", "reset_pin": "Reset PIN",
        "new_assistant": "Create an assistant sign-in", "assistant_phone": "Assistant's phone number",
        "create": "Create", "new_vendor_login": "Create the owner's sign-in",
        "pin_shown_title": "New PIN", "pin_shown_for": "New PIN for {who}:",
        "pin_shown_once": "Shown only once. Give it to the user; they must change it at their first sign-in.",
        "back_to_stall": "Back to the stall", "back_to_stalls": "Back to the stalls",
        "print_cards": "Print cards", "print_market": "Print the whole market's cards", "print_selected": "Print the selected stalls' cards",
        "print_stall": "Print this stall's cards", "layout": "Paper", "layout_a6": "A6 (one card a page)", "layout_a4": "Print on A4 (4 cards a page)",
        "select": "Select", "reprint_hint": "Reprint the cards after an account change.",
        "suspense": "Money awaiting action", "audit_log": "Audit log", "reports_link": "Reports",
        "nothing_selected": "No stall selected.", "no_logins": "The stall has no sign-in yet.",
        "suspense_open": "Waiting", "suspense_resolved": "Resolved", "suspense_none": "Nothing here.",
        "booked_at": "Booked by the bank", "payer": "Payer", "detail": "Detail", "resolution": "Resolved",
        "resolution_assigned": "Credited to a stall", "resolution_refund": "Refund", "resolution_dismissed": "Dismissed",
        "resolve_how": "What to do", "action_assign_stall": "Credit a stall", "action_assign_request": "Credit a payment request",
        "action_refund": "Refund the payer", "action_dismiss": "Dismiss (say why)",
        "request_reference": "Payment reference", "note": "Note", "resolve": "Resolve",
        "reason_unknown_account": "The receiving account belongs to no stall", "reason_inactive_account": "The account is not live (deactivated or awaiting the owner)",
        "reason_ambiguous": "Several payment references in the content", "reason_unknown_reference": "No such payment reference",
        "reason_foreign_reference": "Another stall's payment reference", "reason_unmatched_reversal": "A reversal of nothing known",
        "reason_malformed": "The bank's message could not be read",
        "audit_none": "No changes yet.", "at": "At", "who": "Who", "what": "Action", "entity": "Object",
    },
}

for _lang, _words in OFFICE_TEXTS.items():
    TEXTS[_lang].update(_words)

# The services answer in English (the API's words); the office shows their usual refusals in
# Vietnamese. A message not listed here is shown as the service wrote it.
SERVICE_WORDS_VI = (
    (re.compile(r"^Not a Vietnamese phone number"), "Không phải số điện thoại Việt Nam (ví dụ 0912345678)."),
    (re.compile(r"^Vendors sign in with a Vietnamese phone number"), "Người bán đăng nhập bằng số điện thoại Việt Nam (ví dụ 0912345678)."),
    (re.compile(r"^Not a bank BIN"), "Hãy chọn ngân hàng trong danh sách."),
    (re.compile(r"^1–19 letters or digits"), "Số tài khoản gồm 1–19 chữ số hoặc chữ cái, không có dấu cách."),
    (re.compile(r"^This account number is already registered"), "Số tài khoản này đã được đăng ký cho một sạp (ở ngân hàng này hoặc ngân hàng khác)."),
    (re.compile(r"^The account name must be the vendor's legal name as on their ID \((.*)\)\.$"),
     "Tên tài khoản phải trùng họ tên trên CCCD của chủ sạp ({0})."),
    (re.compile(r"^Stall (.*) exists in (.*)\.$"), "Mã sạp {0} đã có ở chợ {1}."),
    (re.compile(r"^This username is taken\."), "Số điện thoại này đã có tài khoản đăng nhập."),
    (re.compile(r"^Missing data for required field\.|^Shorter than minimum length 1\."), "Hãy điền ô này."),
    (re.compile(r"^Not a valid integer\.|^Must be greater than or equal to 0"), "Hãy nhập một số tiền (đồng) từ 0 đến 499.999.999."),
    (re.compile(r"^Say why"), "Hãy ghi lý do (được lưu vào nhật ký thay đổi)."),
    (re.compile(r"^No stall (.*) in this market\.$"), "Chợ này không có sạp {0}."),
    (re.compile(r"^Name the stall to assign to\."), "Hãy nhập mã sạp được ghi tiền."),
    (re.compile(r"^No such payment request\."), "Không có mã thanh toán này."),
    (re.compile(r"^This item is already resolved\."), "Khoản này đã được xử lý."),
    (re.compile(r"^Only an unreversed incoming credit can be assigned\."), "Chỉ ghi được khoản tiền vào chưa bị hoàn lại."),
    (re.compile(r"^This money arrived at another market"), "Tiền này về tài khoản của chợ khác: hãy ghi cho sạp của chợ đó."),
    (re.compile(r"^Choose what to do"), "Hãy chọn cách xử lý."),
    (re.compile(r"^The same account is listed twice\."), "Tài khoản này bị nhập hai lần."),
)


def in_lang(message: str, lang: str) -> str:
    """A service's message in the reader's language (Vietnamese when known)."""
    if lang != "vi":
        return message
    for pattern, words in SERVICE_WORDS_VI:
        found = pattern.match(message)
        if found:
            return words.format(*found.groups())
    return message
