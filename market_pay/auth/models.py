"""User (a role and a scope), ApiToken (stored hashed) and LoginFailure (for throttling)."""
from ..common.types import UTCDateTime, utcnow
from ..extensions import db

ROLES = ("admin", "region_staff", "market_manager", "vendor", "vendor_assistant")
STALL_ROLES = ("vendor", "vendor_assistant")


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

    user = db.relationship("User")


class LoginFailure(db.Model):
    """One failed sign-in, keyed by username and by client address.

    Kept in the database so the throttle holds across every gunicorn worker and app server.
    """

    id = db.Column(db.Integer, primary_key=True)
    key = db.Column(db.String(200), nullable=False)
    at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (db.Index("ix_login_failure_key_at", "key", "at"),)
