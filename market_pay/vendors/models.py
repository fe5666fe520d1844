"""Vendor (a stall in a market) and ReceivingAccount (a bank account the stall is paid into)."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common.types import UTCDateTime, utcnow
from ..extensions import Model, db

if TYPE_CHECKING:
    from ..auth.models import User
    from ..markets.models import Market


VENDOR_STATUSES = ("active", "suspended")
# A receiving account's life (README, "Vendor-confirmed accounts"): `pending` until the vendor
# confirms it with their PIN or an admin approves it, then `active`; `rejected` if refused,
# `inactive` once deactivated. Only an `active` account is live: on codes, kits, requests and
# verify answers, and credited by the matcher.
ACCOUNT_STATUSES = ("active", "pending", "rejected", "inactive")
# What a pending request asks for: a new account (status pending) or the deactivation of a
# stall's last live account (status still active until confirmed).
ACCOUNT_CHANGES = ("add", "deactivate")


class Vendor(Model):
    __table_args__ = (db.UniqueConstraint("market_id", "stall_code"),)

    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    market_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("market.id"), nullable=False, index=True)
    stall_code: Mapped[str] = mapped_column(db.String(40), nullable=False)
    display_name: Mapped[str] = mapped_column(db.String(200), nullable=False)
    # The holder's name as on their ID card or business registration. Thông tư 25/2025/TT-NHNN
    # makes a bank account's name equal it from 01/03/2026: every receiving account must match it.
    legal_name: Mapped[str] = mapped_column(db.String(100), nullable=False, server_default="")
    phone: Mapped[str] = mapped_column(db.String(20), nullable=False)
    status: Mapped[str] = mapped_column(db.String(20), nullable=False, default="active")
    # Credits below this many đồng are announced with a warning (the "200 đ" trick).
    floor_amount: Mapped[int | None] = mapped_column(db.BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    market: Mapped["Market"] = relationship("Market")
    accounts: Mapped[list["ReceivingAccount"]] = relationship(
        "ReceivingAccount", back_populates="vendor", order_by="ReceivingAccount.id", cascade="all, delete-orphan"
    )

    @property
    def market_code(self):
        return self.market.code

    def __repr__(self):
        return f"<Vendor {self.id} {self.stall_code}>"


class ReceivingAccount(Model):
    __table_args__ = (
        # The same bank account may be active for one vendor only: a callback for it must have
        # exactly one stall to go to. Deactivated rows keep their history.
        db.Index(
            "uq_receiving_account_active_bin_account",
            "bin",
            "account_number",
            unique=True,
            sqlite_where=db.text("active"),
            postgresql_where=db.text("active"),
        ),
        # One number, one stall, whatever the BIN: partners that send no BIN (payOS, SePay without
        # a gateway) find the stall by number alone, so a second live or pending row under another
        # bank would divert them (issue 17, finding 5).
        db.Index(
            "uq_receiving_account_live_number",
            "account_number",
            unique=True,
            sqlite_where=db.text("status IN ('active', 'pending')"),
            postgresql_where=db.text("status IN ('active', 'pending')"),
        ),
        # `active` is the one "live" flag every reader filters on (codes, kits, requests, verify,
        # the matcher and the PostgreSQL recording statement): it can never disagree with status.
        db.CheckConstraint("active = (status = 'active')", name="live_is_active"),
    )

    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    vendor_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("vendor.id"), nullable=False, index=True)
    bin: Mapped[str] = mapped_column(db.String(6), nullable=False)
    account_number: Mapped[str] = mapped_column(db.String(19), nullable=False)
    # Exactly as the bank shows it (with diacritics if given so); the card prints this.
    account_name: Mapped[str] = mapped_column(db.String(100), nullable=False)
    # ASCII upper-case form for VietQR fields and callback matching.
    account_name_folded: Mapped[str] = mapped_column(db.String(100), nullable=False)
    active: Mapped[bool] = mapped_column(db.Boolean, nullable=False, default=True)
    status: Mapped[str] = mapped_column(db.String(20), nullable=False, default="active", server_default="active")
    # The open request on this account, if any (ACCOUNT_CHANGES), who asked and when.
    pending_change: Mapped[str | None] = mapped_column(db.String(20))
    requested_by_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("user.id"))
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    vendor: Mapped["Vendor"] = relationship("Vendor", back_populates="accounts")
    requested_by: Mapped["User | None"] = relationship("User")

    def set_status(self, status: str):
        """The one way to change status: keeps the live flag in step (see the check constraint)."""
        self.status = status
        self.active = status == "active"

    def __repr__(self):
        return f"<ReceivingAccount {self.bin}:{self.account_number}>"
