"""Vendor (a stall in a market) and ReceivingAccount (a bank account the stall is paid into)."""
from ..common.types import UTCDateTime, utcnow
from ..extensions import db

VENDOR_STATUSES = ("active", "suspended")


class Vendor(db.Model):
    __table_args__ = (db.UniqueConstraint("market_id", "stall_code"),)

    id = db.Column(db.Integer, primary_key=True)
    market_id = db.Column(db.Integer, db.ForeignKey("market.id"), nullable=False, index=True)
    stall_code = db.Column(db.String(40), nullable=False)
    display_name = db.Column(db.String(200), nullable=False)
    phone = db.Column(db.String(20), nullable=False)
    status = db.Column(db.String(20), nullable=False, default="active")
    # Credits below this many đồng are announced with a warning (the "200 đ" trick).
    floor_amount = db.Column(db.BigInteger)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    market = db.relationship("Market")
    accounts = db.relationship("ReceivingAccount", back_populates="vendor",
                               order_by="ReceivingAccount.id", cascade="all, delete-orphan")

    @property
    def market_code(self):
        return self.market.code

    def __repr__(self):
        return f"<Vendor {self.id} {self.stall_code}>"


class ReceivingAccount(db.Model):
    __table_args__ = (
        # The same bank account may be active for one vendor only: a callback for it must have
        # exactly one stall to go to. Deactivated rows keep their history.
        db.Index("uq_receiving_account_active_bin_account", "bin", "account_number", unique=True,
                 sqlite_where=db.text("active"), postgresql_where=db.text("active")),
    )

    id = db.Column(db.Integer, primary_key=True)
    vendor_id = db.Column(db.Integer, db.ForeignKey("vendor.id"), nullable=False, index=True)
    bin = db.Column(db.String(6), nullable=False)
    account_number = db.Column(db.String(19), nullable=False)
    # Exactly as the bank shows it (with diacritics if given so); the card prints this.
    account_name = db.Column(db.String(100), nullable=False)
    # ASCII upper-case form for VietQR fields and callback matching.
    account_name_folded = db.Column(db.String(100), nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    deactivated_at = db.Column(UTCDateTime)

    vendor = db.relationship("Vendor", back_populates="accounts")

    def __repr__(self):
        return f"<ReceivingAccount {self.bin}:{self.account_number}>"
