"""A stall's sign-ins as the office sees them, and a new one made by the office: the PIN is
random, shown once and must be changed at the first sign-in (like a manager's PIN reset)."""

from collections.abc import Sequence

from sqlalchemy import select

from ..auth.accounts import random_pin
from ..auth.credential_rules import pin_problem
from ..auth.models import STALL_ROLES, User
from ..auth.services import create_user
from ..common.phone import normalise_phone
from ..extensions import db


def stall_logins(vendor) -> Sequence[User]:
    return db.session.scalars(
        select(User).where(User.vendor_id == vendor.id, User.role.in_(STALL_ROLES)).order_by(User.role, User.id)
    ).all()


def create_stall_login(actor, vendor, phone: str, role: str) -> tuple[User, str]:
    """(user, PIN). create_user checks the actor's right, the phone and the PIN, and audits."""
    normalised = normalise_phone(phone)
    pin = random_pin()
    while normalised and pin_problem(pin, normalised):  # no run of the user's own phone number
        pin = random_pin()
    user = create_user(actor, phone, pin, role, f"{vendor.market.code}/{vendor.stall_code}")
    user.must_change_pin = True
    db.session.flush()
    return user, pin
