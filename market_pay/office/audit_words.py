"""An audit row's details as the office reader says them ("Số tiền: 30.000 ₫; Ghi chú: …"), not
as the JSON the log keeps. Pure: the caller passes the number and reason formatters."""

from collections.abc import Callable

# The keys the services write into audit details (audit/services.record_change callers).
LABELS = {
    "vi": {
        "market_code": "Mã chợ",
        "stall_code": "Mã sạp",
        "name": "Tên",
        "region_code": "Mã địa bàn",
        "parent_code": "Thuộc địa bàn",
        "accounts": "Tài khoản",
        "account": "Tài khoản",
        "change": "Thay đổi",
        "account_status": "Trạng thái tài khoản",
        "partner": "Đối tác",
        "reference": "Mã thanh toán",
        "transaction_id": "Giao dịch số",
        "request_id": "Mã yêu cầu số",
        "vendor_id": "Sạp số",
        "scope": "Phạm vi",
        "kind": "Loại",
        "statement_date": "Ngày sao kê",
        "lines": "Số dòng",
        "matched": "Khớp",
        "recovered": "Bổ sung từ sao kê",
        "breaks": "Chênh lệch",
        "disputed": "Cần xem lại",
        "file_sha256": "Tệp (sha256)",
        "before": "Trước",
        "after": "Sau",
        "reason": "Lý do",
        "note": "Ghi chú",
        "amount": "Số tiền",
        "role": "Vai trò",
        "username": "Tên đăng nhập",
        "market_ids": "Chợ số",
        "api_keys": "Khoá API",
        "secrets": "Khoá bí mật",
        "display_name": "Tên hiển thị",
        "legal_name": "Họ tên trên CCCD",
        "phone": "Số điện thoại",
        "floor_amount": "Mức cảnh báo tối thiểu",
        "status": "Trạng thái",
    },
    "en": {},  # English readers get the keys with their underscores as spaces
}
STATUS_WORDS = {
    "vi": {
        "active": "đang dùng",
        "pending": "chờ xác nhận",
        "inactive": "ngừng dùng",
        "suspended": "tạm ngừng",
        "add": "thêm",
        "deactivate": "ngừng dùng",
    },
    "en": {},
}
AMOUNT_KEYS = {"amount", "floor_amount"}
STATUS_KEYS = {"account_status", "status", "change"}
LONGEST = 600  # characters: a detail is a line of the table, not a document


def _label(key: str, lang: str) -> str:
    words = LABELS.get(lang, {}).get(key)
    return words or key.replace("_", " ").capitalize()


def _value(key: str, value, lang: str, vnd: Callable[[int], str], reason: Callable[[str], str]) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{_label(k, lang)}: {_value(k, v, lang, vnd, reason)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_value(key, item, lang, vnd, reason) for item in value)
    if key in AMOUNT_KEYS and isinstance(value, int) and not isinstance(value, bool):
        return vnd(value)
    if key in STATUS_KEYS and isinstance(value, str):
        return STATUS_WORDS.get(lang, {}).get(value, value)
    if key == "reason" and isinstance(value, str):
        return reason(value)
    return str(value)


def detail_words(detail, lang: str, vnd: Callable[[int], str], reason: Callable[[str], str]) -> str:
    """'Lý do: …; Số tiền: 30.000 ₫; Ghi chú: …' — empty values (None, "") left out."""
    if not isinstance(detail, dict):
        return "" if detail in (None, "") else str(detail)[:LONGEST]
    said = [
        f"{_label(key, lang)}: {_value(key, value, lang, vnd, reason)}"
        for key, value in detail.items()
        if value not in (None, "", [], {})
    ]
    text = "; ".join(said)
    return text if len(text) <= LONGEST else text[: LONGEST - 1] + "…"
