"""MT940's fast reader against the `mt-940` library, its reference (formats/mt940_fast.py).

Differential: on generated statements (references of every length, :86: continuations, C/D/RC/RD,
funds codes, entry dates across year ends, amounts with and without decimals) the fast reader
either gives exactly the library's rows or declines, and it takes every statement of the common
shape; anything odd goes to the library. No database: the readers are pure.
"""

import datetime
import io

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from market_pay.reconciliation.formats import mt940, mt940_fast
from market_pay.reconciliation.statement_file import StatementUnreadable
from tests.reconciliation.test_formats import MT940_BROKEN

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ACCOUNT = ("970436", "0011001234567")
# Printable text a bank puts in a reference or :86: (Vietnamese letters, '/', '?', spaces), never a
# line break: lines are generated one by one.
TEXT = st.text(
    alphabet=st.sampled_from("ABCXYZabc0123456789 /-?.,:+ĐƯỜNGđườngàáạễ"),
    min_size=0,
    max_size=30,
)


def _blocks(text: str):
    return list(mt940._statements(io.StringIO(text)))


def _library(start, block, account):
    """The library's rows, or the error it refuses the statement with."""
    try:
        return list(mt940._library_statement(start, block, account))
    except StatementUnreadable as error:
        return ("refused", error.message, error.errors)


def _both(text: str, account=None) -> list:
    """[(fast rows or None, library rows or refusal)] per statement of `text`."""
    return [(mt940_fast.statement(s, b, account), _library(s, b, account)) for s, b in _blocks(text)]


def _same_or_declined(text: str, account=None) -> list:
    pairs = _both(text, account)
    for fast, library in pairs:
        if fast is not None:
            assert fast == library, (fast, library)
    return pairs


@st.composite
def common_lines(draw):
    """One :61: (and maybe its :86:) in the shape banks send and the fast reader takes."""
    value = draw(st.dates(datetime.date(2024, 12, 1), datetime.date(2027, 1, 31)))
    entry = value + datetime.timedelta(days=draw(st.integers(-4, 4)))
    entry_text = draw(st.sampled_from(["", f"{entry:%m%d}"]))
    mark = draw(st.sampled_from(["C", "D", "RC", "RD"]))
    funds = draw(st.sampled_from(["", "", "R", "N"]))
    whole = draw(st.integers(0, 10**11))  # 15 characters at most with ',00'
    amount = f"{whole}" + draw(st.sampled_from([",", ",00", ",0", ""]))
    kind = draw(st.sampled_from(["NTRF", "NMSC", "FTRF", "N123"]))
    customer = draw(st.sampled_from(["NONREF", "", "nonref", "KH12345", "A/B", "1234567890123456"]))
    bank = draw(st.one_of(st.none(), st.text(alphabet="ABCFT0123456789-/ .", max_size=23)))
    line = f":61:{value:%y%m%d}{entry_text}{mark}{funds}{amount}{kind}{customer}"
    if bank is not None:
        line += f"//{bank}"
    lines = [line.strip()]
    details = draw(st.lists(TEXT, min_size=0, max_size=4))
    if details:
        lines.append(":86:" + details[0])
        lines += [d for d in details[1:] if d.strip() and not d.strip().startswith((":", "-", "{", "}"))]
    return lines


@st.composite
def common_statements(draw, lines=None):
    """A whole statement of the common shape."""
    account = draw(st.sampled_from(["970436/0011001234567", "0011001234567", "970436/ABC123"]))
    day = draw(st.dates(datetime.date(2024, 12, 1), datetime.date(2027, 1, 31)))
    opening = draw(st.integers(0, 10**12))
    closing = draw(st.integers(0, 10**12))
    body = [
        f":20:{draw(st.text(alphabet='ABC123-/', min_size=1, max_size=16))}",
        f":25:{account}",
        *draw(st.sampled_from([[], ["28C:1/1"], ["28C:00042/00001"], ["28C:7"]])),
        f":60{draw(st.sampled_from('FM'))}:{draw(st.sampled_from('CD'))}{day:%y%m%d}VND{opening},",
    ]
    body = [line if line.startswith(":") else ":" + line for line in body]
    for line in lines if lines is not None else draw(st.lists(common_lines(), max_size=6)):
        body += line
    body.append(f":62{draw(st.sampled_from('FM'))}:{draw(st.sampled_from('CD'))}{day:%y%m%d}VND{closing},00")
    body += draw(st.sampled_from([[], [f":64:C{day:%y%m%d}VND{closing},"]]))
    return "\n".join(body) + "\n-\n"


@SETTINGS
@given(common_statements())
@example(MT940_BROKEN)
def test_the_fast_reader_takes_the_common_shape_and_gives_the_library_s_rows(text):
    account = ACCOUNT if "970436/" not in text.split(":25:")[1][:8] else None
    pairs = _same_or_declined(text, account)
    assert len(pairs) == 1
    fast, library = pairs[0]
    if library[0] == "refused":
        assert fast is None  # what the library refuses, the fast reader never accepts
    else:
        assert fast is not None, text  # the common shape is taken, not left to the library


# Each is a change that makes a statement "odd": the fast reader must leave it to the library.
ODD = {
    "lowercase mark": lambda t: t.replace("1121C50000", "1121c50000"),
    "no transaction type": lambda t: t.replace("C50000,NTRFNONREF//", "C50000,//"),
    "space in the type": lambda t: t.replace("NTRF", "NTR "),
    "customer reference of 17": lambda t: t.replace("NONREF//", "ABCDEFGHIJKLMNOPQ//"),
    "bank reference of 24": lambda t: t.replace("//FT9", "//" + "F" * 24),
    "a second line to the :61:": lambda t: t.replace("//FT9\n", "//FT9\nSUPPLEMENTARY\n"),
    "two :86:": lambda t: t.replace(":86:MUA RAU\n", ":86:MUA RAU\n:86:MORE\n"),
    "structured :86:": lambda t: t.replace(":86:MUA RAU", ":86:166?00GUTSCHRIFT?20MUA RAU"),
    "structured across lines": lambda t: t.replace(":86:MUA RAU", ":86:16\n6?00GUTSCHRIFT"),
    ":86: longer than the library's cap": lambda t: t.replace(":86:MUA RAU", ":86:" + "\n".join(["X" * 65] * 10)),
    "fraction of a đồng": lambda t: t.replace("C50000,", "C50000,5"),
    "thousands separators": lambda t: t.replace("C50000,", "C50,000,"),
    "amount of 16 characters": lambda t: t.replace("C50000,", "C123456789012345,"),
    "impossible value date": lambda t: t.replace(":61:261121", ":61:261321"),
    "29 February of a common year": lambda t: t.replace(":61:2611211121", ":61:2602290229"),
    "two-digit entry date": lambda t: t.replace("2611211121C", "26112111C"),
    "euro balance": lambda t: t.replace("VND100000", "EUR100000"),
    "lowercase balance mark": lambda t: t.replace(":60F:C", ":60F:c"),
    "balance with trailing text": lambda t: t.replace("VND100000,", "VND100000,X"),
    "unknown tag": lambda t: t.replace(":28C:1/1", ":28C:1/1\n:13D:2611210900+0700"),
    "statement-level :86: after the closing": lambda t: t.replace("VND999999,\n", "VND999999,\n:86:TONG KET\n"),
    ":86: before any line": lambda t: t.replace(":60F:C261121VND100000,\n", ":60F:C261121VND100000,\n:86:X\n"),
    "line before the opening": lambda t: t.replace(":28C:1/1\n", ":28C:1/1\n:61:2611211121C1,NTRF//X\n"),
    "no :25:": lambda t: t.replace(":25:970436/0011001234567\n", ""),
    "account longer than 35": lambda t: t.replace("0011001234567", "0" * 40),
    "bad statement number": lambda t: t.replace(":28C:1/1", ":28C:1-1"),
    "no closing balance": lambda t: t.replace(":62F:C261121VND999999,\n", ""),
    "continuation of the :25:": lambda t: t.replace("0011001234567\n", "0011001234567\nMORE\n"),
    "another account than the one given": lambda t: t.replace("970436/", "970436/9"),
}


@pytest.mark.parametrize("change", ODD)
def test_anything_odd_is_left_to_the_library(change, tmp_path):
    text = ODD[change](MT940_BROKEN)
    assert text != MT940_BROKEN, "the change must change the fixture"
    (fast, library), *_ = _both(text, ACCOUNT)
    assert fast is None
    # and the file as a whole reads as the library reads it (rows, or the same refusal)
    try:
        whole = list(mt940.read(_write(text, tmp_path), ACCOUNT))
    except StatementUnreadable as error:
        whole = ("refused", error.message, error.errors)
    assert whole == library


@SETTINGS
@given(common_statements(), st.sampled_from(sorted(ODD)))
def test_generated_statements_made_odd_are_never_read_differently(text, change):
    _same_or_declined(ODD[change](text), ACCOUNT)


@pytest.mark.parametrize(
    "value, entry, booked",
    [("261231", "0102", "2027-01-02"), ("270102", "1231", "2026-12-31"), ("261121", "1121", "2026-11-21")],
)
def test_an_entry_date_across_the_year_end_takes_the_neighbouring_year(value, entry, booked):
    text = MT940_BROKEN.replace(":61:2611211121", f":61:{value}{entry}")
    (fast, library), *_ = _both(text)
    assert fast is not None and fast == library
    assert fast[1][1][2] == booked


def test_a_file_of_common_and_odd_statements_reads_as_the_library_reads_it(tmp_path):
    odd = ODD["two :86:"](MT940_BROKEN).replace("STMT1", "STMT2").replace("0011001234567", "0011009999999")
    text = MT940_BROKEN + odd + "{1:F01VCBVVNVXAXXX0000000000}{2:O940}{4:\n" + MT940_BROKEN + "-}\n"
    fast_rows = list(mt940.read(_write(text, tmp_path)))
    library_rows = [row for start, block in _blocks(text) for row in mt940._library_statement(start, block, None)]
    assert fast_rows == library_rows
    assert [row[5] for _, row in fast_rows].count("in") == 3
    assert [mt940_fast.statement(s, b, None) is None for s, b in _blocks(text)] == [False, True, False]


@pytest.mark.parametrize("amount", ["1234,", "1234,00", "1234,0", "1234", "0001234,"])
def test_amounts_are_whole_dong_as_digits(amount):
    text = MT940_BROKEN.replace("C50000,", f"C{amount}")
    (fast, library), *_ = _both(text)
    assert fast == library and fast[1][1][6] == "1234"


def test_an_amount_the_library_reads_by_cutting_it_is_left_to_the_library():
    # 17 characters: the library keeps 15 of them as the amount and the rest as a reference.
    (fast, library), *_ = _both(MT940_BROKEN.replace("C50000,", "C99999999999997,00"))
    assert fast is None and library[1][1][6] == "99999999999997"


def _write(text, directory):
    path = directory / "s.sta"
    path.write_text(text, encoding="utf-8")
    return path
