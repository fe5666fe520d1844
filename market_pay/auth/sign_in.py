"""Sign-in in two steps around a commit: count the attempt (throttle), then check the secret.

Every attempt is counted against its limits *before* its password or PIN is checked, by one
atomic upsert per limit (throttling.attempts); the caller commits that count at once, so it holds
in every worker and no row stays locked during the (deliberately slow) hash check. An attempt
past any limit is refused with 429 and never checked: 40 concurrent guesses get at most the
limit's worth of checks. A success takes its count back.

The limits (config LOGIN_*):
- per account and client: 5 in 15 minutes. The client is the address, or for the account's own
  trusted device (its page session cookie, or a live API token of that account) the device itself;
- per account from anywhere but its trusted device: 20 an hour, a slower ceiling against guesses
  spread over many addresses, which cannot lock out the trusted phone;
- per client address, whatever the account: 30 in 15 minutes (that address only).
"""

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..common.phone import normalise_phone
from ..common.types import utcnow
from ..errors import TooManyRequests
from ..extensions import db
from ..throttling.attempts import count_attempt, forget_attempts, uncount_attempt
from .models import User
from .services import issue_token

# Checked when the username does not exist, so a miss costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


@dataclass
class SignInAttempt:
    """A counted attempt, waiting for its secret to be checked."""

    login: str
    user_id: int | None
    own_key: str  # per account and client: forgotten on success
    shared_keys: list[str] = field(default_factory=list)  # taken back by one on success


def login_of(username: str) -> str:
    """The username as stored: a vendor's phone in its one normal form, else the trimmed name."""
    return normalise_phone(username) or username.strip()


def begin_sign_in(username: str, client_address: str, trusted_device: tuple[int, str] | None = None) -> SignInAttempt:
    """Count one attempt against every limit that applies; TooManyRequests past any of them.

    `trusted_device` is (user id, device id) when the request comes from a device that user
    already holds a session or token on; it counts only against that device's own limit. The
    caller commits before calling finish_sign_in.
    """
    config = current_app.config
    login = login_of(username)
    user_id = db.session.scalar(select(User.id).where(User.username == login))
    account = login.lower()
    window = config["LOGIN_THROTTLE_WINDOW_SECONDS"]
    if trusted_device is not None and user_id is not None and trusted_device[0] == user_id:
        own_key = f"acct-dev:{account}|{trusted_device[1]}"
        limits = [(own_key, config["LOGIN_MAX_FAILURES_PER_USER_AND_CLIENT"], window)]
    else:
        own_key = f"acct-addr:{account}|{client_address}"
        limits = [
            (own_key, config["LOGIN_MAX_FAILURES_PER_USER_AND_CLIENT"], window),
            (f"acct:{account}", config["LOGIN_MAX_FAILURES_PER_USER"], config["LOGIN_USER_WINDOW_SECONDS"]),
            (f"addr:{client_address}", config["LOGIN_MAX_FAILURES_PER_ADDRESS"], window),
        ]
    waits = []
    for key, limit, seconds in limits:
        count, wait = count_attempt(key, seconds)
        if count > limit:
            waits.append(wait)
    if waits:
        raise TooManyRequests(max(waits))
    return SignInAttempt(login, user_id, own_key, [key for key, _, _ in limits[1:]])


def finish_sign_in(attempt: SignInAttempt, password: str, purpose: str = "api"):
    """Check the secret of a counted attempt; (user, token, expires_at), or None when wrong.

    A failure is already counted (and committed); a success forgets this client's failures and
    takes its attempt back from the shared counts. `purpose` "page" issues a page session id.
    """
    user = db.session.get(User, attempt.user_id) if attempt.user_id is not None else None
    good = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if not (user and good and user.active):
        return None
    forget_attempts(attempt.own_key)
    for key in attempt.shared_keys:
        uncount_attempt(key)
    user.last_login_at = utcnow()
    token, expires_at = issue_token(user, purpose)
    return user, token, expires_at
