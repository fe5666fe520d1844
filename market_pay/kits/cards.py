"""What a card template receives (vendor_kits/README.md lists the same fields, and a test keeps
the two in step). Pure: built from plain values, no database."""

from dataclasses import asdict, dataclass, fields
from datetime import date

from ..banks.directory import find_bank
from ..vietqr.check_code import check_code
from ..vietqr.codec import build
from ..vietqr.rendering import render_png


@dataclass(frozen=True)
class KitCard:
    market_name: str
    market_code: str
    stall_code: str
    display_name: str
    account_name: str  # exactly as registered: what the shopper's bank app will show
    bank_short_name: str
    bank_name: str
    bin: str
    account_number: str
    payload: str  # the static VietQR the code carries
    check_code: str
    print_date: str  # dd/mm/yyyy
    verify_address: str = ""  # where a shopper checks the code, without the scheme: "cho.example.vn/verify"

    def as_template_data(self) -> dict:
        """The fields, plus the QR image: rendered here, when the card is printed, so building the
        list of a market's cards (and its ETag) stays cheap."""
        # One pixel a module: the PDF scales it to the printed size without smoothing.
        return {**asdict(self), "qr_png": render_png(self.payload, size=1)}


CARD_FIELDS = tuple(field.name for field in fields(KitCard)) + ("qr_png",)


def verify_address(public_base_url: str) -> str:
    """The verify page's address as printed: no scheme, no trailing slash ("cho.example.vn/verify")."""
    base = public_base_url.strip().rstrip("/")
    for scheme in ("https://", "http://"):
        base = base.removeprefix(scheme)
    return f"{base}/verify"


def make_card(
    *,
    market_name,
    market_code,
    stall_code,
    display_name,
    account_name,
    bin_code,
    account_number,
    printed_on: date,
    public_base_url: str = "http://localhost:8000",
) -> KitCard:
    payload = build(bin_code, account_number)
    bank = find_bank(bin_code)
    return KitCard(
        market_name=market_name,
        market_code=market_code,
        stall_code=stall_code,
        display_name=display_name,
        account_name=account_name,
        bank_short_name=bank.short_name if bank else bin_code,
        bank_name=bank.name if bank else bin_code,
        bin=bin_code,
        account_number=account_number,
        payload=payload,
        check_code=check_code(payload),
        print_date=f"{printed_on:%d/%m/%Y}",
        verify_address=verify_address(public_base_url),
    )
