"""Every feature's models in one place, for Alembic autogenerate and `flask shell`."""

from .audit.models import AuditLog
from .auth.models import ApiToken, User
from .cash.models import CashSale
from .markets.models import Market
from .payments.models import BankTransaction, FeedCounter, InboxEntry, PartnerCredential, PaymentRequest, SuspenseItem
from .reconciliation.models import ReconciliationBreak, ReconciliationRun, ReconciliationRunMarket
from .reconciliation.pull.models import StatementPull
from .regions.models import Region
from .reports.models import MarketDayTotal, RollupDirty, StallDayTotal, StallMonthTotal
from .throttling.models import AttemptCounter, RateCounter
from .vendors.models import ReceivingAccount, Vendor

__all__ = [
    "ApiToken",
    "AttemptCounter",
    "AuditLog",
    "BankTransaction",
    "CashSale",
    "FeedCounter",
    "InboxEntry",
    "Market",
    "MarketDayTotal",
    "PartnerCredential",
    "PaymentRequest",
    "RateCounter",
    "ReceivingAccount",
    "ReconciliationBreak",
    "ReconciliationRun",
    "ReconciliationRunMarket",
    "Region",
    "RollupDirty",
    "StallDayTotal",
    "StallMonthTotal",
    "StatementPull",
    "SuspenseItem",
    "User",
    "Vendor",
]
