"""Register and edit vendors (stalls) and their receiving accounts, within the actor's scope."""
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError

from ..audit.services import record_change
from ..auth.scopes import (require_market_manage, require_market_read, require_vendor_read,
                           visible_markets_condition)
from ..common.bulk import in_values
from ..common.paging import paginate
from ..common.textfold import fold_upper
from ..common.types import utcnow
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..markets.models import Market
from ..markets.services import find_market
from .models import ReceivingAccount, Vendor


def find_vendor(vendor_id: int) -> Vendor:
    vendor = db.session.get(Vendor, vendor_id)
    if vendor is None:
        raise NotFound(f"No vendor with id {vendor_id}.")
    return vendor


def _market_for_create(actor, code: str) -> Market:
    market = db.session.scalar(select(Market).where(Market.code == code))
    if market is None:
        raise ValidationFailed(errors={"market_code": [f"No market with code {code}."]})
    if actor is not None:
        require_market_manage(actor, market)
    return market


def active_account_owner(bin_code: str, account_number: str) -> ReceivingAccount | None:
    return db.session.scalar(select(ReceivingAccount).where(
        ReceivingAccount.bin == bin_code, ReceivingAccount.account_number == account_number,
        ReceivingAccount.active.is_(True)))


def active_account_owners(keys) -> dict[tuple[str, str], str]:
    """{(bin, account_number): "MARKET/STALL"} for those of `keys` active at some stall: one query,
    however many keys (the bulk import's lookup; active_account_owner is the one-key form)."""
    keys = set(keys)
    if not keys:
        return {}
    rows = db.session.execute(
        select(ReceivingAccount.bin, ReceivingAccount.account_number, Market.code, Vendor.stall_code)
        .join(Vendor, ReceivingAccount.vendor_id == Vendor.id).join(Market, Vendor.market_id == Market.id)
        .where(ReceivingAccount.active.is_(True),
               in_values(ReceivingAccount.account_number, sorted({number for _, number in keys}))))
    return {(bin_code, number): f"{market}/{stall}" for bin_code, number, market, stall in rows
            if (bin_code, number) in keys}


def _account_values(data: dict) -> dict:
    """The one place a receiving account's columns are decided (its owner must have been checked
    first); used for a single account and for an import's batch."""
    return {"bin": data["bin"], "account_number": data["account_number"], "account_name": data["account_name"],
            "account_name_folded": fold_upper(data["account_name"])}


def _new_account(data: dict, field: str) -> ReceivingAccount:
    owner = active_account_owner(data["bin"], data["account_number"])
    if owner is not None:
        raise Conflict(errors={field: [
            f"Account {data['bin']}/{data['account_number']} is already active for stall "
            f"{owner.vendor.market.code}/{owner.vendor.stall_code}."]})
    return ReceivingAccount(**_account_values(data))


def _vendor_values(market: Market, data: dict) -> dict:
    """The one place a Vendor's (stall's) columns are decided; used for one stall and for an
    import's batch."""
    return {"market_id": market.id, "stall_code": data["stall_code"], "display_name": data["display_name"],
            "phone": data["phone"], "floor_amount": data.get("floor_amount"), "status": "active"}


def _record_created(actor, market: Market, vendor_id: int, stall_code: str, accounts: list):
    record_change(actor, "vendor.create", "vendor", vendor_id, {
        "market_code": market.code, "stall_code": stall_code,
        "accounts": [f"{a['bin']}/{a['account_number']}" for a in accounts]})


def _flush_or_conflict(message: str):
    """Flush; a unique constraint lost to a concurrent request becomes a 409, not a 500."""
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict(message) from None


def _stall_taken(market_id: int, stall_code: str) -> bool:
    return db.session.scalar(select(Vendor.id).where(
        Vendor.market_id == market_id, Vendor.stall_code == stall_code)) is not None


def register_vendor(actor, data: dict) -> Vendor:
    """Create a stall with its accounts. `actor` None is the operator's CLI or an import."""
    market = _market_for_create(actor, data["market_code"])
    if _stall_taken(market.id, data["stall_code"]):
        raise Conflict(errors={"stall_code": [f"Stall {data['stall_code']} exists in {market.code}."]})
    vendor = Vendor(market=market, **_vendor_values(market, data))
    vendor.accounts = [_new_account(account, f"accounts.{i}.account_number")
                       for i, account in enumerate(data["accounts"])]
    db.session.add(vendor)
    _flush_or_conflict("A stall or account in this request was registered at the same moment.")
    _record_created(actor, market, vendor.id, vendor.stall_code, data["accounts"])
    return vendor


def register_checked_vendors(actor, market: Market, stalls: list[dict]) -> int:
    """Create many stalls at once, for an import that has already checked (with one query each)
    that their stall codes are free in `market` and their accounts active nowhere; the caller
    checked the actor's right to manage the market. Returns how many were created.

    Batched INSERTs (no per-row statement, no ORM bookkeeping for thousands of objects): the
    stalls, one query for their new ids, their accounts, then an audit entry per stall. The
    unique constraints still decide a race with a concurrent request (409, nothing created)."""
    if not stalls:
        return 0
    try:
        _insert_many(Vendor.__table__, [_vendor_values(market, data) for data in stalls])
        ids = dict(db.session.execute(select(Vendor.stall_code, Vendor.id).where(
            Vendor.market_id == market.id, in_values(Vendor.stall_code, [data["stall_code"] for data in stalls]))).all())
        _insert_many(ReceivingAccount.__table__, [
            {**_account_values(account), "vendor_id": ids[data["stall_code"]]}
            for data in stalls for account in data["accounts"]])
    except IntegrityError:
        raise Conflict("A stall or account in this file was registered at the same moment.") from None
    for data in stalls:
        _record_created(actor, market, ids[data["stall_code"]], data["stall_code"], data["accounts"])
    db.session.flush()
    return len(stalls)


def _insert_many(table, rows: list[dict]) -> None:
    """INSERT every row (all with the same keys) in as few statements as the database allows.

    PostgreSQL: one statement whatever the number of rows, each column sent as one array
    (`INSERT … SELECT unnest(…), unnest(…)`); the driver would otherwise spell out (and parse) a
    placeholder per value. SQLite: the driver's executemany, already one prepared statement.
    Columns the rows leave out get their Python-side default, once for all rows (a timestamp)."""
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(insert(table), rows)
        return
    given = list(rows[0])
    defaults = {c.key: c.default.arg(None) if c.default.is_callable else c.default.arg for c in table.columns
                if c.key not in given and c.default is not None and not c.primary_key}
    arrays = [func.unnest(bindparam(f"column_{n}", [row[key] for row in rows], type_=ARRAY(table.c[key].type)))
              for n, key in enumerate(given)]
    constants = [bindparam(f"default_{key}", value, type_=table.c[key].type) for key, value in defaults.items()]
    db.session.execute(insert(table).from_select(given + list(defaults), select(*arrays, *constants)))


def list_vendors(actor, market_code=None, status=None, limit=None, cursor=None):
    """Vendors of the markets the actor may see; stall roles see only their own stall."""
    query = select(Vendor).join(Market).where(visible_markets_condition(actor))
    if actor.role in ("vendor", "vendor_assistant"):
        query = query.where(Vendor.id == actor.vendor_id)
    if market_code:
        market = find_market(market_code)
        require_market_read(actor, market)  # naming a market outside the scope is a 403
        query = query.where(Vendor.market_id == market.id)
    if status:
        query = query.where(Vendor.status == status)
    return paginate(query, Vendor.id, limit, cursor)


def get_vendor(actor, vendor_id: int) -> Vendor:
    vendor = find_vendor(vendor_id)
    require_vendor_read(actor, vendor)
    return vendor


def _managed_vendor(actor, vendor_id: int) -> Vendor:
    vendor = find_vendor(vendor_id)
    require_market_manage(actor, vendor.market)
    return vendor


def update_vendor(actor, vendor_id: int, changes: dict) -> Vendor:
    vendor = _managed_vendor(actor, vendor_id)
    new_code = changes.get("stall_code")
    if new_code and new_code != vendor.stall_code and _stall_taken(vendor.market_id, new_code):
        raise Conflict(errors={"stall_code": [f"Stall {new_code} exists in {vendor.market.code}."]})
    before = {field: getattr(vendor, field) for field in changes}
    for field, value in changes.items():
        setattr(vendor, field, value)
    _flush_or_conflict("The stall code was taken at the same moment.")
    record_change(actor, "vendor.update", "vendor", vendor.id, {"before": before, "after": changes})
    return vendor


def set_vendor_status(actor, vendor_id: int, status: str, reason: str = "") -> Vendor:
    vendor = _managed_vendor(actor, vendor_id)
    if vendor.status != status:
        vendor.status = status
        db.session.flush()
        record_change(actor, f"vendor.{'suspend' if status == 'suspended' else 'reactivate'}",
                      "vendor", vendor.id, {"reason": reason})
    return vendor


def add_account(actor, vendor_id: int, data: dict) -> ReceivingAccount:
    vendor = _managed_vendor(actor, vendor_id)
    account = _new_account(data, "account_number")
    vendor.accounts.append(account)
    _flush_or_conflict("This account was registered at the same moment.")
    record_change(actor, "account.add", "receiving_account", account.id,
                  {"vendor_id": vendor.id, "account": f"{account.bin}/{account.account_number}"})
    return account


def deactivate_account(actor, vendor_id: int, account_id: int) -> ReceivingAccount:
    vendor = _managed_vendor(actor, vendor_id)
    account = next((a for a in vendor.accounts if a.id == account_id), None)
    if account is None:
        raise NotFound(f"Vendor {vendor_id} has no account {account_id}.")
    if account.active:
        account.active = False
        account.deactivated_at = utcnow()
        db.session.flush()
        record_change(actor, "account.deactivate", "receiving_account", account.id,
                      {"vendor_id": vendor.id})
    return account
