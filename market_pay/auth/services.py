"""Users and tokens (bearer tokens and page sessions). Sign-in itself: sign_in.py."""

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import generate_password_hash

from ..audit.services import record_change
from ..common.paging import paginate
from ..common.phone import normalise_phone
from ..common.types import utcnow
from ..common.upsert import rowcount
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..markets.models import Market
from ..regions.models import Region
from ..vendors.models import Vendor
from .credential_rules import password_problem, pin_problem
from .models import ROLES, STALL_ROLES, ApiToken, User
from .scopes import require_admin

TOKEN_PREFIX = "mp_"
# Page session ids look different, so one pasted where a bearer token goes is recognisably wrong.
PAGE_SESSION_PREFIX = "mps_"
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{2,79}$")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    # werkzeug's default (scrypt) unless configured; the test suite picks a cheap method.
    method = current_app.config.get("PASSWORD_HASH_METHOD")
    return generate_password_hash(password, method) if method else generate_password_hash(password)


def resolve_scope(role: str, scope_code: str | None) -> dict:
    """Turn a role's scope code into the matching foreign key; 422 naming `scope` when wrong.

    region_staff → a region code; market_manager → a market code; vendor and vendor_assistant →
    MARKET_CODE/STALL_CODE; admin → none.
    """
    if role == "admin":
        if scope_code:
            raise ValidationFailed(errors={"scope": ["An administrator has no scope."]})
        return {}
    if not scope_code:
        raise ValidationFailed(errors={"scope": [f"A {role} needs a scope."]})
    if role == "region_staff":
        region = db.session.scalar(select(Region).where(Region.code == scope_code))
        if region is None:
            raise ValidationFailed(errors={"scope": [f"No region with code {scope_code}."]})
        return {"region_id": region.id}
    if role == "market_manager":
        market = db.session.scalar(select(Market).where(Market.code == scope_code))
        if market is None:
            raise ValidationFailed(errors={"scope": [f"No market with code {scope_code}."]})
        return {"market_id": market.id}
    market_code, _, stall_code = scope_code.partition("/")
    vendor = db.session.scalar(
        select(Vendor).join(Market).where(Market.code == market_code, Vendor.stall_code == stall_code)
    )
    if vendor is None:
        raise ValidationFailed(errors={"scope": ["Give the stall as MARKET_CODE/STALL_CODE of a registered stall."]})
    return {"vendor_id": vendor.id}


def _check_credentials_shape(role: str, username: str, password: str) -> str:
    """Validate username/password for the role; return the username as stored."""
    if role in STALL_ROLES:
        phone = normalise_phone(username)
        if phone is None:
            raise ValidationFailed(errors={"username": ["Vendors sign in with a Vietnamese phone number."]})
        problem = pin_problem(password, phone)
        if problem:
            raise ValidationFailed(errors={"password": [problem]})
        return phone
    if not _USERNAME.match(username):
        raise ValidationFailed(errors={"username": ["Use 3–80 letters, digits, '.', '_', '@' or '-'."]})
    problem = password_problem(password, username)
    if problem:
        raise ValidationFailed(errors={"password": [problem]})
    return username


def create_user(actor, username: str, password: str, role: str, scope_code=None, display_name: str = "") -> User:
    """Create a user. `actor` None means the operator's CLI (allowed to create the first admin).

    Admins create any user; a market manager creates the logins of their own market's stalls
    (vendors and assistants), since they are the ones who register those stalls.
    """
    if role not in ROLES:
        raise ValidationFailed(errors={"role": [f"One of: {', '.join(ROLES)}."]})
    if actor is not None and not (actor.role == "market_manager" and role in STALL_ROLES):
        require_admin(actor)
    username = _check_credentials_shape(role, username.strip(), password)
    scope = resolve_scope(role, scope_code)
    if (
        actor is not None
        and actor.role == "market_manager"
        and db.session.scalar(select(Vendor.market_id).where(Vendor.id == scope["vendor_id"])) != actor.market_id
    ):
        raise Forbidden("You can create logins only for stalls of your own market.")
    taken = Conflict(errors={"username": ["This username is taken."]})
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise taken
    user = User(username=username, password_hash=hash_password(password), role=role, display_name=display_name, **scope)
    # The check above cannot see a concurrent creation of the same name (a double-clicked form on
    # PostgreSQL): the unique constraint decides, inside a savepoint so the caller's transaction
    # survives to render the refusal.
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise taken from None
    record_change(actor, "user.create", "user", user.id, {"username": username, "role": role, "scope": scope_code})
    return user


def _with_scopes():
    """Loader options for a page of users: what `scope_code` reads (region, market, stall and the
    stall's market) comes in the page's own statement, not one statement per user."""
    return (
        joinedload(User.region),
        joinedload(User.market),
        joinedload(User.vendor).joinedload(Vendor.market),
    )


def list_users(actor, role=None, limit=None, cursor=None):
    require_admin(actor)
    query = select(User).options(*_with_scopes())
    if role:
        query = query.where(User.role == role)
    return paginate(query, User.id, limit, cursor)


def search_users(actor, words: str = "", role: str | None = None, limit=None, cursor=None):
    """Users whose username or display name contains `words` (any case), optionally of one role;
    for administrators. Returns (users, next cursor)."""
    require_admin(actor)
    query = select(User).options(*_with_scopes())
    if role:
        query = query.where(User.role == role)
    words = words.strip()[:80]
    if words:
        pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(User.username.ilike(pattern, escape="\\"), User.display_name.ilike(pattern, escape="\\"))
        )
    return paginate(query, User.id, limit, cursor)


def deactivate_user(actor, user_id: int) -> User:
    require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    if user.id == actor.id:  # the last administrator could otherwise lock everyone out
        raise ValidationFailed(errors={"user_id": ["You cannot deactivate your own account."]})
    revoke_all_tokens(user)
    if set_active(user, False):  # deactivating an inactive user is no change for the audit log
        record_change(actor, "user.deactivate", "user", user.id)
    return user


def set_active(user: User, active: bool) -> bool:
    """Switch the user on or off; False when they already were. One conditional UPDATE decides
    between concurrent switches (a double click): only the one that changed the row says so."""
    changed = rowcount(
        db.session.execute(
            update(User)
            .where(User.id == user.id, User.active == (not active))
            .values(active=active)
            .execution_options(synchronize_session=False)
        )
    )
    set_committed_value(user, "active", active)  # the row says so already: no second UPDATE
    return changed == 1


def issue_token(user: User, purpose: str = "api"):
    """A new random token (stored hashed). "api": a bearer token; "page": a page session id,
    which the API guard refuses."""
    config = current_app.config
    ttl = config["VENDOR_TOKEN_TTL_SECONDS"] if user.role in STALL_ROLES else config["TOKEN_TTL_SECONDS"]
    token = (PAGE_SESSION_PREFIX if purpose == "page" else TOKEN_PREFIX) + secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(seconds=ttl)
    db.session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), expires_at=expires_at, purpose=purpose))
    return token, expires_at


def user_for_token(token: str, purpose: str = "api") -> User | None:
    """The active user behind a live (unexpired, unrevoked) token of this purpose, else None."""
    # The token and its user in one statement: every authenticated request does this, and the
    # user's own lazy load was a second round trip (and the ORM's per-statement cost) each time.
    row = db.session.scalar(
        select(ApiToken).options(joinedload(ApiToken.user)).where(ApiToken.token_hash == hash_token(token))
    )
    if row is None or row.purpose != purpose or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row.user if row.user.active else None


def user_for_page_session(token: str | None) -> User | None:
    """The active user behind a page session id (from the session cookie), else None."""
    return user_for_token(token, "page") if token else None


def revoke_token(token: str):
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_all_tokens(user: User):
    db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
