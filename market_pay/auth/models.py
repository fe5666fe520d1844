"""User (a role and a scope) and ApiToken (stored hashed; API tokens and page sessions).

Sign-in attempts are counted in throttling.models.AttemptCounter."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common.types import UTCDateTime, utcnow
from ..extensions import Model, db

if TYPE_CHECKING:
    from ..markets.models import Market
    from ..regions.models import Region
    from ..vendors.models import Vendor


from .roles import ROLES, STALL_ROLES  # noqa: F401 (imported from here by older code)


class User(Model):
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    # Staff choose a username; vendors and assistants sign in with their phone number.
    username: Mapped[str] = mapped_column(db.String(80), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(db.String(200), nullable=False, default="")
    password_hash: Mapped[str] = mapped_column(db.String(256), nullable=False)
    role: Mapped[str] = mapped_column(db.String(20), nullable=False)
    # The scope column that applies depends on the role (region staff → region, market
    # manager → market, vendor and assistant → vendor); admin has none.
    region_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("region.id"), index=True)
    market_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("market.id"), index=True)
    vendor_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("vendor.id"), index=True)
    active: Mapped[bool] = mapped_column(db.Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when a manager resets a stall user's PIN: until they choose their own, the API answers
    # only the PIN change (403 elsewhere) and the board asks for a new PIN.
    must_change_pin: Mapped[bool] = mapped_column(db.Boolean, nullable=False, default=False, server_default=false())

    region: Mapped["Region | None"] = relationship("Region")
    market: Mapped["Market | None"] = relationship("Market")
    vendor: Mapped["Vendor | None"] = relationship("Vendor")

    @property
    def scope_code(self):
        """The scope as users and scripts name it: a region or market code, or MARKET/STALL."""
        if self.role == "region_staff" and self.region is not None:
            return self.region.code
        if self.role == "market_manager" and self.market is not None:
            return self.market.code
        if self.role in STALL_ROLES and self.vendor is not None:
            return f"{self.vendor.market.code}/{self.vendor.stall_code}"
        return None

    def __repr__(self):
        return f"<User {self.username} {self.role}>"


class ApiToken(Model):
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    # SHA-256 of the random token: a leaked database does not leak usable tokens.
    token_hash: Mapped[str] = mapped_column(db.String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "api": a bearer token (Authorization header). "page": a page session id kept in the signed
    # session cookie; the API guard refuses it, so a copied cookie never opens the API.
    purpose: Mapped[str] = mapped_column(db.String(10), nullable=False, default="api", server_default="api")

    user: Mapped["User"] = relationship("User")
