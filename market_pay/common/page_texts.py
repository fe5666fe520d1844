"""Every word the stall board and the shopper pages show, Vietnamese first, English available. Pure."""

TEXTS = {
    "vi": {
        "lang_other": "English", "title_board": "Sạp của tôi", "title_login": "Đăng nhập sạp",
        "phone": "Số điện thoại", "pin": "Mã PIN", "sign_in": "Đăng nhập", "sign_out": "Đăng xuất",
        "bad_login": "Số điện thoại hoặc mã PIN không đúng.", "too_many": "Sai quá nhiều lần. Thử lại sau {minutes} phút.",
        "not_stall": "Tài khoản này không phải của sạp.", "cashless_today": "Chuyển khoản hôm nay",
        "cash_today": "Tiền mặt hôm nay", "count_unit": "khoản", "cash_unit": "lần",
        "enable_sound": "Bấm để bật loa", "live": "Đang nhận tin", "offline": "Mất mạng – đang kết nối lại…",
        "cash": "Tiền mặt", "make_qr": "Tạo mã QR", "today": "Hôm nay", "confirm": "Xác nhận",
        "cancel": "Huỷ", "undo": "Xoá lần vừa nhập", "cash_saved": "Đã ghi tiền mặt {amount}",
        "cash_undone": "Đã xoá {amount}", "amount": "Số tiền", "recent": "Vừa nhận",
        "qr_waiting": "Đang chờ thanh toán", "qr_paid": "Đã thanh toán", "qr_expired": "Mã đã hết hạn",
        "qr_expires": "Hết hạn lúc {time}", "qr_underpaid": "Chưa đủ tiền", "close": "Đóng",
        "reversed": "Đã hoàn lại", "warning": "Chú ý", "error_retry": "Không gửi được. Thử lại.",
        "title_pay": "Thanh toán", "pay_to": "Trả cho", "stall": "Sạp", "bank": "Ngân hàng",
        "account_number": "Số tài khoản", "account_name": "Tên tài khoản", "content": "Nội dung",
        "type_it": "Nếu không quét được mã, hãy chuyển khoản với các thông tin sau:",
        "pay_status_pending": "Đang chờ thanh toán…", "pay_status_paid": "Đã thanh toán. Cảm ơn!",
        "pay_status_expired": "Mã đã hết hạn. Nhờ người bán tạo mã mới.",
        "pay_status_cancelled": "Người bán đã huỷ mã này.", "pay_status_underpaid": "Đã nhận nhưng chưa đủ tiền.",
        "pay_status_overpaid": "Đã thanh toán (nhiều hơn số tiền cần trả).",
        "pay_status_paid_late": "Đã nhận sau khi mã hết hạn.",
        "title_verify": "Kiểm tra mã QR", "verify_intro": "Dán nội dung mã, tải ảnh mã QR lên, hoặc quét bằng camera.",
        "payload": "Nội dung mã", "check": "Kiểm tra", "photo": "Ảnh mã QR", "scan": "Quét bằng camera",
        "no_qr_in_photo": "Không tìm thấy mã QR trong ảnh.", "not_vietqr": "Đây không phải mã VietQR hợp lệ: {reason}",
        "genuine": "Mã thật", "not_genuine": "Cảnh báo",
        "quiet_alert": "Đã {minutes} phút chưa có khoản chuyển khoản nào, lâu hơn nhiều so với thường lệ. Hãy kiểm tra thẻ mã QR có bị che hoặc bị tráo không.",
    },
    "en": {
        "lang_other": "Tiếng Việt", "title_board": "My stall", "title_login": "Stall sign-in",
        "phone": "Phone number", "pin": "PIN", "sign_in": "Sign in", "sign_out": "Sign out",
        "bad_login": "Wrong phone number or PIN.", "too_many": "Too many attempts. Try again in {minutes} minutes.",
        "not_stall": "This account does not belong to a stall.", "cashless_today": "Transfers today",
        "cash_today": "Cash today", "count_unit": "payments", "cash_unit": "sales",
        "enable_sound": "Tap to turn the sound on", "live": "Live", "offline": "Offline – reconnecting…",
        "cash": "Cash", "make_qr": "Make a QR", "today": "Today", "confirm": "Confirm", "cancel": "Cancel",
        "undo": "Undo last entry", "cash_saved": "Cash sale recorded: {amount}", "cash_undone": "Removed {amount}",
        "amount": "Amount", "recent": "Just received", "qr_waiting": "Waiting for payment", "qr_paid": "Paid",
        "qr_expired": "This code has expired", "qr_expires": "Expires at {time}", "qr_underpaid": "Not enough paid",
        "close": "Close", "reversed": "Reversed", "warning": "Warning", "error_retry": "Could not send. Try again.",
        "title_pay": "Payment", "pay_to": "Pay to", "stall": "Stall", "bank": "Bank",
        "account_number": "Account number", "account_name": "Account name", "content": "Transfer content",
        "type_it": "If you cannot scan the code, transfer with these details:",
        "pay_status_pending": "Waiting for payment…", "pay_status_paid": "Paid. Thank you!",
        "pay_status_expired": "This code has expired. Ask the vendor for a new one.",
        "pay_status_cancelled": "The vendor cancelled this code.", "pay_status_underpaid": "Received, but not the full amount.",
        "pay_status_overpaid": "Paid (more than the amount due).", "pay_status_paid_late": "Received after the code expired.",
        "title_verify": "Check a QR code", "verify_intro": "Paste the code's content, upload a photo of the QR, or scan it with the camera.",
        "payload": "Code content", "check": "Check", "photo": "Photo of the QR", "scan": "Scan with camera",
        "no_qr_in_photo": "No QR code was found in the photo.", "not_vietqr": "This is not a valid VietQR code: {reason}",
        "genuine": "Genuine", "not_genuine": "Warning",
        "quiet_alert": "No transfer for {minutes} minutes, much longer than usual. Check that the QR card is not covered or swapped.",
    },
}
LANGS = tuple(TEXTS)


def text(lang: str, key: str, **values) -> str:
    words = TEXTS.get(lang, TEXTS["vi"])[key]
    return words.format(**values) if values else words
