"""Reconcile a statement file (CLI and upload), and read the runs back (scoped)."""

import logging
import time
from datetime import datetime

from flask import current_app
from sqlalchemy import case, exists, func, or_, select, text
from sqlalchemy.orm import aliased

from ..audit.services import record_change
from ..auth.roles import STAFF_ROLES, Role
from ..auth.scopes import visible_markets_condition
from ..common.local_time import local_zone
from ..common.paging import paginate
from ..errors import Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..markets.models import Market
from ..payments.models import BankTransaction
from ..payments.partner_formats import PARTNERS
from ..vendors.models import ReceivingAccount, Vendor
from .classify import Classifier
from .models import ReconciliationBreak, ReconciliationRun, ReconciliationRunMarket
from .statement_file import MAX_REPORTED_ROWS, StatementUnreadable, check_statement

log = logging.getLogger(__name__)
# Any fixed number: the advisory lock that makes reconciliation runs take turns on PostgreSQL.
RECONCILE_LOCK_KEY = 7_340_002


def _checked(path, statement_date, statement_format=None, account=None):
    try:
        check = check_statement(
            path, local_zone(), statement_date, statement_format, account, current_app.config.get("CAMT_SCHEMA_PATH")
        )
    except StatementUnreadable as unreadable:
        raise ValidationFailed(unreadable.message, unreadable.errors) from None
    if check.errors:
        errors = dict(sorted(check.errors.items(), key=lambda item: int(item[0].split()[1])))
        message = "The statement has errors; nothing was reconciled."
        if check.error_rows > len(errors):
            message += f" The first {len(errors)} of {check.error_rows} bad rows are listed."
        raise ValidationFailed(message, errors)
    return check


def _owning_markets(accounts) -> dict:
    """(bin, account_number) → the market of the stall it is registered to (active or not).

    An account registered at several stalls over time (a vendor who moved market, a rejected
    request) belongs to the stall where it is live (active or pending); only without one does an
    older registration count. Rows are read live-last so the live one decides: in whatever order
    the database returned them, an old registration in region staff's area let them reconcile —
    and reverse — another area's stall's money."""
    keys, found = set(accounts), {}
    numbers = sorted({number for _, number in keys})
    live_last = case((ReceivingAccount.status.in_(("active", "pending")), 1), else_=0)
    for start in range(0, len(numbers), 1000):
        rows = db.session.execute(
            select(ReceivingAccount.bin, ReceivingAccount.account_number, Vendor.market_id)
            .join(Vendor, Vendor.id == ReceivingAccount.vendor_id)
            .where(ReceivingAccount.account_number.in_(numbers[start : start + 1000]))
            .order_by(live_last, ReceivingAccount.id)
        )
        found.update(
            {(bin_code, number): market_id for bin_code, number, market_id in rows if (bin_code, number) in keys}
        )
    return found


def require_may_reconcile(actor):
    """Before anything of the upload is read: only those who receive bank or partner statements
    reconcile them — an administrator, or region staff (for their area). The command line
    (actor None) is the operator."""
    if actor is None or actor.role in (Role.ADMIN, Role.REGION_STAFF):
        return
    raise Forbidden("Only an administrator or region staff may reconcile a statement.")


def upload_limit(actor, config) -> int:
    """Bytes a statement upload may have, by role: a province's day for an administrator, an
    area's for region staff (issue 18 item 10: work in proportion to the role)."""
    if actor.role == "admin":
        return config["STATEMENT_MAX_BYTES"]
    return config["STATEMENT_MAX_BYTES_REGION"]


def _require_accounts_in_scope(actor, check, owners: dict):
    """Every block of a region staff member's file must be for an account registered (BIN and
    number) to a stall of their area; otherwise the whole file is refused, naming the blocks'
    rows (403 with the rows in `errors`). An administrator (and the command line, the operator) may also reconcile accounts no
    stall owns: a partner's statement lists every account of the merchant. Such lines are
    recovered into suspense ("unknown_account"), are on no stall, and — like every recovered
    line — occupy no partner transaction id (classify.py)."""
    if actor is None or actor.role == "admin":
        return
    allowed = set(db.session.scalars(select(Market.id).where(visible_markets_condition(actor))))
    errors = {}
    for key, account in sorted(check.accounts.items(), key=lambda item: item[1].opening_row):
        if owners.get(key) not in allowed:
            errors[f"{check.unit} {account.opening_row}"] = {
                "account_number": [
                    f"Account {account.bin}/{account.account_number} ({check.unit}s {account.opening_row}–"
                    f"{account.closing_row}) "
                    "is not registered to a stall you may reconcile."
                ]
            }
    if errors:
        # 403, not 422: the file is well formed, the caller is out of scope for some of it.
        raise Forbidden(
            "The statement has accounts outside your scope; nothing was reconciled.",
            dict(list(errors.items())[:MAX_REPORTED_ROWS]),
        )


def _require_booked(actor, check):
    """A region staff member's statement is of a day that is over (Vietnam time), and lists no line
    booked after now (a day cut-off line of the next day included). A line the bank has not booked
    yet takes the money key of the callback still to come: that genuine callback was then a
    duplicate, and the planted line's content, not the payer's, decided where the money went. The
    pull refuses a day not over for the same reason (pull/runs.py). An administrator and the
    command line (the simulator reconciles the day it is running) are the operator and may."""
    if actor is None or actor.role == "admin":
        return
    now = datetime.now(local_zone())
    if check.statement_date is not None and check.statement_date >= now.date():
        raise ValidationFailed(
            f"The statement's day {check.statement_date:%d/%m/%Y} is not over yet (Vietnam time): "
            "upload it from tomorrow on; nothing was reconciled.",
            {"date": ["A day before today (Vietnam time)."]},
        )
    if check.last_booked is not None and check.last_booked > now:
        raise ValidationFailed(
            "The statement lists a line booked later than now; nothing was reconciled.",
            {
                f"{check.unit} {check.last_booked_row}": {
                    "booked_at": ["Booked after now: the bank has not booked it yet."]
                }
            },
        )


def _existing_run(partner, sha256):
    return db.session.scalar(
        select(ReconciliationRun).where(ReconciliationRun.partner == partner, ReconciliationRun.file_sha256 == sha256)
    )


def reconcile_file(
    actor, path, partner: str, statement_date=None, file_name: str = "", statement_format=None, account=None
):
    """Check the whole file, then classify it in the session's transaction; the caller commits.
    Returns (run, created). The same file again returns the earlier run and changes nothing.
    `statement_format`: None to recognise it by content (formats/); `account`: (BIN, number) for
    a single-account export that does not say which account it is."""
    if partner not in PARTNERS:
        raise ValidationFailed(errors={"partner": [f"One of: {', '.join(PARTNERS)}."]})
    require_may_reconcile(actor)
    check = _checked(path, statement_date, statement_format, account)
    try:
        return _reconcile_checked(actor, check, path, partner, file_name)
    finally:
        check.discard()


def reconcile_checked(actor, check, path, partner: str, file_name: str):
    """A statement check_statement passed, reconciled in the session's transaction (the caller
    commits): what reconcile_file does after its check, and what a day pulled from a partner's
    API goes through (pull/runs.py). Returns (run, created)."""
    return _reconcile_checked(actor, check, path, partner, file_name)


def _reconcile_checked(actor, check, path, partner, file_name):
    owners = _owning_markets(check.accounts)
    _require_accounts_in_scope(actor, check, owners)
    _require_booked(actor, check)
    market_ids = set(owners.values())
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"SELECT pg_advisory_xact_lock({RECONCILE_LOCK_KEY})"))
    existing = _existing_run(partner, check.sha256)
    if existing is not None:
        return existing, False

    started = time.monotonic()
    run = ReconciliationRun(
        partner=partner,
        statement_date=check.statement_date,
        file_name=file_name[:200],
        file_sha256=check.sha256,
        line_count=check.lines,
        account_count=len(check.accounts),
        totals={},
        break_count=0,
        created_by_user_id=actor.id if actor else None,
        actor_label=actor.username if actor else "cli",
    )
    run.markets = [ReconciliationRunMarket(market_id=market_id) for market_id in sorted(market_ids)]
    db.session.add(run)
    db.session.flush()
    classifier = Classifier(run, check, local_zone())
    classifier.classify_statement(path)
    classifier.classify_unlisted_callbacks()
    classifier.count_duplicate_deliveries()
    classifier.match_recovered()
    classifier.list_suspense()
    run.totals, run.break_count = classifier.totals, classifier.break_count
    run.duration_ms = int((time.monotonic() - started) * 1000)
    alerts = {
        name: run.totals[name]["callbacks"]
        for name in ("not_on_statement", "field_disagreement")
        if run.totals[name]["callbacks"]
    }
    if alerts:  # money we announced that the bank does not (yet) confirm: operators must look
        log.warning("reconciliation run %s (%s, %s): %s", run.id, partner, run.statement_date, alerts)
    _record_stall_changes(actor, run)
    record_change(
        actor,
        "reconcile",
        "reconciliation_run",
        run.id,
        {
            "partner": partner,
            "statement_date": run.statement_date.isoformat(),
            "lines": run.line_count,
            "breaks": run.break_count,
            "file_sha256": run.file_sha256,
            "market_ids": sorted(market_ids),
            # What the run changed: money booked from the statement alone, callbacks it put in dispute.
            "recovered": run.totals["missing_callback"]["lines"],
            "disputed": run.totals["field_disagreement"]["callbacks"],
            "matched": run.totals["matched"]["callbacks"]
            + run.totals["day_cutoff"]["callbacks"]
            + run.totals["reversal"]["callbacks"],
        },
    )
    return run, True


def _record_stall_changes(actor, run):
    """One audit row per stall whose money the run changed (credits booked from the statement
    alone, reversals it carried out, callbacks it put in dispute), in that stall's log: the run's
    own row names no stall, so a vendor whose credit a statement reversed could not read who did
    it. Each row holds only its stall's figures (a province run's readers see only their own)."""
    txn = BankTransaction
    kind = case(
        (txn.confirmation == "disputed", "disputed"), (txn.direction == "out", "reversals"), else_="recovered_in"
    )
    rows = db.session.execute(
        select(txn.vendor_id, Vendor.market_id, kind, func.count(), func.sum(txn.amount))
        .join(Vendor, Vendor.id == txn.vendor_id)
        .where(txn.reconciliation_run_id == run.id, txn.confirmation.in_(("recovered", "disputed")))
        .group_by(txn.vendor_id, Vendor.market_id, kind)
        .order_by(txn.vendor_id)
    ).all()
    changed: dict = {}
    for vendor_id, market_id, name, lines, amount in rows:
        changed.setdefault((vendor_id, market_id), {})[name] = {"lines": lines, "amount": int(amount or 0)}
    for (vendor_id, market_id), figures in changed.items():
        record_change(
            actor,
            "reconcile.stall",
            "reconciliation_run",
            run.id,
            {"partner": run.partner, "statement_date": run.statement_date.isoformat(), **figures},
            market_id=market_id,
            vendor_id=vendor_id,
        )


# -- reading runs -------------------------------------------------------------------------------------
def _visible_runs_condition(actor):
    """Market and region staff see the runs that touch a market of their scope (a run with no
    market — only unknown accounts — is for admins); what they see of it is scoped below."""
    link = ReconciliationRunMarket
    return exists(
        select(link.run_id)
        .join(Market, Market.id == link.market_id)
        .where(link.run_id == ReconciliationRun.id, visible_markets_condition(actor))
    )


def _require_staff(actor):
    if actor.role not in STAFF_ROLES:
        raise Forbidden("Reconciliation is for market and region staff.")


def list_runs(actor, partner=None, statement_date=None, limit=None, cursor=None):
    _require_staff(actor)
    query = select(ReconciliationRun)
    if actor.role != "admin":
        query = query.where(_visible_runs_condition(actor))
    if partner:
        query = query.where(ReconciliationRun.partner == partner)
    if statement_date:
        query = query.where(ReconciliationRun.statement_date == statement_date)
    return paginate(query, ReconciliationRun.id, limit, cursor)


def get_run(actor, run_id: int) -> ReconciliationRun:
    _require_staff(actor)
    query = select(ReconciliationRun).where(ReconciliationRun.id == run_id)
    if actor.role != "admin":
        query = query.where(_visible_runs_condition(actor))
    run = db.session.scalar(query)
    if run is None:
        # Out of scope looks the same as absent: run ids say nothing about other markets.
        raise NotFound(f"No reconciliation run {run_id}.")
    return run


def sees_whole_run(actor, run) -> bool:
    """Whether every market the run touched is in the reader's scope (then its file-wide class
    totals are theirs to read; otherwise they would tell another market's money)."""
    if actor is None or actor.role == "admin":
        return True
    ids = {link.market_id for link in run.markets}
    visible = set(db.session.scalars(select(Market.id).where(Market.id.in_(ids), visible_markets_condition(actor))))
    return bool(ids) and ids <= visible


def run_markets(run, actor=None) -> list:
    ids = [link.market_id for link in run.markets]
    if not ids:
        return []
    query = select(Market.code).where(Market.id.in_(ids)).order_by(Market.code)
    if actor is not None and actor.role != "admin":
        query = query.where(visible_markets_condition(actor))
    return list(db.session.scalars(query))


def _breaks_in_scope(actor):
    """The breaks a reader may see: those of a transaction on a stall of their markets, or of an
    account (BIN and number; a BIN-less callback's number) registered to a stall of their markets."""
    from ..payments.models import BankTransaction

    item = ReconciliationBreak
    markets = select(Market.id).where(visible_markets_condition(actor))
    by_transaction = exists(
        select(BankTransaction.id)
        .join(Vendor, Vendor.id == BankTransaction.vendor_id)
        .where(BankTransaction.id == item.transaction_id, Vendor.market_id.in_(markets))
    )
    # The account is the reader's where _owning_markets() says so: a live (active or pending)
    # registration decides; an old one counts only when the account is live nowhere. Any
    # registration counted once: a vendor who moved to another market left the old market's
    # manager reading the new market's breaks on the account, its stall named (issue 24's review).
    live = ("active", "pending")
    other = aliased(ReceivingAccount)
    live_elsewhere = exists(
        select(other.id).where(
            other.account_number == item.account_number,
            or_(item.bin.is_(None), other.bin == item.bin),
            other.status.in_(live),
        )
    )
    by_account = exists(
        select(ReceivingAccount.id)
        .join(Vendor, Vendor.id == ReceivingAccount.vendor_id)
        .where(
            ReceivingAccount.account_number == item.account_number,
            or_(item.bin.is_(None), ReceivingAccount.bin == item.bin),
            Vendor.market_id.in_(markets),
            or_(ReceivingAccount.status.in_(live), ~live_elsewhere),
        )
    )
    return by_transaction | by_account


def breaks_by_kind(run, actor=None) -> dict:
    query = (
        select(ReconciliationBreak.kind, db.func.count(ReconciliationBreak.id))
        .where(ReconciliationBreak.run_id == run.id)
        .group_by(ReconciliationBreak.kind)
    )
    if actor is not None and actor.role != "admin":
        query = query.where(_breaks_in_scope(actor))
    return dict(sorted(db.session.execute(query).all()))


def break_rows(run, kind=None, after_id=0, limit=None, actor=None):
    """Breaks with the stall they concern (when the money reached one), in id order; for market
    and region staff, only those of their markets' accounts."""
    from ..payments.models import BankTransaction

    query = (
        select(ReconciliationBreak, Vendor.stall_code, Market.code)
        .outerjoin(BankTransaction, BankTransaction.id == ReconciliationBreak.transaction_id)
        .outerjoin(Vendor, Vendor.id == BankTransaction.vendor_id)
        .outerjoin(Market, Market.id == Vendor.market_id)
        .where(ReconciliationBreak.run_id == run.id, ReconciliationBreak.id > after_id)
        .order_by(ReconciliationBreak.id)
    )
    if kind:
        query = query.where(ReconciliationBreak.kind == kind)
    if actor is not None and actor.role != "admin":
        query = query.where(_breaks_in_scope(actor))
    if limit:
        query = query.limit(limit)
    return db.session.execute(query)
