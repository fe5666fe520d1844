"""audit_words says an audit row's details as a person reads them, never as Python writes them."""

from market_pay.common.formatting import format_vnd
from market_pay.office.audit_words import detail_words


def said(detail, lang="vi"):
    return detail_words(detail, lang, lambda amount: format_vnd(amount, lang), lambda reason: reason)


def test_a_value_the_change_cleared_or_set_for_the_first_time_is_said_not_none():
    detail = {
        "before": {"display_name": "Rau sạch bà Hoa", "floor_amount": None},
        "after": {"display_name": "Rau sạch cô Hoa", "floor_amount": 1000},
    }
    text = said(detail)
    assert "None" not in text
    assert "Mức cảnh báo tối thiểu: không có" in text and "Mức cảnh báo tối thiểu: 1.000 ₫" in text
    assert "Floor amount: none" in said(detail, "en")


def test_a_role_is_said_in_words():
    assert said({"username": "0977123456", "role": "vendor_assistant"}) == (
        "Tên đăng nhập: 0977123456; Vai trò: người phụ bán"
    )
    assert said({"role": "market_manager"}, "en") == "Role: market manager"


def test_empty_top_level_values_are_left_out():
    assert said({"note": "", "reason": None, "amount": 45_000}) == "Số tiền: 45.000 ₫"
