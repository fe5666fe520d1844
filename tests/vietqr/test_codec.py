"""The VietQR codec: shared samples, the worked example, every rule, and property tests."""

import json
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market_pay.vietqr.codec import MAX_AMOUNT, VietQRError, build, crc16, parse

SAMPLES = json.loads((Path(__file__).resolve().parents[2] / "tests/vietqr/vietqr_samples.json").read_text())
WORKED = (
    "00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA53037045405500005802VN"
    "62210817THANH TOAN SAP 1263045839"
)
FIELD_OF = {
    "bank_bin": "bin",
    "account": "account",
    "service_code": "service_code",
    "currency": "currency",
    "country": "country",
    "amount": "amount",
    "bill_number": "bill_number",
    "purpose": "purpose",
    "crc": "crc",
    "point_of_initiation": "point_of_initiation",
    "guid": "guid",
    "payload_format_indicator": "payload_format_indicator",
}


@pytest.mark.parametrize(
    "sample", [s for s in SAMPLES if "error" not in s["expected"]], ids=lambda s: s["payload"][-4:]
)
def test_shared_samples_decode_as_expected(sample):
    code = parse(sample["payload"])
    for key, expected in sample["expected"].items():
        value = getattr(code, FIELD_OF[key])
        assert (str(value) if key == "amount" else value) == expected, key


def test_the_bad_crc_sample_is_rejected_with_expected_and_found():
    bad = next(s for s in SAMPLES if "error" in s["expected"])
    with pytest.raises(VietQRError) as caught:
        parse(bad["payload"])
    assert caught.value.field == "63"
    assert "expected 4F52, found A203" in str(caught.value)
    assert caught.value.position == len(bad["payload"]) - 4


def test_worked_example_from_the_spec_is_built_exactly():
    assert build("970436", "0011001234567", amount=50_000, purpose="THANH TOAN SAP 12") == WORKED


def test_static_code_has_no_amount_and_initiation_11():
    payload = build("970422", "0352350917")
    assert payload == "00020101021138540010A00000072701240006970422011003523509170208QRIBFTTA53037045802VN630479DB"
    code = parse(payload)
    assert code.point_of_initiation == "11" and code.amount is None and not code.is_dynamic


def test_lower_case_crc_is_accepted_and_upper_case_emitted():
    assert parse(WORKED[:-4] + WORKED[-4:].lower()).crc == WORKED[-4:].lower()
    assert crc16("123456789") == "29B1"  # the CRC-16/CCITT-FALSE check value


def with_crc(body: str) -> str:
    return body + "6304" + crc16(body + "6304")


def tlv(tag, value):
    return f"{tag}{len(value):02d}{value}"


ACCOUNT_BLOCK = tlv(
    "38", tlv("00", "A000000727") + tlv("01", tlv("00", "970415") + tlv("01", "113366668888")) + tlv("02", "QRIBFTTA")
)


def test_objects_in_any_order_are_accepted_and_unknown_tags_kept():
    body = (
        "000201"
        "010212" + tlv("62", tlv("08", "tien le 123")) + "5802VN"
        "5303704" + ACCOUNT_BLOCK + tlv("54", "6000") + tlv("80", "abc")
    )
    code = parse(with_crc(body))
    assert (code.bin, code.account, code.amount, code.purpose) == ("970415", "113366668888", 6000, "tien le 123")
    assert code.unknown == (("80", "abc"),)


def test_unknown_subfields_of_62_and_38_are_kept():
    block = tlv(
        "38",
        tlv("00", "A000000727")
        + tlv("01", tlv("00", "970415") + tlv("01", "1133") + tlv("02", "zz"))
        + tlv("02", "QRIBFTTA")
        + tlv("03", "xy12"),
    )
    body = "000201010211" + block + "53037045802VN" + tlv("62", tlv("08", "SAP 12") + tlv("09", "hello"))
    code = parse(with_crc(body))
    assert set(code.unknown) == {("38.03", "xy12"), ("38.01.02", "zz"), ("62.09", "hello")}
    assert code.account == "1133"


def test_diacritics_are_folded_before_encoding():
    code = parse(build("970405", "123", purpose="Trả tiền rau", merchant_name="Đặng Thị Hoà", merchant_city="Hà Giang"))
    assert (code.purpose, code.merchant_name, code.merchant_city) == ("Tra tien rau", "Dang Thi Hoa", "Ha Giang")


def test_merchant_name_and_city_are_cut_to_their_limits():
    code = parse(
        build("970405", "123", merchant_name="Nguyễn Thị Phương Thảo bán rau", merchant_city="Thành phố Hà Giang")
    )
    assert len(code.merchant_name) <= 25 and len(code.merchant_city) <= 15


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"bin": "97043"}, "bin"),
        ({"bin": "97043X"}, "bin"),
        ({"account": ""}, "account"),
        ({"account": "1" * 20}, "account"),
        ({"account": "12-34"}, "account"),
        ({"amount": 0}, "amount"),
        ({"amount": -5}, "amount"),
        ({"amount": MAX_AMOUNT + 1}, "amount"),
        ({"amount": 10.5}, "amount"),
        ({"amount": True}, "amount"),
        ({"service_code": "QRPUSH"}, "service_code"),
        ({"mcc": "12"}, "mcc"),
        ({"purpose": "x" * 26}, "purpose"),
        ({"purpose": ""}, "purpose"),
        ({"purpose": "a\nb"}, "purpose"),
        ({"bill_number": "b" * 26}, "bill_number"),
        ({"reference_label": "r" * 30}, "reference_label"),
        ({"purpose": "p" * 25, "bill_number": "b" * 25, "reference_label": "r" * 25, "terminal_label": "t" * 10}, "62"),
    ],
)
def test_build_refuses_what_a_bank_app_would_reject_naming_the_field(kwargs, field):
    arguments = {"bin": "970436", "account": "0011001234567", **kwargs}
    with pytest.raises(VietQRError) as caught:
        build(arguments.pop("bin"), arguments.pop("account"), **arguments)
    assert caught.value.field == field


@pytest.mark.parametrize(
    "payload, field, problem, position",
    [
        ("", "payload", "empty", None),
        (WORKED[:-4] + "58E9", "63", "CRC mismatch", len(WORKED) - 4),
        (WORKED[:60], "63", "missing", 52),
        (
            with_crc("00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA5303704549950000"),
            "54",
            "declares 99",
            82,
        ),
        (with_crc("0002010102123857"), "38", "declares 57", 14),
        (with_crc("000201010212382"), "payload", "truncated", 12),
        (
            with_crc("00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA5303704"),
            "58",
            "missing country",
            80,
        ),
        (
            with_crc("00020101021238570010A00000072801270006970436011300110012345670208QRIBFTTA53037045802VN"),
            "38.00",
            "not NAPAS",
            20,
        ),
        (
            with_crc("00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA53038405802VN"),
            "53",
            "704",
            77,
        ),
        (
            with_crc("00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA53037045802US"),
            "58",
            "VN",
            84,
        ),
        (
            with_crc("00020101021338570010A00000072701270006970436011300110012345670208QRIBFTTA53037045802VN"),
            "01",
            "point of initiation",
            10,
        ),
        (
            with_crc(
                "00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA530370454060500005802VN"
            ),
            "54",
            "leading zero",
            84,
        ),
        (
            with_crc("00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTX53037045802VN"),
            "38.02",
            "service code",
            65,
        ),
        (
            with_crc("00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA5303704580XVN"),
            "58",
            "bad length",
            82,
        ),
        (
            with_crc("00020101021238570010A00000072701270006970436011500110012345670208QRIBFTTA53037045802VN"),
            "38.01.01",
            "declares 15",
            46,
        ),
        (
            with_crc("0002010102125303704530370438570010A00000072701270006970436011300110012345670208QRIBFTTA5802VN"),
            "53",
            "twice",
            19,
        ),
    ],
)
def test_parse_names_the_problem_and_its_position(payload, field, problem, position):
    with pytest.raises(VietQRError) as caught:
        parse(payload)
    error = caught.value
    assert (error.field, error.position) == (field, position), str(error)
    assert problem in str(error)


def test_non_ascii_is_rejected_where_it_stands():
    with pytest.raises(VietQRError) as caught:
        parse(WORKED.replace("THANH", "THÀNH"))
    assert caught.value.position == WORKED.index("THANH") + 2


PRINTABLE = st.text(alphabet=string.printable[:95], min_size=1, max_size=25)


@st.composite
def build_arguments(draw):
    arguments = {
        "bin": draw(st.text(alphabet=string.digits, min_size=6, max_size=6)),
        "account": draw(st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=19)),
        "service_code": draw(st.sampled_from(["QRIBFTTA", "QRIBFTTC"])),
        "amount": draw(st.none() | st.integers(min_value=1, max_value=MAX_AMOUNT)),
        "mcc": draw(st.none() | st.text(alphabet=string.digits, min_size=4, max_size=4)),
        "merchant_name": draw(st.none() | PRINTABLE.filter(lambda s: s == s.rstrip())),
        "merchant_city": draw(
            st.none()
            | st.text(alphabet=string.printable[:95], min_size=1, max_size=15).filter(lambda s: s == s.rstrip())
        ),
    }
    extras = {
        name: draw(st.none() | PRINTABLE) for name in ("bill_number", "reference_label", "terminal_label", "purpose")
    }
    if sum(len(v) + 4 for v in extras.values() if v is not None) > 99:
        extras["terminal_label"] = extras["reference_label"] = None
    return {**arguments, **extras}


@settings(max_examples=300, deadline=None)
@given(build_arguments())
def test_any_valid_input_round_trips_exactly(arguments):
    code = parse(build(**dict(arguments)))
    expected = {**arguments, "merchant_category_code": arguments["mcc"]}
    for name in (
        "bin",
        "account",
        "service_code",
        "amount",
        "merchant_category_code",
        "merchant_name",
        "merchant_city",
        "bill_number",
        "reference_label",
        "terminal_label",
        "purpose",
    ):
        assert getattr(code, name) == expected[name], name
    assert code.is_dynamic == (arguments["amount"] is not None)
    assert code.unknown == ()


@settings(max_examples=500, deadline=None)
@given(build_arguments(), st.data())
def test_any_single_character_corruption_is_rejected(arguments, data):
    payload = build(**arguments)
    position = data.draw(st.integers(min_value=0, max_value=len(payload) - 1))
    replacement = data.draw(
        st.characters(codec="ascii").filter(
            lambda c: c != payload[position] and not (position >= len(payload) - 4 and c.upper() == payload[position])
        )
    )
    corrupted = payload[:position] + replacement + payload[position + 1 :]
    with pytest.raises(VietQRError):
        parse(corrupted)
