"""read(): every real VietQR form a shopper may scan is decoded, leniently and with warnings,
where parse() stays strict (issue 19, Verify)."""

import pytest

from market_pay.vietqr.codec import VietQRError, build, crc16, parse, read


def tlv(tag, value):
    return f"{tag}{len(value):02d}{value}"


def tlv_bytes(tag, value):
    return f"{tag}{len(value.encode()):02d}{value}"


def with_crc(body):
    return body + "6304" + crc16(body + "6304")


def merchant_code(service="QRPUSH", name="CUA HANG DONG XANH", amount="120000", field=tlv):
    account_block = "0010A000000727" + tlv("01", tlv("00", "970436") + tlv("01", "MC0012345")) + tlv("02", service)
    return with_crc(
        "000201"
        "010212"
        + tlv("38", account_block)
        + tlv("52", "5411")
        + "5303704"
        + tlv("54", amount)
        + "5802VN"
        + field("59", name)
        + tlv("60", "HA NOI")
        + tlv("62", tlv("01", "HD0042"))
    )


def test_a_banks_merchant_code_qrpush_is_read_and_parse_stays_strict():
    payload = merchant_code()
    reading = read(payload)
    assert reading.code.service_code == "QRPUSH" and reading.code.account == "MC0012345"
    assert reading.code.amount == 120_000 and reading.code.merchant_name == "CUA HANG DONG XANH"
    assert reading.warnings == ()
    with pytest.raises(VietQRError):
        parse(payload)


def test_an_atm_cash_code_qrcash_is_read():
    reading = read(merchant_code(service="QRCASH"))
    assert reading.code.service_code == "QRCASH"


@pytest.mark.parametrize("field", [tlv, tlv_bytes], ids=["lengths-in-characters", "lengths-in-bytes"])
def test_a_utf8_merchant_name_is_read_with_a_warning(field):
    reading = read(merchant_code(name="CỬA HÀNG ĐỒNG XANH", field=field))
    assert reading.code.merchant_name == "CỬA HÀNG ĐỒNG XANH" and reading.code.merchant_city == "HA NOI"
    assert any("UTF-8" in warning for warning in reading.warnings)
    assert (field is tlv_bytes) == any("bytes" in warning for warning in reading.warnings)


def test_an_amount_with_zero_cents_is_read_with_a_warning():
    reading = read(merchant_code(amount="120000.00"))
    assert reading.code.amount == 120_000 and "field 54" in reading.warnings[0]


@pytest.mark.parametrize(
    "payload",
    [build("970436", "0011001234567"), build("970436", "0011001234567", amount=50_000, purpose="THANH TOAN SAP 12")],
)
def test_our_own_codes_read_exactly_as_parse_reads_them_without_warnings(payload):
    assert read(payload) == type(read(payload))(parse(payload), ())


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "hello",
        merchant_code()[:-4] + "0000",
        merchant_code(service="QRXXXX"),
        with_crc("000201010212" + "5303704" + "5802VN"),
        merchant_code()[:30] + "\udcff" + merchant_code()[30:],
        merchant_code(name="CỬA\x07HÀNG"),
    ],
)
def test_what_no_bank_could_pay_is_still_refused(payload):
    with pytest.raises(VietQRError):
        read(payload)
