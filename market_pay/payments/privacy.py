"""Privacy of payers: who sees a payer's identity, and how far back a stall's assistant sees.

A payer's name (and the transfer's content, which usually carries it) is for the stall that was
paid, its market's manager and administrators. Region staff supervise figures across many markets
and see amounts, times and references, never who paid. An assistant serves at the stall today:
they see today's confirmations and requests, not the stall's history (README, "Roles and scopes").
"""

from datetime import datetime, time

from ..auth.roles import STALL_ROLES, Role
from ..common.local_time import local_zone

# Fields of the API's answers that identify a payer (payments/schemas.py), as marshmallow
# `exclude` paths per answer: left out for actors who must not see them.
PAYER_FIELDS = {
    "feed": ("items.payer_name",),
    "payment_request": ("transactions.payer_name",),
    "suspense": ("transaction.payer_name", "description"),
}


def sees_payers(actor) -> bool:
    """Admin, the market's manager and the stall itself (the caller has checked the scope)."""
    return actor.role in (Role.ADMIN, Role.MARKET_MANAGER, *STALL_ROLES)


def hidden_payer_fields(actor, answer: str) -> tuple:
    """What to leave out of `answer` for `actor`: nothing, or the payer's identity."""
    return () if sees_payers(actor) else PAYER_FIELDS[answer]


def today_only(actor) -> bool:
    return actor.role == "vendor_assistant"


def start_of_today() -> datetime:
    """Local midnight (Asia/Ho_Chi_Minh by default) as an aware datetime."""
    zone = local_zone()
    return datetime.combine(datetime.now(zone).date(), time.min, tzinfo=zone)
