"""The words of a reconciliation for the people who read it: Vietnamese first, English available.
Breaks store their parameters (models.ReconciliationBreak.detail); the sentence is made here."""

from datetime import datetime
from zoneinfo import ZoneInfo

from ..common.formatting import format_vnd

CLASS_LABELS = {
    "matched": {"vi": "Khớp", "en": "Matched"},
    "missing_callback": {"vi": "Thiếu thông báo (đã bổ sung từ sao kê)", "en": "Missing callback (recovered)"},
    "not_on_statement": {"vi": "Có thông báo, không có trên sao kê", "en": "Callback not on statement"},
    "field_disagreement": {"vi": "Sai lệch thông tin", "en": "Field disagreement"},
    "duplicate": {"vi": "Trùng lặp", "en": "Duplicate"},
    "reversal": {"vi": "Hoàn tiền", "en": "Reversal"},
    "day_cutoff": {"vi": "Lệch ngày (qua nửa đêm)", "en": "Day cut-off"},
    "broken_chain": {"vi": "Số dư không liên tục", "en": "Broken balance chain"},
    "in_suspense": {"vi": "Đang chờ xử lý (treo)", "en": "In suspense"},
    "other_account": {"vi": "Mã giao dịch thuộc tài khoản khác", "en": "Id belongs to another account"},
    "ambiguous": {"vi": "Không xác định được thông báo", "en": "Ambiguous match"},
    "payos_check": {"vi": "Chưa đối chiếu được với payOS", "en": "payOS check incomplete"},
}

FIELD_LABELS = {
    "account_number": {"vi": "số tài khoản", "en": "account number"},
    "bank_reference": {"vi": "mã giao dịch ngân hàng", "en": "bank reference"},
    "amount": {"vi": "số tiền", "en": "amount"},
    "direction": {"vi": "chiều giao dịch", "en": "direction"},
    "bin": {"vi": "mã ngân hàng", "en": "bank BIN"},
    "request_amount": {"vi": "số tiền yêu cầu", "en": "requested amount"},
    "amount_paid": {"vi": "số tiền đã trả", "en": "amount paid"},
}


def _value(field: str, value):
    return format_vnd(value) if field == "amount" and isinstance(value, int) else str(value)


def _field_disagreement(detail, lang):
    if detail.get("source") == "payos":
        return _payos_disagreement(detail, lang)
    parts = []
    for item in detail.get("differences", []):
        label = FIELD_LABELS.get(item["field"], {}).get(lang, item["field"])
        statement, callback = _value(item["field"], item["statement"]), _value(item["field"], item["callback"])
        parts.append(
            f"{label}: sao kê {statement}, thông báo {callback}"
            if lang == "vi"
            else f"{label}: statement {statement}, callback {callback}"
        )
    head = (
        "Sao kê và thông báo cùng một giao dịch nhưng khác nhau — không tự sửa, cần kiểm tra: "
        if lang == "vi"
        else "The statement and the callback disagree — nothing overwritten, check it: "
    )
    return head + "; ".join(parts)


def _payos_disagreement(detail, lang):
    """The payOS check: payOS's figure against ours for one request."""
    parts = []
    for item in detail.get("differences", []):
        label = FIELD_LABELS.get(item["field"], {}).get(lang, item["field"])
        theirs, ours = _value("amount", item["statement"]), _value("amount", item["callback"])
        parts.append(f"{label}: payOS {theirs}, ta {ours}" if lang == "vi" else f"{label}: payOS {theirs}, ours {ours}")
    reference = detail.get("reference", "")
    if lang == "vi":
        return f"Yêu cầu {reference}: payOS và hệ thống khác nhau — không tự sửa, cần kiểm tra: " + "; ".join(parts)
    return f"Request {reference}: payOS and we disagree — nothing changed, check it: " + "; ".join(parts)


PAYOS_PROBLEMS = {
    "unknown": {"vi": "payOS không biết yêu cầu này", "en": "payOS does not know this request"},
    "refused": {"vi": "câu trả lời của payOS không dùng được", "en": "payOS's answer could not be used"},
    "not_checked": {"vi": "chưa hỏi được payOS", "en": "payOS was not asked"},
    "not_on_request": {
        "vi": "tiền đã bổ sung từ payOS nhưng không vào yêu cầu này",
        "en": "the money recovered from payOS did not go to this request",
    },
}


def _payos_check(detail, lang):
    problem = PAYOS_PROBLEMS.get(detail.get("problem", ""), {}).get(lang, detail.get("problem", ""))
    reason = detail.get("reason") or ""
    if detail.get("suspense"):
        reason = SUSPENSE_REASONS.get(detail["suspense"], {}).get(lang, detail["suspense"])
    head = (
        f"Yêu cầu {detail.get('reference', '')}: {problem}"
        if lang == "vi"
        else f"Request {detail.get('reference', '')}: {problem}"
    )
    return head + (f" ({reason})." if reason else ".")


def _broken_chain(detail, lang, zone):
    lines = detail.get("lines", 0)
    if detail.get("problem") == "closing":
        numbers = {k: format_vnd(detail[k]) for k in ("opening", "credits", "debits", "expected", "closing")}
        if lang == "vi":
            return (
                f"Số dư cuối {numbers['closing']} khác đầu kỳ {numbers['opening']} + có {numbers['credits']} "
                f"− nợ {numbers['debits']} = {numbers['expected']}; chưa đối soát {lines} dòng của tài khoản này."
            )
        return (
            f"Closing balance {numbers['closing']} ≠ opening {numbers['opening']} + credits {numbers['credits']} "
            f"− debits {numbers['debits']} = {numbers['expected']}; this account's {lines} lines were not "
            "reconciled."
        )
    expected, found = format_vnd(detail["expected"]), format_vnd(detail["found"])
    if lang == "vi":
        return (
            f"Dòng {detail['row']}: số dư sau giao dịch {found}, đúng ra phải là {expected}; chưa đối soát "
            f"{lines} dòng của tài khoản này."
        )
    return (
        f"Row {detail['row']}: balance after is {found}, expected {expected}; this account's {lines} lines were "
        "not reconciled."
    )


SUSPENSE_REASONS = {
    "unknown_account": {"vi": "tài khoản không thuộc sạp nào", "en": "no stall receives on this account"},
    "inactive_account": {"vi": "tài khoản đã ngừng dùng", "en": "the account was deactivated"},
    "unknown_reference": {"vi": "mã thanh toán không tồn tại", "en": "unknown payment reference"},
    "foreign_reference": {"vi": "mã thanh toán của sạp khác", "en": "another stall's payment reference"},
    "ambiguous": {"vi": "nhiều mã thanh toán", "en": "several payment references"},
    "malformed": {"vi": "nội dung không đọc được", "en": "unreadable content"},
    "unmatched_reversal": {"vi": "hoàn tiền không tìm thấy giao dịch gốc", "en": "reversal of an unknown credit"},
}


def describe_break(kind: str, detail: dict, lang: str = "vi", zone: ZoneInfo | None = None) -> str:
    """One plain sentence saying what is wrong and what happened to the money."""
    vi = lang == "vi"
    if kind == "payos_check":
        return _payos_check(detail, lang)
    if kind == "missing_callback" and detail.get("source") == "payos":
        return (
            f"payOS đã nhận tiền cho yêu cầu {detail.get('reference', '')} nhưng thông báo bị mất; đã ghi nhận "
            "theo trạng thái payOS trả về, như một thông báo."
            if vi
            else f"payOS was paid for request {detail.get('reference', '')} but its callback was lost; the "
            "money was recorded from payOS's status, as its callback would have been."
        )
    if kind == "other_account" and detail.get("source") == "payos":
        return (
            f"payOS tính khoản này cho yêu cầu {detail.get('reference', '')} nhưng tiền vào tài khoản "
            f"{detail.get('payos_account', '')}; không ghi nhận, cần kiểm tra."
            if vi
            else f"payOS counts this for request {detail.get('reference', '')} but the money went to account "
            f"{detail.get('payos_account', '')}; not recorded, check it."
        )
    if kind == "missing_callback":
        text = (
            "Ngân hàng không gửi thông báo; đã tạo giao dịch từ sao kê và xử lý như một thông báo."
            if vi
            else "The bank never called back; the transaction was created from the statement and "
            "matched like a callback."
        )
        if detail.get("reverses"):
            text += (
                f" Đây là hoàn tiền của giao dịch {detail['reverses']}."
                if vi
                else f" It reverses {detail['reverses']}."
            )
        return text
    if kind == "not_on_statement":
        text = (
            "Có thông báo nhưng sao kê không có: giữ ở trạng thái tạm tính, sẽ kiểm tra lại với sao kê sau."
            if vi
            else "Called back but not on the statement: kept provisional, re-checked on the next statement."
        )
        if detail.get("near_midnight"):
            text += (
                " Gần nửa đêm: có thể nằm trong sao kê ngày hôm sau."
                if vi
                else " Near midnight: it may be on the next day's statement."
            )
        return text
    if kind == "field_disagreement":
        return _field_disagreement(detail, lang)
    if kind == "duplicate":
        if detail.get("problem") == "same_money":
            return (
                "Cùng một khoản tiền đã có ở dòng khác của sao kê; chỉ tính một lần."
                if vi
                else "The same money as another line of the statement; counted once."
            )
        return (
            "Sao kê ghi giao dịch này hai lần; chỉ tính một lần."
            if vi
            else "The statement lists this transaction twice; counted once."
        )
    if kind == "broken_chain":
        return _broken_chain(detail, lang, zone)
    if kind == "other_account":
        if detail.get("problem") == "money":
            return (
                "Cùng số tham chiếu và số tiền đã có trên một tài khoản khác cùng số (khác ngân hàng); "
                "không thay đổi gì, cần kiểm tra."
                if vi
                else "The same reference and amount are already on another account with this number (another "
                "bank); nothing was changed, check it."
            )
        return (
            "Mã giao dịch này thuộc giao dịch của một tài khoản khác; không thay đổi giao dịch đó, cần kiểm tra."
            if vi
            else "This transaction id belongs to another account's transaction; that transaction was "
            "not changed, check it."
        )
    if kind == "ambiguous":
        count = detail.get("candidates", 0)
        return (
            f"Không xác định được: {count} thông báo có thể là dòng này (cùng tài khoản, số tiền, chiều, "
            "thời gian); không tự chọn, cần kiểm tra."
            if vi
            else f"Ambiguous: {count} callbacks could be this line (same account, amount, direction and time); "
            "none was chosen, check it."
        )
    if kind == "in_suspense":
        reason = SUSPENSE_REASONS.get(detail.get("reason", ""), {}).get(lang, detail.get("reason", ""))
        return (
            f"Tiền có trên sao kê nhưng đang treo chờ xử lý: {reason}."
            if vi
            else f"On the statement but held in suspense: {reason}."
        )
    return kind


def local_time(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d/%m/%Y %H:%M:%S") if moment else ""
