"""VietQR payload codec (NAPAS247 profile of EMVCo merchant-presented QR). Pure: no Flask, no DB.

build() makes a payload and refuses, naming the field, anything a bank app would reject.
parse() reads any valid payload (objects in any order, lower-case CRC) into a frozen VietQR and
refuses anything else with an error naming the problem and its position.
read() is parse() for what a shopper may scan in the wild: it also takes banks' merchant codes
(QRPUSH), ATM cash codes (QRCASH) and UTF-8 text, and lists where the standard is bent.
Facts: docs/VIETQR.md (NAPAS VietQR v1.0, 09/2021).
"""

import re
from binascii import crc_hqx
from dataclasses import dataclass
from typing import NoReturn, overload

from ..common.textfold import fold_ascii

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
SERVICE_TO_CARD = "QRIBFTTC"
SERVICE_CODES = (SERVICE_TO_ACCOUNT, SERVICE_TO_CARD)
# Real VietQR codes that are not a transfer to a person's account: a shop's code from its bank
# (the "account" is a merchant id) and an ATM's cash-withdrawal code. read() takes them; build()
# never makes them.
SERVICE_MERCHANT, SERVICE_CASH = "QRPUSH", "QRCASH"
READABLE_SERVICE_CODES = SERVICE_CODES + (SERVICE_MERCHANT, SERVICE_CASH)
STATIC, DYNAMIC = "11", "12"
CURRENCY_VND, COUNTRY_VN = "704", "VN"
# One NAPAS247 transfer must stay under 500 million đồng.
MAX_AMOUNT = 499_999_999
# (tag in template 62, name, maximum length)
ADDITIONAL_FIELDS = (("01", "bill_number"), ("05", "reference_label"), ("07", "terminal_label"), ("08", "purpose"))
_ADDITIONAL_BY_TAG = dict(ADDITIONAL_FIELDS)
MAX_SUBFIELD = 25
_MANDATORY = (
    ("00", "payload format indicator"),
    ("01", "point of initiation"),
    ("38", "NAPAS account block"),
    ("53", "currency"),
    ("58", "country"),
)
_MANDATORY_TAGS = frozenset(tag for tag, _ in _MANDATORY)
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset("0123456789")


class VietQRError(ValueError):
    """A payload or build input that a bank app would reject; says which field and where."""

    def __init__(self, field: str, problem: str, position: int | None = None):
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"field {field}{where}: {problem}")
        self.field, self.problem, self.position = field, problem, position


@dataclass(frozen=True)
class VietQR:
    """Every field of a payload. `unknown` keeps tags we do not interpret as (path, value)."""

    point_of_initiation: str
    bin: str
    account: str
    service_code: str
    amount: int | None
    currency: str
    country: str
    merchant_category_code: str | None
    merchant_name: str | None
    merchant_city: str | None
    bill_number: str | None
    reference_label: str | None
    terminal_label: str | None
    purpose: str | None
    crc: str
    payload_format_indicator: str = "01"
    guid: str = NAPAS_GUID
    unknown: tuple = ()

    @property
    def is_dynamic(self) -> bool:
        return self.point_of_initiation == DYNAMIC

    @classmethod
    def _from_parsed(cls, fields: dict) -> "VietQR":
        # parse() has validated every field; filling __dict__ at once skips the frozen
        # __setattr__ per field (a third of parse time) while instances stay immutable.
        instance = object.__new__(cls)
        object.__setattr__(instance, "__dict__", fields)
        return instance


def crc16(text: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) as 4 upper-case hex digits.

    binascii.crc_hqx is that CRC implemented in C, so no Python bit loop is needed.
    """
    return f"{crc_hqx(text.encode(), 0xFFFF):04X}"


# ---------------------------------------------------------------------------------- building


def _tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


@overload
def _text(field: str, value: str, limit: int, truncate: bool = False) -> str: ...
@overload
def _text(field: str, value: str | None, limit: int, truncate: bool = False) -> str | None: ...
def _text(field: str, value: str | None, limit: int, truncate: bool = False) -> str | None:
    """Fold diacritics, insist on printable ASCII and the length limit (or cut to it)."""
    if value is None:
        return None
    if not value.isascii():
        value = fold_ascii(value)
    if not value or not value.isprintable():
        raise VietQRError(field, "must be printable text" if value else "must not be empty")
    if len(value) > limit:
        if not truncate:
            raise VietQRError(field, f"is {len(value)} characters; the limit is {limit}")
        value = value[:limit].rstrip()
    return value


def build(
    bin: str,
    account: str,
    *,
    service_code: str = SERVICE_TO_ACCOUNT,
    amount: int | None = None,
    purpose: str | None = None,
    bill_number: str | None = None,
    reference_label: str | None = None,
    terminal_label: str | None = None,
    merchant_name: str | None = None,
    merchant_city: str | None = None,
    mcc: str | None = None,
    dynamic: bool | None = None,
) -> str:
    """The payload for an account; dynamic (one payment) when an amount is given unless told.

    Text is folded to ASCII ("Đặng Thị Hoà" → "Dang Thi Hoa"). Merchant name and city are cut
    to 25 / 15 characters (cosmetic); 62 sub-fields over 25 characters raise, since cutting a
    payment reference would break matching. Raises VietQRError naming the field.
    """
    if len(bin) != 6 or not _DIGITS.issuperset(bin):
        raise VietQRError("bin", "must be 6 digits")
    if not 1 <= len(account) <= 19 or not _ALNUM.issuperset(account):
        raise VietQRError("account", "must be 1 to 19 letters or digits")
    if service_code not in SERVICE_CODES:
        raise VietQRError("service_code", f"must be {SERVICE_TO_ACCOUNT} or {SERVICE_TO_CARD}")
    if amount is not None and (type(amount) is not int or not 0 < amount <= MAX_AMOUNT):
        raise VietQRError("amount", f"must be a whole number of đồng from 1 to {MAX_AMOUNT}")
    if mcc is not None and (len(mcc) != 4 or not _DIGITS.issuperset(mcc)):
        raise VietQRError("mcc", "must be 4 digits")
    if dynamic is None:
        dynamic = amount is not None
    beneficiary = _tlv("00", bin) + _tlv("01", account)
    parts = [
        "000201",
        "010212" if dynamic else "010211",
        _tlv("38", "0010" + NAPAS_GUID + _tlv("01", beneficiary) + _tlv("02", service_code)),
    ]
    if mcc is not None:
        parts.append(_tlv("52", mcc))
    parts.append("5303704")
    if amount is not None:
        parts.append(_tlv("54", str(amount)))
    parts.append("5802VN")
    if merchant_name is not None:
        parts.append(_tlv("59", _text("merchant_name", merchant_name, 25, truncate=True)))
    if merchant_city is not None:
        parts.append(_tlv("60", _text("merchant_city", merchant_city, 15, truncate=True)))
    additional = "".join(
        _tlv(tag, _text(name, value, MAX_SUBFIELD))
        for tag, name, value in (
            ("01", "bill_number", bill_number),
            ("05", "reference_label", reference_label),
            ("07", "terminal_label", terminal_label),
            ("08", "purpose", purpose),
        )
        if value is not None
    )
    if additional:
        if len(additional) > 99:
            raise VietQRError("62", f"additional data is {len(additional)} characters; the limit is 99")
        parts.append(_tlv("62", additional))
    body = "".join(parts) + "6304"
    return body + crc16(body)


# ----------------------------------------------------------------------------------- parsing
# Every valid 4-character object header ("3857" …) → (tag, length): one dict lookup in the hot
# loop replaces two slices, an isdigit and an int() per object.
_HEADERS = {f"{tag:02d}{size:02d}": (f"{tag:02d}", size) for tag in range(100) for size in range(1, 100)}
# The account block as every bank we know writes it; anything else takes the general path.
_ACCOUNT_BLOCK = re.compile(r"0010A00000072701(\d\d)0006(\d{6})01(\d\d)([0-9A-Za-z]{1,19})0208(QRIBFTT[AC])")


class _HeaderError(Exception):
    """A malformed object header inside the template at `path`; position relative to it."""

    def __init__(self, path: str, field: str, problem: str, position: int):
        super().__init__(problem)
        self.path, self.field, self.problem, self.position = path, field, problem, position


def _objects(text: str, path: str) -> dict:
    """Split a TLV string into {tag: value}. The hot loop of parse(): positions are worked out
    only when something is wrong, never on the happy path."""
    objects = {}
    pos, end = 0, len(text)
    while pos < end:
        header = _HEADERS.get(text[pos : pos + 4])
        if header is None:
            _raise_bad_header(text, pos, path)
        tag, size = header
        stop = pos + 4 + size
        if stop > end:
            raise _HeaderError(
                path,
                path + tag,
                f"declares {size} characters but only {end - pos - 4} remain (truncated or wrong length)",
                pos + 2,
            )
        if tag in objects:
            raise _HeaderError(path, path + tag, "appears twice", pos)
        objects[tag] = text[pos + 4 : stop]
        pos = stop
    return objects


def _raise_bad_header(text: str, pos: int, path: str) -> NoReturn:
    head = text[pos : pos + 4]
    where = path.rstrip(".") or "payload"
    if len(head) < 4:
        raise _HeaderError(path, where, "truncated: a field header needs 4 characters", pos)
    if not (head[:2].isdigit() and head[:2].isascii()):
        raise _HeaderError(path, where, f"bad tag {head[:2]!r}", pos)
    raise _HeaderError(path, path + head[:2], f"bad length {head[2:]!r}", pos + 2)


def _value_offset(payload: str, path: str) -> int:
    """Where the value of `path` ("38", "38.01.00", …) starts in the payload; for error messages."""
    text, offset = payload[:-8], 0
    for tag in path.split("."):
        pos = 0
        while pos + 4 <= len(text) and text[pos : pos + 2] != tag:
            pos += 4 + _HEADERS.get(text[pos : pos + 4], ("", 0))[1]
        if pos + 4 > len(text):
            return offset
        size = _HEADERS.get(text[pos : pos + 4], ("", 0))[1]
        offset += pos + 4
        text = text[pos + 4 : pos + 4 + size]
    return offset


def _check_crc(payload: str) -> str:
    if len(payload) < 8 or payload[-8:-4] != "6304":
        raise VietQRError(
            "63", "missing: the payload must end with the CRC (6304 + 4 hex digits)", max(len(payload) - 8, 0)
        )
    found = payload[-4:]
    expected = crc16(payload[:-4])
    if found.upper() != expected:
        raise VietQRError("63", f"CRC mismatch: expected {expected}, found {found}", len(payload) - 4)
    return found


def _account_block(value: str, warnings: list | None = None):
    """(bin, account, service, unknown) from template 38; fast when it has the usual shape.
    With a `warnings` list (read()), merchant and cash codes and odd account ids are let through."""
    match = _ACCOUNT_BLOCK.fullmatch(value)
    if match:
        beneficiary_length, bin_code, account_length, account, service = match.groups()
        if int(account_length) == len(account) and int(beneficiary_length) == 14 + len(account):
            return bin_code, account, service, []
    inner = _objects(value, "38.")
    if inner.get("00") != NAPAS_GUID:
        raise VietQRError("38.00", f"GUID {inner.get('00')!r} is not NAPAS ({NAPAS_GUID})")
    if "01" not in inner:
        raise VietQRError("38.01", "missing beneficiary (BIN and account)")
    beneficiary = _objects(inner["01"], "38.01.")
    bin_code = beneficiary.get("00", "")
    if len(bin_code) != 6 or not _DIGITS.issuperset(bin_code):
        raise VietQRError("38.01.00", f"BIN {bin_code!r} must be 6 digits")
    account = beneficiary.get("01", "")
    if not 1 <= len(account) <= 19 or not _ALNUM.issuperset(account):
        if warnings is None or not account or not account.isprintable():
            raise VietQRError("38.01.01", f"account {account!r} must be 1 to 19 letters or digits")
        warnings.append(f"field 38.01.01: account or merchant id {account!r} is not 1 to 19 letters or digits")
    service = inner.get("02")
    allowed = SERVICE_CODES if warnings is None else READABLE_SERVICE_CODES
    if service not in allowed:
        raise VietQRError("38.02", f"service code {service!r} must be {' or '.join(allowed)}")
    unknown = [(f"38.{t}", v) for t, v in inner.items() if t not in ("00", "01", "02")]
    unknown += [(f"38.01.{t}", v) for t, v in beneficiary.items() if t not in ("00", "01")]
    return bin_code, account, service, unknown


def _amount(value: str, warnings: list | None = None) -> int:
    if warnings is not None:
        whole, dot, cents = value.partition(".")
        if whole and _DIGITS.issuperset(whole) and (not dot or set(cents) <= {"0"}) and value != whole.lstrip("0"):
            warnings.append(f"field 54: amount {value!r} is not written as whole đồng without leading zeros")
            value = whole.lstrip("0") or value
    if not _DIGITS.issuperset(value) or value[0] == "0" or len(value) > 13:
        raise VietQRError("54", f"amount {value!r} must be whole đồng: digits, no leading zero")
    amount = int(value)
    if amount > MAX_AMOUNT:
        raise VietQRError("54", f"amount {amount} is over the NAPAS247 limit of {MAX_AMOUNT}")
    return amount


_KNOWN_ROOT = frozenset(("00", "01", "38", "52", "53", "54", "58", "59", "60", "62"))


def parse(payload: object) -> VietQR:
    """Read a payload; raise VietQRError (field, problem, position) for anything invalid."""
    if not isinstance(payload, str) or not payload:
        raise VietQRError("payload", "is empty")
    if not payload.isascii():
        raise VietQRError(
            "payload", "contains non-ASCII characters", next(i for i, c in enumerate(payload) if not c.isascii())
        )
    crc = _check_crc(payload)
    return _located(payload, lambda: _parse_checked(payload, crc))


def _located(payload: str, parse_checked):
    """Run a parse of `payload`, turning any error into a VietQRError with its position in it."""
    try:
        return parse_checked()
    except _HeaderError as error:
        base = _value_offset(payload, error.path.rstrip(".")) if error.path else 0
        raise VietQRError(error.field, error.problem, base + error.position) from None
    except VietQRError as error:
        if error.position is not None:
            raise
        # Say where the offending value starts in the whole payload.
        raise VietQRError(error.field, error.problem, _value_offset(payload, error.field)) from None


@dataclass(frozen=True)
class Reading:
    """What read() made of a payload, and each way it departs from the standard (plain English)."""

    code: VietQR
    warnings: tuple = ()


_TEXT_FIELDS = ("merchant_name", "merchant_city", "bill_number", "reference_label", "terminal_label", "purpose")


def read(payload: object) -> Reading:
    """Lenient parse() for codes found in the wild; raises VietQRError only for what no bank app
    could pay (a bad CRC, a missing account block, broken structure).

    Besides parse(): service codes QRPUSH (a shop's merchant code) and QRCASH (ATM cash), text
    in UTF-8 (a Vietnamese merchant name), with lengths counted in characters or, as some
    encoders do, in UTF-8 bytes; an amount with zero cents or leading zeros; an account id that
    is not 1 to 19 letters or digits. Each is named in `warnings`.
    """
    if not isinstance(payload, str) or not payload:
        raise VietQRError("payload", "is empty")
    try:
        payload.encode("utf-8")
    except UnicodeEncodeError as error:  # a lone surrogate (undecodable bytes on a command line)
        raise VietQRError("payload", "is not valid text", error.start) from None
    crc = _check_crc(payload)
    warnings: list[str] = []
    if payload.isascii():
        return Reading(_located(payload, lambda: _parse_checked(payload, crc, warnings)), tuple(warnings))
    if not payload.isprintable():
        raise VietQRError(
            "payload", "contains control characters", next(i for i, c in enumerate(payload) if not c.isprintable())
        )
    warnings.append("text in UTF-8 (non-ASCII characters); the standard asks for ASCII")
    try:
        code = _located(payload, lambda: _parse_checked(payload, crc, warnings))
    except VietQRError as by_characters:
        # Some encoders count a field's length in UTF-8 bytes: read the bytes one per character
        # (Latin-1), so lengths are byte counts, then turn the text fields back into UTF-8.
        as_bytes = payload.encode("utf-8").decode("latin-1")
        try:
            code = _parse_checked(as_bytes, crc, warnings)
        except (VietQRError, _HeaderError):
            raise by_characters from None
        fixed = {
            name: getattr(code, name).encode("latin-1").decode("utf-8", "replace")
            for name in _TEXT_FIELDS
            if getattr(code, name) is not None
        }
        code = VietQR._from_parsed({**code.__dict__, **fixed})
        warnings.append("field lengths count UTF-8 bytes, not characters")
    return Reading(code, tuple(dict.fromkeys(warnings)))


def _parse_checked(payload: str, crc: str, warnings: list | None = None) -> VietQR:
    if not payload.startswith("000201"):
        raise VietQRError("00", "the payload must start with 000201 (format indicator 01)", 0)
    root = _objects(payload[:-8], "")
    if "63" in root:
        raise VietQRError("63", "the CRC must be the last field")
    if not root.keys() >= _MANDATORY_TAGS:
        tag, name = next((tag, name) for tag, name in _MANDATORY if tag not in root)
        raise VietQRError(tag, f"missing {name}", len(payload) - 8)
    initiation = root["01"]
    if initiation != STATIC and initiation != DYNAMIC:
        raise VietQRError("01", f"point of initiation {initiation!r} must be 11 (static) or 12 (dynamic)")
    bin_code, account, service, unknown = _account_block(root["38"], warnings)
    if root["53"] != CURRENCY_VND:
        raise VietQRError("53", f"currency {root['53']!r} must be 704 (VND)")
    if root["58"] != COUNTRY_VN:
        raise VietQRError("58", f"country {root['58']!r} must be VN")
    extra: dict[str, str | None] = {
        "bill_number": None,
        "reference_label": None,
        "terminal_label": None,
        "purpose": None,
    }
    if "62" in root:
        for tag, value in _objects(root["62"], "62.").items():
            field_name = _ADDITIONAL_BY_TAG.get(tag)
            if field_name:
                extra[field_name] = value
            else:
                unknown.append((f"62.{tag}", value))
    if len(root) > 7:
        unknown += [(tag, value) for tag, value in root.items() if tag not in _KNOWN_ROOT]
    return VietQR._from_parsed(
        {
            "point_of_initiation": initiation,
            "bin": bin_code,
            "account": account,
            "service_code": service,
            "amount": _amount(root["54"], warnings) if "54" in root else None,
            "currency": CURRENCY_VND,
            "country": COUNTRY_VN,
            "merchant_category_code": root.get("52"),
            "merchant_name": root.get("59"),
            "merchant_city": root.get("60"),
            "crc": crc,
            "payload_format_indicator": "01",
            "guid": NAPAS_GUID,
            "unknown": tuple(unknown),
            **extra,
        }
    )
