"""Pull one (partner, day) into a reconciliation run, through the same checking pass and the same
classification as a statement file (services.reconcile_checked): the run, its classes and breaks
are those of a file; only where the lines came from differs.

Three steps, so that no database transaction stays open while the partner is called (SQLite holds
its write lock for a whole transaction, and a pull may wait minutes on a rate limit):
plan_pull (reads the credentials; is the day already pulled?), fetch_day (HTTP only, into a spool
on disk), reconcile_pulled (one transaction: the lock, the check again, the run, the StatementPull
row). `pull_day` runs the three and commits once at the end: it is the job the command line and the
daily schedule both run. A failure anywhere leaves nothing written, and the day can be pulled again.

Lines for an account no stall registered (an aggregator lists every account of the merchant) are
reconciled as an operator's file is: recovered into suspense (reason "unknown_account"), on no
stall, listed as "in_suspense" breaks — never dropped, never booked to anyone. An account whose bank
the partner does not name and that we do not know gets the BIN 000000 ("bank unknown").
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from ...audit.services import record_change
from ...common.local_time import local_zone
from ...extensions import db
from ...payments.partner_formats import bin_for_bank_name
from ...payments.partners import pull_credentials
from ...vendors.models import ReceivingAccount
from ..formats import PULLED
from ..models import ReconciliationRun
from ..services import RECONCILE_LOCK_KEY, reconcile_checked
from ..statement_file import check_statement
from . import casso, sepay
from .client import ApiClient, PullFailed, RetryPolicy
from .models import StatementPull
from .spool import Spool

log = logging.getLogger(__name__)
PULL_PARTNERS = ("sepay", "casso")
UNKNOWN_BIN = "000000"


@dataclass
class PullPlan:
    partner: str
    day: date
    api: str  # "v2" | "legacy"
    client: ApiClient
    max_pages: int
    max_records: int
    page_size: int


@dataclass
class PullOutcome:
    status: str  # "created": a new run | "already": the day has its run | "empty": nothing listed
    run: ReconciliationRun | None = None
    records: int = 0
    repeated: int = 0
    requests: int = 0
    pulled_at: object = None


def existing_pull(partner: str, day: date) -> StatementPull | None:
    return db.session.scalar(
        select(StatementPull).where(StatementPull.partner == partner, StatementPull.statement_date == day)
    )


def _already(pull: StatementPull) -> PullOutcome:
    return PullOutcome("already", db.session.get(ReconciliationRun, pull.run_id), pull.records, 0, 0, pull.created_at)


def plan_pull(partner: str, day: date, api: str | None = None) -> PullPlan | PullOutcome:
    """What the pull will call, or the outcome already recorded for this (partner, day)."""
    if partner not in PULL_PARTNERS:
        raise PullFailed(f"Only {', '.join(PULL_PARTNERS)} have a transaction list to pull.")
    if day >= datetime.now(local_zone()).date():
        # A run is made once per day, ever: a day pulled before it is over would keep its later
        # transactions out of reconciliation for good.
        raise PullFailed(f"{day:%d/%m/%Y} is not over yet (Vietnam time): pull it from tomorrow on.")
    earlier = existing_pull(partner, day)
    if earlier is not None:
        return _already(earlier)
    tokens = pull_credentials(partner)["pull_token"]
    if not tokens:
        raise PullFailed(
            f"{partner} has no pull token: set it with `market-pay partners set {partner} --pull-token …`."
        )
    config = current_app.config
    api = api or (config["SEPAY_API"] if partner == "sepay" else "v2")
    if partner == "sepay":
        base = config["SEPAY_LEGACY_API_URL"] if api == "legacy" else config["SEPAY_API_URL"]
        headers = sepay.headers(tokens[-1])  # several may be live (rotation): the one set last
    else:
        base, headers = config["CASSO_API_URL"], casso.headers(tokens[-1])
    policy = RetryPolicy(
        budget_seconds=config["STATEMENT_PULL_BUDGET_SECONDS"],
        min_interval_seconds=config["STATEMENT_PULL_MIN_INTERVAL_SECONDS"],
    )
    for name in ("attempts", "backoff_seconds", "backoff_cap_seconds", "sleep"):
        if f"STATEMENT_PULL_{name.upper()}" in config:  # tests choose short waits explicitly
            setattr(policy, name, config[f"STATEMENT_PULL_{name.upper()}"])
    return PullPlan(
        partner,
        day,
        api,
        ApiClient(base, headers, policy, partner),
        config["STATEMENT_PULL_MAX_PAGES"],
        config["STATEMENT_PULL_MAX_RECORDS"],
        config["STATEMENT_PULL_PAGE_SIZE"],
    )


def fetch_day(plan: PullPlan, spool: Spool):
    """Every record of the day into the spool (HTTP only: no database)."""
    if plan.partner == "casso":
        records = casso.fetch(plan.client, plan.day, plan.max_pages, plan.page_size)
    elif plan.api == "legacy":
        records = sepay.fetch_legacy(plan.client, plan.day, plan.max_pages, current_app.config["SEPAY_LEGACY_LIMIT"])
    else:
        records = sepay.fetch_v2(plan.client, plan.day, plan.max_pages, plan.page_size)
    for record in records:
        spool.add(record)


def _bins(partner: str, accounts: list[tuple[str, str]]) -> dict:
    """(bank brand, account) → BIN: the bank the partner names; else the BIN the account is
    registered under; else UNKNOWN_BIN (an account nobody registered: it goes to suspense)."""
    numbers = sorted({number for _, number in accounts})
    registered: dict[str, set] = {}
    for start in range(0, len(numbers), 1000):
        for registered_bin, number in db.session.execute(
            select(ReceivingAccount.bin, ReceivingAccount.account_number).where(
                ReceivingAccount.account_number.in_(numbers[start : start + 1000])
            )
        ):
            registered.setdefault(number, set()).add(registered_bin)
    found = {}
    for brand, number in accounts:
        bin_code = bin_for_bank_name(brand)
        if bin_code is None:
            known = registered.get(number, set())
            if len(known) > 1:
                raise PullFailed(
                    f"{partner} lists account {number} without its bank, and that number is registered at "
                    f"several banks ({', '.join(sorted(known))}): nothing was reconciled."
                )
            bin_code = next(iter(known), UNKNOWN_BIN)
        found[(brand, number)] = bin_code
    return found


def reconcile_pulled(plan: PullPlan, spool: Spool, actor=None) -> PullOutcome:
    """One transaction (the caller commits): the day's lines reconciled as a file's would be."""
    if db.session.get_bind().dialect.name == "postgresql":
        # The lock every reconciliation takes (services.py), taken before the check below so two
        # pulls of one day take turns and the second sees the first's row. SQLite: every
        # transaction starts with BEGIN IMMEDIATE, which serialises them the same way.
        db.session.execute(text(f"SELECT pg_advisory_xact_lock({RECONCILE_LOCK_KEY})"))
    earlier = existing_pull(plan.partner, plan.day)
    if earlier is not None:
        return _already(earlier)
    if not spool.records:
        return PullOutcome("empty", requests=plan.client.requests_made)
    path = spool.write_statement(_bins(plan.partner, spool.accounts()))
    check = check_statement(path, local_zone(), plan.day, PULLED)
    try:
        if check.errors:
            where, problems = next(iter(check.errors.items()))
            detail = "; ".join(f"{column}: {' '.join(messages)}" for column, messages in problems.items())
            raise PullFailed(
                f"{plan.partner}'s list for {plan.day:%d/%m/%Y} does not check ({check.error_rows} bad line(s); "
                f"first, {where}: {detail}); nothing was reconciled."
            )
        name = f"{plan.partner} API {plan.api}, {plan.day.isoformat()}"
        run, _created = reconcile_checked(actor, check, path, plan.partner, name)
    finally:
        check.discard()
    pull = StatementPull(
        partner=plan.partner,
        statement_date=plan.day,
        run_id=run.id,
        api=plan.api,
        records=spool.records,
        requests=plan.client.requests_made,
        actor_label=actor.username if actor else "cli",
    )
    db.session.add(pull)
    db.session.flush()
    record_change(
        actor,
        "statement.pull",
        "reconciliation_run",
        run.id,
        {"partner": plan.partner, "statement_date": plan.day.isoformat(), "api": plan.api, "records": spool.records},
    )
    return PullOutcome("created", run, spool.records, spool.repeated, plan.client.requests_made, pull.created_at)


def pull_day(partner: str, day: date, api: str | None = None, actor=None) -> PullOutcome:
    """The job: plan, fetch, reconcile, commit once (see the module's docstring). Raises PullFailed
    with nothing written; a concurrent pull of the same day that committed first is reported as
    "already", never as a second run."""
    plan = plan_pull(partner, day, api)
    db.session.commit()  # ends the read-only transaction: nothing is held while the partner is called
    if isinstance(plan, PullOutcome):
        return plan
    spool = Spool(partner, plan.max_records)
    try:
        fetch_day(plan, spool)
        try:
            outcome = reconcile_pulled(plan, spool, actor)
            db.session.commit()
        except IntegrityError:
            # The unique (partner, day): another process's pull committed between our check and ours.
            db.session.rollback()
            earlier = existing_pull(partner, day)
            if earlier is None:
                raise
            outcome = _already(earlier)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    finally:
        spool.discard()
    if outcome.status == "created":
        log.info(
            "statement pull %s %s: run %s, %s records", partner, day, outcome.run and outcome.run.id, outcome.records
        )
    return outcome
