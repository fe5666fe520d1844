"""User (a role and a scope) and ApiToken (stored hashed; API tokens and page sessions).

Sign-in attempts are counted in throttling.models.AttemptCounter."""
from sqlalchemy import false

from ..common.types import UTCDateTime, utcnow
from ..extensions import db

from .roles import ROLES, STALL_ROLES  # noqa: F401 (imported from here by older code)


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    # Staff choose a username; vendors and assistants sign in with their phone number.
    username = db.Column(db.String(80), nullable=False, unique=True)
    display_name = db.Column(db.String(200), nullable=False, default="")
    password_hash = db.Column(db.String(256), nullable=False)
    role = db.Column(db.String(20), nullable=False)
    # The scope column that applies depends on the role (region staff → region, market
    # manager → market, vendor and assistant → vendor); admin has none.
    region_id = db.Column(db.Integer, db.ForeignKey("region.id"), index=True)
    market_id = db.Column(db.Integer, db.ForeignKey("market.id"), index=True)
    vendor_id = db.Column(db.Integer, db.ForeignKey("vendor.id"), index=True)
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    last_login_at = db.Column(UTCDateTime)
    # Set when a manager resets a stall user's PIN: until they choose their own, the API answers
    # only the PIN change (403 elsewhere) and the board asks for a new PIN.
    must_change_pin = db.Column(db.Boolean, nullable=False, default=False, server_default=false())

    region = db.relationship("Region")
    market = db.relationship("Market")
    vendor = db.relationship("Vendor")

    @property
    def scope_code(self):
        """The scope as users and scripts name it: a region or market code, or MARKET/STALL."""
        if self.role == "region_staff":
            return self.region.code
        if self.role == "market_manager":
            return self.market.code
        if self.role in STALL_ROLES:
            return f"{self.vendor.market.code}/{self.vendor.stall_code}"
        return None

    def __repr__(self):
        return f"<User {self.username} {self.role}>"


class ApiToken(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    # SHA-256 of the random token: a leaked database does not leak usable tokens.
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime, nullable=False)
    revoked_at = db.Column(UTCDateTime)
    # "api": a bearer token (Authorization header). "page": a page session id kept in the signed
    # session cookie; the API guard refuses it, so a copied cookie never opens the API.
    purpose = db.Column(db.String(10), nullable=False, default="api", server_default="api")

    user = db.relationship("User")
