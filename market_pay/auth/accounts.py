"""Accounts people manage themselves or for their stalls: change one's own password or PIN (the old
one required), a manager's PIN reset (a new random PIN shown once, to be changed at the next
sign-in), an administrator's reactivation. Every change is audited; no secret enters the audit."""

import secrets

from flask import current_app
from sqlalchemy import update
from werkzeug.security import check_password_hash

from ..audit.services import record_change
from ..common.phone import normalise_phone
from ..common.types import utcnow
from ..errors import Forbidden, NotFound, TooManyRequests, ValidationFailed
from ..extensions import db
from ..throttling.attempts import count_attempt, forget_attempts
from .credential_rules import password_problem, pin_problem
from .models import STALL_ROLES, ApiToken, User
from .roles import Role
from .scopes import require_admin
from .services import create_user, hash_password, hash_token, revoke_all_tokens, set_active


def _change_key(user: User) -> str:
    return f"change:{user.id}"


def count_secret_check(actor: User):
    """Count one check of the actor's current secret (wrong old passwords are guesses too): the
    sign-in limit per account and client applies. The caller commits before the check."""
    config = current_app.config
    count, wait = count_attempt(_change_key(actor), config["LOGIN_THROTTLE_WINDOW_SECONDS"])
    if count > config["LOGIN_MAX_FAILURES_PER_USER_AND_CLIENT"]:
        raise TooManyRequests(wait)


def _revoke_other_tokens(user: User, current_token: str | None):
    """Every session and token of the user but the one making the change: a changed secret
    signs out whoever else knew the old one."""
    keep = hash_token(current_token) if current_token else None
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.token_hash != keep)
        .values(revoked_at=utcnow())
    )


def _set_secret(
    actor: User, old: str, new: str, problem: str | None, current_token: str | None, old_field: str, new_field: str
):
    if not check_password_hash(actor.password_hash, old):
        raise ValidationFailed(errors={old_field: ["This is not your current one."]})
    if problem:
        raise ValidationFailed(errors={new_field: [problem]})
    if new == old:
        raise ValidationFailed(errors={new_field: ["Choose a new one, not the current one."]})
    forget_attempts(_change_key(actor))
    actor.password_hash = hash_password(new)
    _revoke_other_tokens(actor, current_token)


def change_own_password(actor: User, old_password: str, new_password: str, current_token: str | None) -> User:
    """Staff change their own password; stall users have a PIN instead (change_own_pin)."""
    if actor.role in STALL_ROLES:
        raise Forbidden("Stall accounts have a PIN: POST /api/v1/auth/pin.")
    _set_secret(
        actor,
        old_password,
        new_password,
        password_problem(new_password, actor.username),
        current_token,
        "old_password",
        "new_password",
    )
    record_change(actor, "user.change_password", "user", actor.id)
    return actor


def change_own_pin(actor: User, old_pin: str, new_pin: str, current_token: str | None) -> User:
    """A vendor or assistant changes their own PIN; this also ends a reset's must-change state."""
    if actor.role not in STALL_ROLES:
        raise Forbidden("Staff accounts have a password: POST /api/v1/auth/password.")
    _set_secret(actor, old_pin, new_pin, pin_problem(new_pin, actor.username), current_token, "old_pin", "new_pin")
    actor.must_change_pin = False
    record_change(actor, "user.change_pin", "user", actor.id)
    return actor


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def random_pin() -> str:
    """Six random digits the credential rules accept."""
    while True:
        pin = f"{secrets.randbelow(10**6):06d}"
        if pin_problem(pin) is None:
            return pin


def reset_pin(actor: User, user_id: int) -> tuple[User, str]:
    """A new random PIN for a vendor or assistant: by an administrator, or by the manager of the
    stall's market. Their sessions and tokens end; they must choose their own PIN at next sign-in.
    Returns (user, pin): the PIN is shown once and stored only hashed."""
    if actor.role not in (Role.ADMIN, Role.MARKET_MANAGER):
        raise Forbidden("Only a market manager or an administrator may reset a PIN.")
    user = _user(user_id)
    if actor.role == "market_manager" and not (
        user.role in STALL_ROLES and user.vendor is not None and user.vendor.market_id == actor.market_id
    ):
        raise Forbidden("You can reset PINs only of your own market's stalls.")
    if user.role not in STALL_ROLES:
        raise ValidationFailed(
            errors={"user_id": ["Only vendors and assistants have a PIN; staff change their password."]}
        )
    pin = random_pin()
    user.password_hash = hash_password(pin)
    user.must_change_pin = True
    revoke_all_tokens(user)
    # The per-account ceiling starts over: its owner is about to sign in with the new PIN.
    forget_attempts(f"acct:{user.username.lower()}")
    record_change(actor, "user.reset_pin", "user", user.id, {"username": user.username})
    return user, pin


def random_password(username: str) -> str:
    """A random password the credential rules accept for this user (shown once)."""
    while True:
        password = secrets.token_urlsafe(12)
        if password_problem(password, username) is None:
            return password


def reset_password(actor: User, user_id: int) -> tuple[User, str]:
    """An administrator gives a staff user a new random password, shown once and stored only
    hashed; their sessions and tokens end. Stall users get a PIN instead (reset_pin)."""
    require_admin(actor)
    user = _user(user_id)
    if user.role in STALL_ROLES:
        raise ValidationFailed(errors={"user_id": ["Vendors and assistants have a PIN: reset the PIN."]})
    password = random_password(user.username)
    user.password_hash = hash_password(password)
    revoke_all_tokens(user)
    forget_attempts(f"acct:{user.username.lower()}")
    record_change(actor, "user.reset_password", "user", user.id, {"username": user.username})
    return user, password


def create_user_with_secret(
    actor: User, username: str, role: str, scope_code=None, display_name: str = ""
) -> tuple[User, str]:
    """An administrator creates a login with a random password (staff) or PIN (stall users, who
    must choose their own at first sign-in); returns (user, secret), the secret to be shown once."""
    require_admin(actor)
    stall = role in STALL_ROLES
    if stall:
        secret = random_pin()
        while pin_problem(secret, normalise_phone(username)) is not None:  # e.g. the phone's own digits
            secret = random_pin()
    else:
        secret = random_password(username.strip())
    user = create_user(actor, username, secret, role, scope_code, display_name)
    user.must_change_pin = stall
    return user, secret


def reactivate_user(actor: User, user_id: int) -> User:
    """An administrator lets a deactivated user sign in again (their old tokens stay revoked)."""
    require_admin(actor)
    user = _user(user_id)
    if set_active(user, True):  # reactivating an active user is no change for the audit log
        record_change(actor, "user.reactivate", "user", user.id)
    return user
