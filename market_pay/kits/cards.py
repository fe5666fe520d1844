"""What a card template receives (vendor_kits/README.md lists the same fields, and a test keeps
the two in step). Pure: built from plain values, no database."""
import base64
from dataclasses import asdict, dataclass, fields
from datetime import date

from ..banks.directory import find_bank
from ..vietqr.check_code import check_code
from ..vietqr.codec import build
from ..vietqr.rendering import render_svg


@dataclass(frozen=True)
class KitCard:
    market_name: str
    market_code: str
    stall_code: str
    display_name: str
    account_name: str        # exactly as registered: what the shopper's bank app will show
    bank_short_name: str
    bank_name: str
    bin: str
    account_number: str
    payload: str             # the static VietQR the code carries
    qr_svg_data_uri: str     # that payload as an SVG image (error correction Q, 4-module quiet zone)
    check_code: str
    print_date: str          # dd/mm/yyyy

    def as_template_data(self) -> dict:
        return asdict(self)


CARD_FIELDS = tuple(field.name for field in fields(KitCard))


def make_card(*, market_name, market_code, stall_code, display_name, account_name, bin_code, account_number,
              printed_on: date) -> KitCard:
    payload = build(bin_code, account_number)
    bank = find_bank(bin_code)
    svg = render_svg(payload, size=600)
    return KitCard(
        market_name=market_name, market_code=market_code, stall_code=stall_code, display_name=display_name,
        account_name=account_name, bank_short_name=bank.short_name if bank else bin_code,
        bank_name=bank.name if bank else bin_code, bin=bin_code, account_number=account_number, payload=payload,
        qr_svg_data_uri="data:image/svg+xml;base64," + base64.b64encode(svg).decode(),
        check_code=check_code(payload), print_date=f"{printed_on:%d/%m/%Y}")
