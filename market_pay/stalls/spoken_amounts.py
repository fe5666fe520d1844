"""Amounts of đồng as spoken Vietnamese words, and the sentences the stall board announces.

Pure: no Flask, no database. The conventions (how a bank's speaker or a cashier reads a sum):
- 0 in the tens place between a hundreds digit and a unit is "linh" (North; "lẻ" in the South):
  105 → "một trăm linh năm";
- 1 after a tens word of 20 or more is "mốt": 21 → "hai mươi mốt" (but 11 → "mười một");
- 5 after any tens word is "lăm": 15 → "mười lăm", 25 → "hai mươi lăm" (but 105 → "… linh năm");
- 4 after a tens word of 20 or more is "tư": 24 → "hai mươi tư" (but 14 → "mười bốn");
- a group of three digits that follows a higher group is read in full, as on an invoice:
  1.005.000 → "một triệu không trăm linh năm nghìn";
- groups are nghìn (10³), triệu (10⁶), tỷ (10⁹), then nghìn tỷ, triệu tỷ … by repeating tỷ.
"""

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
GROUP_NAMES = ("", "nghìn", "triệu")
BILLION = 10**9
MAX_AMOUNT = 10**18 - 1  # "chín trăm … tỷ tỷ" is far beyond any stall's takings


def _units(digit: int, tens: int) -> str:
    """The unit digit's word, given the tens digit before it (-1: no tens word is said)."""
    if digit == 1 and tens >= 2:
        return "mốt"
    if digit == 5 and tens >= 1:
        return "lăm"
    if digit == 4 and tens >= 2:
        return "tư"
    return DIGITS[digit]


def _three_digits(n: int, full: bool, zero_tens: str) -> list[str]:
    """Words for 0 < n < 1000. `full`: a group after a higher one says its hundreds ("không trăm")."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words.append(zero_tens)
        if units:
            words.append(DIGITS[units])
        return words
    words += ["mười"] if tens == 1 else [DIGITS[tens], "mươi"]
    if units:
        words.append(_units(units, tens))
    return words


def _below_billion(n: int, full: bool, zero_tens: str, thousand: str) -> list[str]:
    words = []
    for index in (2, 1, 0):
        group = n // 1000**index % 1000
        if not group:
            continue
        words += _three_digits(group, full, zero_tens)
        name = thousand if index == 1 else GROUP_NAMES[index]
        if name:
            words.append(name)
        full = True  # every later group is read in full
    return words


def _words(n: int, full: bool, zero_tens: str, thousand: str) -> list[str]:
    if n >= BILLION:
        high, low = divmod(n, BILLION)
        words = _words(high, full, zero_tens, thousand) + ["tỷ"]
        return words + (_below_billion(low, True, zero_tens, thousand) if low else [])
    return _below_billion(n, full, zero_tens, thousand)


def number_to_words(n: int, southern: bool = False) -> str:
    """0 → "không"; 1_250_000 → "một triệu hai trăm năm mươi nghìn".

    `southern` uses "lẻ" and "ngàn" instead of "linh" and "nghìn". Raises ValueError for a
    negative number, a non-integer, or more than 18 digits.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError("the amount must be a whole number")
    if n < 0 or n > MAX_AMOUNT:
        raise ValueError(f"the amount must be between 0 and {MAX_AMOUNT}")
    if n == 0:
        return DIGITS[0]
    return " ".join(_words(n, False, "lẻ" if southern else "linh", "ngàn" if southern else "nghìn"))


def amount_in_words(amount: int) -> str:
    """1_250_000 → "một triệu hai trăm năm mươi nghìn đồng"."""
    return f"{number_to_words(amount)} đồng"


def received_sentence(amount: int, warning: bool = False) -> str:
    """What the board says for a confirmed credit. `warning`: below the stall's floor, or short
    of the amount a request asked for — said differently, so the vendor looks before handing over
    the goods."""
    if warning:
        return f"Chú ý: chỉ nhận {amount_in_words(amount)}"
    return f"Đã nhận {amount_in_words(amount)}"


def reversed_sentence(amount: int) -> str:
    """A credit the bank took back."""
    return f"Chú ý: ngân hàng đã hoàn lại {amount_in_words(amount)}"


def missed_sentence(count: int) -> str:
    """Said before replaying what arrived while the board was offline."""
    return f"Có {number_to_words(count)} khoản nhận được khi mất mạng"


def daily_summary_sentence(count: int, total: int, cash_count: int = 0, cash_total: int = 0) -> str:
    """The "Hôm nay" button: today's cashless (and cash, when any was recorded)."""
    if count == 0:
        sentence = "Hôm nay chưa nhận khoản chuyển khoản nào"
    else:
        sentence = f"Hôm nay đã nhận {number_to_words(count)} khoản, tổng {amount_in_words(total)}"
    if cash_count:
        sentence += f". Tiền mặt {number_to_words(cash_count)} lần, tổng {amount_in_words(cash_total)}"
    return sentence
