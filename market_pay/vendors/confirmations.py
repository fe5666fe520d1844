"""Four eyes on receiving accounts: the vendor (with their PIN) or an administrator confirms or
rejects a change the market's manager asked for (README, "Vendor-confirmed accounts")."""

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash

from ..audit.models import AuditLog
from ..auth.scopes import require_vendor_read
from ..errors import Conflict, Forbidden, NotFound, TooManyRequests, ValidationFailed
from ..extensions import db
from ..throttling.attempts import count_attempt, uncount_attempt
from .models import ReceivingAccount
from .services import NUMBER_TAKEN, _flush_or_conflict, audit_account, carry_out, lock_stall, withdraw


def _pending_account(actor, account_id: int) -> ReceivingAccount:
    """The account with an open request, if the actor may see its stall (403/404 as elsewhere)."""
    vendor_id = db.session.scalar(select(ReceivingAccount.vendor_id).where(ReceivingAccount.id == account_id))
    if vendor_id is None:
        raise NotFound(f"No account with id {account_id}.")
    account = db.session.get_one(ReceivingAccount, account_id)
    require_vendor_read(actor, account.vendor)
    lock_stall(vendor_id)  # re-reads the account: a decision made meanwhile is seen
    return account


def _pin_key(actor) -> str:
    return f"pin:{actor.id}"


def _pin_is_right(actor, pin: str | None) -> bool:
    """The vendor's PIN (their sign-in secret), throttled like sign-in: a borrowed phone with an
    open session is not enough to guess it. Each check is counted atomically before it is made
    (throttling/attempts.py); a right PIN takes its count back. The route commits either way."""
    if not pin:
        raise ValidationFailed(errors={"pin": ["Enter your PIN to confirm."]})
    config = current_app.config
    count, wait = count_attempt(_pin_key(actor), config["LOGIN_THROTTLE_WINDOW_SECONDS"])
    if count > config["LOGIN_MAX_FAILURES_PER_USER_AND_CLIENT"]:
        raise TooManyRequests(wait)
    if check_password_hash(actor.password_hash, pin):
        uncount_attempt(_pin_key(actor))
        return True
    return False


def _decide(actor, account_id: int, pin: str | None, may_without_pin) -> ReceivingAccount | None:
    account = _pending_account(actor, account_id)
    if actor.role == "vendor":
        if account.pending_change is None:
            raise Conflict("This account has no change waiting for a decision.")
        return account if _pin_is_right(actor, pin) else None
    if not may_without_pin(actor, account):
        raise Forbidden("Only the stall's vendor (with their PIN) or an administrator may decide this.")
    if account.pending_change is None:
        raise Conflict("This account has no change waiting for a decision.")
    return account


class ResetByRequester(Forbidden):
    """The vendor may not confirm: the change's requester has set or reset their PIN (needs an admin)."""


def _pin_known_to_requester(actor, account) -> bool:
    """Whether the person who asked for this change created this vendor login or reset its PIN:
    both show them the PIN. A manager could add an account, then create a second vendor login
    for the stall (or reset the vendor's PIN), sign in as "the vendor" and confirm their own
    request — four eyes with one pair. The audit log says who did (auth/services.py create_user,
    auth/accounts.py reset_pin)."""
    if account.requested_by_id is None or account.requested_by_id == actor.id:
        return False
    return (
        db.session.scalar(
            select(AuditLog.id)
            .where(
                AuditLog.action.in_(("user.create", "user.reset_pin")),
                AuditLog.entity_type == "user",
                AuditLog.entity_id == str(actor.id),
                AuditLog.actor_user_id == account.requested_by_id,
            )
            .limit(1)
        )
        is not None
    )


def confirm_account(actor, account_id: int, pin: str | None) -> ReceivingAccount | None:
    """Carry out the open request. Returns None when the vendor's PIN was wrong (recorded). A
    vendor cannot confirm a change asked for by someone who created their login or reset their
    PIN: an administrator approves it (the vendor may still reject it)."""
    if actor.role == "vendor":
        pending = _pending_account(actor, account_id)
        if pending.pending_change is not None and _pin_known_to_requester(actor, pending):
            raise ResetByRequester(
                "The person who asked for this change set up or reset your PIN: an administrator "
                "must approve it (you may still reject it)."
            )
    account = _decide(actor, account_id, pin, lambda a, _: a.role == "admin")
    if account is None:
        return None
    change = account.pending_change
    carry_out(account)
    _flush_or_conflict(NUMBER_TAKEN)
    audit_account(actor, "account.confirm", account, change=change)
    return account


def _may_withdraw(actor, account) -> bool:
    # The market's manager may take back a request (only managers of that market make them).
    return actor.role == "admin" or (actor.role == "market_manager" and actor.market_id == account.vendor.market_id)


def reject_account(actor, account_id: int, pin: str | None) -> ReceivingAccount | None:
    """Refuse (or, for the manager, withdraw) the open request; None on a wrong PIN."""
    account = _decide(actor, account_id, pin, _may_withdraw)
    if account is None:
        return None
    change = account.pending_change
    withdraw(account)
    db.session.flush()
    audit_account(actor, "account.reject", account, change=change, withdrawn=actor.role == "market_manager")
    return account
