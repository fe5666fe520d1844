"""Amounts of đồng as spoken words, and the sentences the stall board announces, in Vietnamese
(the default) or, for a board opened in English, in English (see the end of this module).

Pure: no Flask, no database. The Vietnamese conventions (how a bank's speaker or a cashier reads a sum):
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


def received_sentence(amount: int, warning: bool = False, lang: str = "vi") -> str:
    """What the board says for a confirmed credit. `warning`: below the stall's floor, or short
    of the amount a request asked for — said differently, so the vendor looks before handing over
    the goods."""
    if lang == "en":
        return f"Careful: received only {english_amount(amount)}" if warning else f"Received {english_amount(amount)}"
    if warning:
        return f"Chú ý: chỉ nhận {amount_in_words(amount)}"
    return f"Đã nhận {amount_in_words(amount)}"


def reversed_sentence(amount: int, lang: str = "vi") -> str:
    """A credit the bank took back."""
    if lang == "en":
        return f"Careful: the bank took back {english_amount(amount)}"
    return f"Chú ý: ngân hàng đã hoàn lại {amount_in_words(amount)}"


def missed_sentence(count: int, lang: str = "vi") -> str:
    """Said before replaying what arrived while the board was offline."""
    if lang == "en":
        return f"{_counted(count, 'payment', 'payments').capitalize()} arrived while offline"
    return f"Có {number_to_words(count)} khoản nhận được khi mất mạng"


def daily_summary_sentence(count: int, total: int, cash_count: int = 0, cash_total: int = 0, lang: str = "vi") -> str:
    """The "Hôm nay" button: today's cashless (and cash, when any was recorded)."""
    if lang == "en":
        return _daily_summary_english(count, total, cash_count, cash_total)
    if count == 0:
        sentence = "Hôm nay chưa nhận khoản chuyển khoản nào"
    else:
        sentence = f"Hôm nay đã nhận {number_to_words(count)} khoản, tổng {amount_in_words(total)}"
    if cash_count:
        sentence += f". Tiền mặt {number_to_words(cash_count)} lần, tổng {amount_in_words(cash_total)}"
    return sentence


# ---- English -----------------------------------------------------------------------------------
# For a board opened with ?lang=en (a foreign helper at the stall, a visitor testing it). American
# usage, as an English voice reads it best: no "and" (1,250,000 → "one million two hundred fifty
# thousand"), tens and units hyphenated ("ninety-nine"), short scale (10⁹ is a billion).
EN_ONES = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
EN_SCALES = ("", "thousand", "million", "billion", "trillion", "quadrillion")  # to 10¹⁸ - 1


def _english_three_digits(n: int) -> list[str]:
    """Words for 0 < n < 1000: 105 → ["one", "hundred", "five"], 99 → ["ninety-nine"]."""
    hundreds, rest = divmod(n, 100)
    words = [EN_ONES[hundreds], "hundred"] if hundreds else []
    if rest >= 20:
        tens, units = divmod(rest, 10)
        words.append(EN_TENS[tens] + (f"-{EN_ONES[units]}" if units else ""))
    elif rest:
        words.append(EN_ONES[rest])
    return words


def english_number_to_words(n: int) -> str:
    """0 → "zero"; 1_250_000 → "one million two hundred fifty thousand". Raises ValueError for
    what number_to_words refuses (a negative number, a non-integer, more than 18 digits)."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError("the amount must be a whole number")
    if n < 0 or n > MAX_AMOUNT:
        raise ValueError(f"the amount must be between 0 and {MAX_AMOUNT}")
    if n == 0:
        return EN_ONES[0]
    words = []
    for index in range(len(EN_SCALES) - 1, -1, -1):
        group = n // 1000**index % 1000
        if group:
            words += _english_three_digits(group) + ([EN_SCALES[index]] if index else [])
    return " ".join(words)


def english_amount(amount: int) -> str:
    """1_250_000 → "one million two hundred fifty thousand dong" (said as English speakers in
    Vietnam say the currency)."""
    return f"{english_number_to_words(amount)} dong"


def _counted(count: int, one: str, many: str) -> str:
    return f"{english_number_to_words(count)} {one if count == 1 else many}"


def _daily_summary_english(count: int, total: int, cash_count: int, cash_total: int) -> str:
    if count == 0:
        sentence = "Today, no transfers received yet"
    else:
        sentence = f"Today, {_counted(count, 'transfer', 'transfers')} received, total {english_amount(total)}"
    if cash_count:
        sentence += f". Cash: {_counted(cash_count, 'sale', 'sales')}, total {english_amount(cash_total)}"
    return sentence
