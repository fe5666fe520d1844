"""The one bound on a single line of money (a callback, a statement line, a sale, a request, an
imported amount): whatever the service accepts stays far inside the database's integers.

Why 1,000,000,000 ₫: a real transfer through Napas 247 (the rail every VietQR payment uses) is at
most 500,000,000 ₫, and a market stall's sale is far below that; twice the rail's limit leaves room
for a bank that raises it without a release of ours. Anything above is not a market payment but a
typo or an attack, and is refused with a clear error. With it, a stall-day's sum stays below 2^63
for any count of lines the service can hold (9.2 × 10^9 lines of the maximum), so the reports'
BigInteger rollups cannot overflow.
"""

MAX_LINE_AMOUNT = 1_000_000_000
# Where it applies: callbacks (payments/partner_formats.py: above it a signed delivery is kept as
# "malformed" in the inbox and suspense, never booked), statement lines (reconciliation/
# statement_file.py), cash sales (cash/schemas.py), survey rows (per sale: cash/survey_import.py).
# Payment requests and stall floors keep NAPAS247's tighter 499,999,999 ₫ (vietqr/codec.py).

AMOUNT_TOO_LARGE = f"At most {MAX_LINE_AMOUNT:,} đồng per line (the service's single bound on money).".replace(",", ".")


def within_bound(amount: int) -> bool:
    """True for a positive whole amount the service accepts on one line."""
    return 0 < amount <= MAX_LINE_AMOUNT
