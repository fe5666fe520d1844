"""An audit row's details and the thing it changed as the office reader says them ("Số tiền:
30.000 ₫; Ghi chú: …", "Sạp A-07 – Rau sạch bà Hoa"), not as the JSON and keys the log keeps
("vendor:12"). Pure: the caller passes the formatters and the names it loaded (audit_names.py)."""

from collections.abc import Callable, Mapping

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
ROLE_WORDS = {
    "vi": {
        "admin": "quản trị viên",
        "region_staff": "cán bộ địa bàn",
        "market_manager": "ban quản lý chợ",
        "vendor": "chủ sạp",
        "vendor_assistant": "người phụ bán",
    },
    "en": {
        "admin": "administrator",
        "region_staff": "region staff",
        "market_manager": "market manager",
        "vendor": "stall owner",
        "vendor_assistant": "assistant",
    },
}
# A value a change cleared or had not set yet (a "before" with no floor amount): said, not "None".
NOTHING = {"vi": "không có", "en": "none"}
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
    if value is None:
        return NOTHING.get(lang, NOTHING["en"])
    if key == "role" and isinstance(value, str):
        return ROLE_WORDS.get(lang, ROLE_WORDS["en"]).get(value, value)
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


# What an audit row changed, from the names audit_names.entity_names loaded for it.
ENTITY_WORDS = {
    "vi": {
        "vendor": "Sạp {stall_code} – {display_name}",
        "receiving_account": "Tài khoản {bank} {account_number} (sạp {stall_code})",
        "payment_request": "Yêu cầu thanh toán {reference} (sạp {stall_code})",
        "user": "Người dùng {username}{full_name}",
        "market": "{name} ({code})",
        "region": "{name} ({code})",
        "reconciliation_run": "Lần đối soát số {id}, sao kê ngày {statement_date}",
        "suspense_item": "Khoản {amount} chờ xử lý (số {id})",
    },
    "en": {
        "vendor": "Stall {stall_code} – {display_name}",
        "receiving_account": "Account {bank} {account_number} (stall {stall_code})",
        "payment_request": "Payment request {reference} (stall {stall_code})",
        "user": "User {username}{full_name}",
        "market": "{name} ({code})",
        "region": "{name} ({code})",
        "reconciliation_run": "Reconciliation run {id}, statement of {statement_date}",
        "suspense_item": "{amount} in suspense (no. {id})",
    },
}
# Things with nothing to load (a partner is named by its id), and the words for a thing whose row
# is gone: its kind and number.
KIND_WORDS = {
    "vi": {
        "vendor": "Sạp",
        "receiving_account": "Tài khoản",
        "payment_request": "Yêu cầu thanh toán",
        "user": "Người dùng",
        "market": "Chợ",
        "region": "Địa bàn",
        "reconciliation_run": "Lần đối soát",
        "suspense_item": "Khoản chờ xử lý",
        "cash_sale": "Ghi tiền mặt",
        "partner": "Đối tác",
    },
    "en": {
        "vendor": "Stall",
        "receiving_account": "Account",
        "payment_request": "Payment request",
        "user": "User",
        "market": "Market",
        "region": "Region",
        "reconciliation_run": "Reconciliation run",
        "suspense_item": "Suspense item",
        "cash_sale": "Cash sale",
        "partner": "Partner",
    },
}
SURVEY_WORDS = {"vi": "Khảo sát tiền mặt", "en": "Cash survey"}  # a survey import's one row


def entity_words(
    entity_type: str, entity_id: str, names: Mapping[tuple[str, str], dict], lang: str, vnd: Callable[[int], str]
) -> str:
    """'Sạp A-07 – Rau sạch bà Hoa' for ("vendor", "12"). `names` maps (type, id) to the fields
    ENTITY_WORDS names; a thing not in it (gone, or of a kind with nothing to load) is said by its
    kind and number ("Đối tác simbank", "Sạp số 12"), an unknown kind by its key."""
    if entity_type == "cash_sale" and entity_id == "survey":
        return SURVEY_WORDS.get(lang, SURVEY_WORDS["en"])
    found = names.get((entity_type, entity_id))
    template = ENTITY_WORDS.get(lang, ENTITY_WORDS["en"]).get(entity_type)
    if found is not None and template is not None:
        values = dict(found)
        if "amount" in values:
            values["amount"] = vnd(values["amount"])
        if entity_type == "user":
            values["full_name"] = f" ({values['display_name']})" if values.get("display_name") else ""
        return template.format(id=entity_id, **values)
    kind = KIND_WORDS.get(lang, KIND_WORDS["en"]).get(entity_type)
    if kind is None:
        return f"{entity_type}:{entity_id}"
    if entity_type == "partner" or not entity_id.isdigit():
        return f"{kind} {entity_id}"
    return f"{kind} {'số ' if lang == 'vi' else 'no. '}{entity_id}"
