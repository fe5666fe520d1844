"""Register and edit vendors (stalls) and their receiving accounts, within the actor's scope."""

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..audit.services import record_change
from ..auth.roles import STALL_ROLES
from ..auth.scopes import require_market_manage, require_market_read, require_vendor_read, visible_markets_condition
from ..common.bulk import in_values
from ..common.paging import paginate
from ..common.textfold import fold_upper
from ..common.types import utcnow
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
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


# Finding 8 of issue 17: the answer never says whose the number is (another market's stall).
NUMBER_TAKEN = "This account number is already registered to a stall (under this or another bank)."


def number_taken(account_number: str) -> bool:
    """Is this number live or awaiting confirmation at any stall, under any BIN? Partners that
    send no BIN find the stall by number alone (finding 5), so one number belongs to one stall."""
    return (
        db.session.scalar(
            select(ReceivingAccount.id)
            .where(
                ReceivingAccount.account_number == account_number, ReceivingAccount.status.in_(("active", "pending"))
            )
            .limit(1)
        )
        is not None
    )


def needs_confirmation(actor) -> bool:
    """Four eyes: a change by anyone but an administrator (or the operator's CLI, actor None)
    waits for the vendor's PIN or an administrator's approval."""
    return actor is not None and actor.role != "admin"


def name_mismatch(legal_name: str, account_name: str) -> str | None:
    """Thông tư 25/2025/TT-NHNN: from 01/03/2026 an account's name is the holder's ID name, so a
    receiving account whose folded name differs from the vendor's legal name is someone else's."""
    if fold_upper(account_name) == fold_upper(legal_name):
        return None
    return f"The account name must be the vendor's legal name as on their ID ({legal_name})."


def _new_account(actor, data: dict, legal_name: str, field: str) -> ReceivingAccount:
    """`field` is where errors point (the account's position in the request)."""
    mismatch = name_mismatch(legal_name, data["account_name"])
    if mismatch:
        raise ValidationFailed(errors={field.replace("account_number", "account_name"): [mismatch]})
    if number_taken(data["account_number"]):
        raise Conflict(errors={field: [NUMBER_TAKEN]})
    return ReceivingAccount(**_account_values(actor, data, utcnow()))


def numbers_taken(numbers) -> set[str]:
    """The bulk form of number_taken: those of `numbers` live or pending at any stall, in one
    query however many (the vendor import's lookup)."""
    numbers = sorted(set(numbers))
    if not numbers:
        return set()
    return set(
        db.session.scalars(
            select(ReceivingAccount.account_number).where(
                in_values(ReceivingAccount.account_number, numbers), ReceivingAccount.status.in_(("active", "pending"))
            )
        )
    )


def _account_values(actor, data: dict, now) -> dict:
    """The one place a receiving account's columns are decided (its number and name checked
    first); used for a single account and for an import's batch. Four eyes: a non-admin's
    account waits for the vendor (status and live flag kept in step, see the check constraint)."""
    values = {
        "bin": data["bin"],
        "account_number": data["account_number"],
        "account_name": data["account_name"],
        "account_name_folded": fold_upper(data["account_name"]),
    }
    if needs_confirmation(actor):
        return {
            **values,
            "status": "pending",
            "active": False,
            "pending_change": "add",
            "requested_by_id": actor.id,
            "requested_at": now,
        }
    return {**values, "status": "active", "active": True}


def _vendor_values(market: Market, data: dict) -> dict:
    """The one place a Vendor's (stall's) columns are decided; used for one stall and for an
    import's batch. The API requires the legal name; the CLI and CSV files without the column
    take the first account's name (the bank's record of the holder), which the others must match."""
    return {
        "market_id": market.id,
        "stall_code": data["stall_code"],
        "display_name": data["display_name"],
        "legal_name": data.get("legal_name") or data["accounts"][0]["account_name"],
        "phone": data["phone"],
        "floor_amount": data.get("floor_amount"),
        "status": "active",
    }


def _record_created(actor, market: Market, vendor_id: int, stall_code: str, accounts: list, status: str):
    record_change(
        actor,
        "vendor.create",
        "vendor",
        vendor_id,
        {
            "market_code": market.code,
            "stall_code": stall_code,
            "accounts": [f"{a['bin']}/{a['account_number']}" for a in accounts],
            "account_status": status,
        },
        market_id=market.id,
        vendor_id=vendor_id,
    )


def _flush_or_conflict(message: str):
    """Flush; a unique constraint lost to a concurrent request becomes a 409, not a 500."""
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict(message) from None


def _stall_taken(market_id: int, stall_code: str) -> bool:
    return (
        db.session.scalar(select(Vendor.id).where(Vendor.market_id == market_id, Vendor.stall_code == stall_code))
        is not None
    )


def _stall_exists(stall_code: str, market: Market) -> str:
    return f"Stall {stall_code} exists in {market.code}."


def registration_problems(market: Market, data: dict) -> tuple[dict, dict]:
    """What register_vendor would refuse in `data` beyond its schema, every problem at once, for a
    form that shows all its mistakes together (the office): (invalid, taken). invalid: an
    account's name that is not the legal name (422); taken: the stall code in `market` or an
    account number already registered (409). `data` may be partial (a schema's valid data after
    other fields failed): what is missing is not looked at. Keys as register_vendor's errors."""
    invalid: dict[str, list[str]] = {}
    taken: dict[str, list[str]] = {}
    if data.get("stall_code") and _stall_taken(market.id, data["stall_code"]):
        taken["stall_code"] = [_stall_exists(data["stall_code"], market)]
    for i, account in enumerate(data.get("accounts") or []):
        if data.get("legal_name") and account.get("account_name"):
            mismatch = name_mismatch(data["legal_name"], account["account_name"])
            if mismatch:
                invalid[f"accounts.{i}.account_name"] = [mismatch]
        if account.get("account_number") and number_taken(account["account_number"]):
            taken[f"accounts.{i}.account_number"] = [NUMBER_TAKEN]
    return invalid, taken


def register_vendor(actor, data: dict) -> Vendor:
    """Create a stall with its accounts. `actor` None is the operator's CLI or an import."""
    market = _market_for_create(actor, data["market_code"])
    if _stall_taken(market.id, data["stall_code"]):
        raise Conflict(errors={"stall_code": [_stall_exists(data["stall_code"], market)]})
    values = _vendor_values(market, data)
    vendor = Vendor(market=market, **values)
    vendor.accounts = [
        _new_account(actor, account, values["legal_name"], f"accounts.{i}.account_number")
        for i, account in enumerate(data["accounts"])
    ]
    db.session.add(vendor)
    _flush_or_conflict("A stall or account in this request was registered at the same moment.")
    _record_created(actor, market, vendor.id, vendor.stall_code, data["accounts"], vendor.accounts[0].status)
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
    now = utcnow()
    try:
        _insert_many(Vendor.__table__, [_vendor_values(market, data) for data in stalls])
        ids = dict(
            db.session.execute(
                select(Vendor.stall_code, Vendor.id).where(
                    Vendor.market_id == market.id, in_values(Vendor.stall_code, [data["stall_code"] for data in stalls])
                )
            ).all()
        )
        _insert_many(
            ReceivingAccount.__table__,
            [
                {**_account_values(actor, account, now), "vendor_id": ids[data["stall_code"]]}
                for data in stalls
                for account in data["accounts"]
            ],
        )
    except IntegrityError:
        raise Conflict("A stall or account in this file was registered at the same moment.") from None
    for data in stalls:
        _record_created(
            actor,
            market,
            ids[data["stall_code"]],
            data["stall_code"],
            data["accounts"],
            "pending" if needs_confirmation(actor) else "active",
        )
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
    defaults = {
        c.key: c.default.arg(None) if c.default.is_callable else c.default.arg
        for c in table.columns
        if c.key not in given and c.default is not None and not c.primary_key
    }
    arrays = [
        func.unnest(bindparam(f"column_{n}", [row[key] for row in rows], type_=ARRAY(table.c[key].type)))
        for n, key in enumerate(given)
    ]
    constants = [bindparam(f"default_{key}", value, type_=table.c[key].type) for key, value in defaults.items()]
    db.session.execute(insert(table).from_select(given + list(defaults), select(*arrays, *constants)))


def list_vendors(actor, market_code=None, status=None, limit=None, cursor=None):
    """Vendors of the markets the actor may see; stall roles see only their own stall.

    What the answer shows of each vendor comes with the page (VendorSchema: its market's code,
    its accounts, who asked for a pending one), so the number of statements does not grow with
    the page: the market from the join the scope needs anyway, the accounts and their requesters
    in one statement each (none for requesters when nothing is pending)."""
    query = (
        select(Vendor)
        .join(Market)
        .where(visible_markets_condition(actor))
        .options(
            contains_eager(Vendor.market),
            selectinload(Vendor.accounts).selectinload(ReceivingAccount.requested_by),
        )
    )
    if actor.role in STALL_ROLES:
        query = query.where(Vendor.id == actor.vendor_id)
    if market_code:
        market = find_market(market_code)
        require_market_read(actor, market)  # naming a market outside the scope is a 403
        query = query.where(Vendor.market_id == market.id)
    if status:
        query = query.where(Vendor.status == status)
    return paginate(query, Vendor.id, limit, cursor)


def get_vendor(actor, vendor_id: int) -> Vendor:
    """One vendor with what its answer shows (market, accounts, their requesters), in one
    statement: the scope check needs the market, the schema the rest."""
    vendor = (
        db.session.scalars(
            select(Vendor)
            .where(Vendor.id == vendor_id)
            .options(
                joinedload(Vendor.market),
                joinedload(Vendor.accounts).joinedload(ReceivingAccount.requested_by),
            )
        )
        .unique()
        .one_or_none()
    )
    if vendor is None:
        raise NotFound(f"No vendor with id {vendor_id}.")
    require_vendor_read(actor, vendor)
    return vendor


def managed_vendor(actor, vendor_id: int) -> Vendor:
    """The stall, if `actor` may change it: 404 for no such stall, 403 outside their markets."""
    vendor = find_vendor(vendor_id)
    require_market_manage(actor, vendor.market)
    return vendor


def update_vendor(actor, vendor_id: int, changes: dict) -> Vendor:
    vendor = managed_vendor(actor, vendor_id)
    if "legal_name" in changes and changes["legal_name"] != vendor.legal_name and needs_confirmation(actor):
        # The name every account is checked against: a manager who could change it could
        # then register an account in any name.
        raise Forbidden("Only an administrator may correct a vendor's legal name.")
    new_code = changes.get("stall_code")
    if new_code and new_code != vendor.stall_code and _stall_taken(vendor.market_id, new_code):
        raise Conflict(errors={"stall_code": [f"Stall {new_code} exists in {vendor.market.code}."]})
    before = {field: getattr(vendor, field) for field in changes}
    for field, value in changes.items():
        setattr(vendor, field, value)
    _flush_or_conflict("The stall code was taken at the same moment.")
    record_change(actor, "vendor.update", "vendor", vendor.id, {"before": before, "after": changes})
    return vendor


SUSPENSION_NEEDS_A_REASON = "Say why the stall is suspended."


def set_vendor_status(actor, vendor_id: int, status: str, reason: str = "") -> Vendor:
    """Suspend (status "suspended") or reactivate ("active") a stall. A suspension stops a
    vendor's takings, so it says why (422 without a reason; the audit log keeps it); a
    reactivation may. The caller's right to manage the stall is checked first (403/404)."""
    vendor = managed_vendor(actor, vendor_id)
    if status == "suspended" and not reason.strip():
        raise ValidationFailed(errors={"reason": [SUSPENSION_NEEDS_A_REASON]})
    # The same suspension sent several times at once (a double click, ten threads): the row is
    # locked and its status read afresh, so one request changes it and is audited, the others
    # find it done (PostgreSQL; SQLite transactions are serial already).
    db.session.execute(select(Vendor.id).where(Vendor.id == vendor.id).with_for_update())
    db.session.refresh(vendor, ["status"])
    if vendor.status != status:
        vendor.status = status
        db.session.flush()
        record_change(
            actor,
            f"vendor.{'suspend' if status == 'suspended' else 'reactivate'}",
            "vendor",
            vendor.id,
            {"reason": reason},
        )
    return vendor


def audit_account(actor, action: str, account: ReceivingAccount, **details):
    record_change(
        actor,
        action,
        "receiving_account",
        account.id,
        {
            "vendor_id": account.vendor_id,
            "account": f"{account.bin}/{account.account_number}",
            "status": account.status,
            **details,
        },
    )


def add_account(actor, vendor_id: int, data: dict) -> ReceivingAccount:
    """Admin/CLI: live at once. The market's manager: pending until the vendor confirms it."""
    vendor = managed_vendor(actor, vendor_id)
    account = _new_account(actor, data, vendor.legal_name, "account_number")
    vendor.accounts.append(account)
    _flush_or_conflict(NUMBER_TAKEN)
    audit_account(actor, "account.add", account)
    return account


def deactivate_account(actor, vendor_id: int, account_id: int) -> ReceivingAccount:
    """Admin/CLI: at once. The manager: at once while another account stays live; the stall's
    last live account only once the vendor confirms (else the stall could be left with none,
    or with only the manager's new one). A pending account is withdrawn (rejected)."""
    vendor = managed_vendor(actor, vendor_id)
    lock_stall(vendor.id)  # two deactivations at once must not each see the other account live
    account = next((a for a in vendor.accounts if a.id == account_id), None)
    if account is None:
        raise NotFound(f"Vendor {vendor_id} has no account {account_id}.")
    if account.status == "pending":
        withdraw(account)
        db.session.flush()
        audit_account(actor, "account.reject", account, change="add", withdrawn=True)
    elif account.status == "active":
        others_live = any(a.active and a.id != account.id for a in vendor.accounts)
        if not needs_confirmation(actor) or others_live:
            retire(account)
            db.session.flush()
            audit_account(actor, "account.deactivate", account)
        elif account.pending_change is None:  # asking twice changes nothing
            account.pending_change, account.requested_by, account.requested_at = "deactivate", actor, utcnow()
            db.session.flush()
            audit_account(actor, "account.request_deactivate", account)
    return account


def lock_stall(vendor_id: int):
    """Serialise changes to one stall's accounts: lock the stall's row until commit, then read its
    accounts afresh (PostgreSQL; SQLite transactions are serial already). Of concurrent decisions
    on one request exactly one finds it still open."""
    db.session.execute(select(Vendor.id).where(Vendor.id == vendor_id).with_for_update())
    db.session.scalars(
        select(ReceivingAccount)
        .where(ReceivingAccount.vendor_id == vendor_id)
        .execution_options(populate_existing=True)
    ).all()


def _clear_request(account: ReceivingAccount):
    account.pending_change = account.requested_by = account.requested_at = None


def retire(account: ReceivingAccount):
    account.set_status("inactive")
    account.deactivated_at = utcnow()
    _clear_request(account)


def withdraw(account: ReceivingAccount):
    """Refuse the open request: a new account is rejected, a live one stays live."""
    if account.status == "pending":
        account.set_status("rejected")
    _clear_request(account)


def carry_out(account: ReceivingAccount):
    """Do what the confirmed request asked."""
    if account.pending_change == "deactivate":
        retire(account)
    else:
        account.set_status("active")
        _clear_request(account)
