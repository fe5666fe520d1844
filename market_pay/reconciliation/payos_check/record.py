"""Recording the payOS check: the day's reconciliation run, the credits recovered through the
callback's own path, the breaks, and the requests that follow payOS's cancellation or expiry.
Everything in the caller's transaction, under a lock (PostgreSQL) or the write lock (SQLite)."""

import copy
import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from ...app_state import app_state
from ...audit.services import record_change
from ...common.types import utcnow
from ...extensions import db
from ...payments.callbacks import Delivery
from ...payments.match_worker import BATCH, match_pending
from ...payments.models import BankTransaction, PaymentRequest, SuspenseItem
from ..models import CLASSES, ReconciliationBreak, ReconciliationRun, ReconciliationRunMarket
from .check import PARTNER, Answer, CheckPlan, OpenRequest, check_key, existing_check, unchecked
from .outcomes import Outcome, compare

# Any fixed number: the advisory lock that makes two checks of one day take turns on PostgreSQL.
PAYOS_CHECK_LOCK_KEY = 7_340_003


@dataclass
class _Recorder:
    """The run being written: its totals and breaks."""

    run: ReconciliationRun
    totals: dict = field(default_factory=dict)
    outcomes: dict = field(default_factory=dict)
    breaks: list = field(default_factory=list)
    # (vendor id, market id) → {"lines", "amount"} of the credits this check recovered, per stall
    stalls: dict = field(default_factory=dict)

    def tally(self, outcome: str):
        """One more request with this outcome (the run's totals["payos"])."""
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def count(self, name: str, amount: int = 0, lines: int = 0, callbacks: int = 0):
        total = self.totals[name]
        total["lines"] += lines
        total["callbacks"] += callbacks
        total["amount_in"] += amount

    def add_break(
        self, kind: str, item: OpenRequest, amount: int | None, txn_id=None, bank_txn_id=None, booked_at=None, **detail
    ):
        self.breaks.append(
            {
                "run_id": self.run.id,
                "kind": kind,
                "row_number": None,
                "bin": item.bin,
                "account_number": item.account_number,
                "bank_txn_id": bank_txn_id,
                "bank_reference": detail.get("bank_reference"),
                "booked_at": booked_at,
                "direction": "in",
                "amount": amount,
                "transaction_id": txn_id,
                "detail": {"source": PARTNER, "reference": item.reference, **detail},
            }
        )


def record_check(plan: CheckPlan, answers: list[Answer], actor=None, calls: int = 0, duration_ms: int = 0):
    """Write the check as the day's reconciliation run, in the session's transaction (the caller
    commits). Returns (run, changed). A day already checked — also by a check that ran at the same
    time and committed first — returns that run and changes nothing; a plan that resumes the day's
    run records only the requests that run still lists as not asked."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"SELECT pg_advisory_xact_lock({PAYOS_CHECK_LOCK_KEY})"))
    existing = existing_check(plan.day)
    recorder: _Recorder
    if plan.resumes is None:
        if existing is not None:
            return existing, False
        run = _new_run(plan, answers, actor)
        if run is None:  # the unique key: another check of this day committed in between
            return existing_check(plan.day), False
        recorder = _Recorder(run)
        recorder.totals = {name: {"lines": 0, "callbacks": 0, "amount_in": 0, "amount_out": 0} for name in CLASSES}
    else:
        assert existing is not None and existing.id == plan.resumes
        run = existing
        waiting = unchecked(run)  # under the lock: what a concurrent resume left
        answers = [answer for answer in answers if answer.request.reference in waiting]
        if not answers:
            return run, False
        db.session.execute(
            ReconciliationBreak.__table__.delete().where(
                ReconciliationBreak.id.in_([waiting[answer.request.reference] for answer in answers])
            )
        )
        recorder = _Recorder(run, totals=copy.deepcopy({name: run.totals[name] for name in CLASSES}))
        recorder.outcomes = dict(run.totals[PARTNER])
        recorder.outcomes["not_checked"] = recorder.outcomes.get("not_checked", 0) - len(answers)
        calls += run.totals.get("calls", 0)
        duration_ms += run.duration_ms
    compared = [(answer, compare(answer, _recover_transactions)) for answer in answers if answer.status is not None]
    while match_pending() >= BATCH:  # the recovered credits, allocated as the matcher would
        pass
    db.session.expire_all()  # allocation changed requests behind the ORM's back (UPDATE … RETURNING)
    for answer, outcome in compared:
        _settle(recorder, answer, outcome, actor)
    for answer in answers:
        if answer.status is None:
            _unanswered(recorder, answer)
    if recorder.breaks:
        db.session.execute(ReconciliationBreak.__table__.insert(), recorder.breaks)
    outcomes = {name: count for name, count in sorted(recorder.outcomes.items()) if count}
    run.totals = {**recorder.totals, PARTNER: outcomes, "calls": calls}
    run.break_count = (
        db.session.scalar(
            select(func.count()).select_from(ReconciliationBreak).where(ReconciliationBreak.run_id == run.id)
        )
        or 0
    )
    run.duration_ms = duration_ms
    _audit(actor, run, recorder, resumed=plan.resumes is not None)
    return run, True


def _new_run(plan: CheckPlan, answers: list[Answer], actor) -> ReconciliationRun | None:
    market_ids = sorted({answer.request.market_id for answer in answers})
    run = ReconciliationRun(
        partner=PARTNER,
        statement_date=plan.day,
        file_name=f"payOS {plan.day.isoformat()}",
        file_sha256=check_key(plan.day),
        line_count=len(answers),
        account_count=len({(a.request.bin, a.request.account_number) for a in answers}),
        totals={},
        break_count=0,
        created_by_user_id=actor.id if actor else None,
        actor_label=actor.username if actor else "cli",
    )
    run.markets = [ReconciliationRunMarket(market_id=market_id) for market_id in market_ids]
    try:
        with db.session.begin_nested():
            db.session.add(run)
            db.session.flush()
    except IntegrityError:
        return None
    return run


def _recover_transactions(answer: Answer, transfers) -> list[tuple[str, int | None, str]]:
    """Record each of payOS's transfers through the callback's own idempotent path. Returns, per
    transfer, (outcome, transaction id, partner transaction id): "accepted" for money we had not
    heard of, "duplicate" for money a callback (or an earlier check) already brought."""
    recorder = app_state().callback_recorder
    # In the session's transaction (PostgreSQL's production path records on its own autocommit
    # connection): the run and the money it recovers are committed together, or not at all.
    in_session = recorder.in_the_session()  # type: ignore[attr-defined]  # both recorders have it
    results = []
    for transfer, payload in transfers:
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        delivery = Delivery(
            partner=PARTNER,
            remote_addr="",
            auth_header=f"payOS status check of {answer.request.reference}",
            body=body,
            body_sha256=hashlib.sha256(body.encode()).hexdigest(),
        )
        outcome = in_session.record(transfer, delivery)
        results.append((outcome.kind, outcome.transaction_id, transfer.partner_txn_id))
    return results


def _settle(recorder: _Recorder, answer: Answer, outcome: Outcome, actor):
    """Turn one compared answer into counts, breaks and (where our rules allow) a status change."""
    item = answer.request
    status = answer.status
    assert status is not None
    request = db.session.get_one(PaymentRequest, item.request_id)
    if outcome.refused:
        recorder.tally("refused")
        recorder.add_break("payos_check", item, item.amount, problem="refused", reason=outcome.refused)
        return
    if status.amount != item.amount:
        recorder.tally("amount_differs")
        _disagreement(recorder, item, status, "request_amount", status.amount, item.amount)
        return
    for problem in outcome.other_accounts:
        recorder.count("other_account", problem["money"], lines=1)
        recorder.add_break(
            "other_account", item, problem.pop("money"), bank_txn_id=problem.pop("partner_txn_id"), **problem
        )
    for txn_id, partner_txn_id, amount in outcome.recovered:
        _recovered(recorder, item, request, txn_id, partner_txn_id, amount)
    name = _compare_paid(recorder, item, request, status)
    if name == "agreed" and status.status in ("CANCELLED", "EXPIRED"):
        name = _follow_final(recorder, item, request, status, actor)
    recorder.tally(name)


def _recovered(recorder, item, request, txn_id, partner_txn_id, amount):
    db.session.execute(
        BankTransaction.__table__.update()
        .where(BankTransaction.id == txn_id)
        .values(confirmation="recovered", reconciliation_run_id=recorder.run.id)
    )
    recorder.count("missing_callback", amount, lines=1)
    stall = recorder.stalls.setdefault((item.vendor_id, item.market_id), {"lines": 0, "amount": 0})
    stall["lines"] += 1
    stall["amount"] += amount
    txn = db.session.get_one(BankTransaction, txn_id)
    if txn.payment_request_id == request.id:
        recorder.add_break(
            "missing_callback", item, amount, txn_id, partner_txn_id, txn.booked_at, bank_reference=txn.bank_reference
        )
        return
    suspense = db.session.scalar(select(SuspenseItem).where(SuspenseItem.transaction_id == txn_id))
    recorder.add_break(
        "payos_check",
        item,
        amount,
        txn_id,
        partner_txn_id,
        txn.booked_at,
        problem="not_on_request",
        suspense=suspense.reason if suspense else None,
    )


def _compare_paid(recorder, item, request, status) -> str:
    """Compare what payOS counts as paid with what we do, after recovery."""
    if status.amount_paid == request.paid_amount:
        if status.amount_paid:
            recorder.count("matched", status.amount_paid, callbacks=1)
        return "agreed" if status.status not in ("PENDING", "PROCESSING") else "still_open"
    _disagreement(
        recorder,
        item,
        status,
        "amount_paid",
        status.amount_paid,
        request.paid_amount,
        payos_status=status.status,
        listed=len(status.transactions),
    )
    return "paid_differs"


def _disagreement(recorder, item, status, field: str, theirs: int, ours: int, **detail):
    """payOS and we disagree on one figure of the request: a field-disagreement break, never an
    overwrite (payOS's figure is reported as the statement's side)."""
    recorder.count("field_disagreement", callbacks=1)
    recorder.add_break(
        "field_disagreement",
        item,
        item.amount,
        bank_txn_id=status.link_id,
        differences=[{"field": field, "statement": theirs, "callback": ours}],
        **detail,
    )


def _follow_final(recorder, item, request, status, actor) -> str:
    """payOS cancelled or expired the link and no money reached it: our request follows, as far
    as our own rules allow (only an unpaid request is cancelled or expires; cancel_payment_request)."""
    if request.paid_amount or request.status not in ("pending", "expired"):
        return "agreed"
    if status.status == "CANCELLED":
        request.status, request.cancelled_at = "cancelled", utcnow()
        name = "cancelled"
    elif request.status == "pending":
        request.status = "expired"
        name = "expired"
    else:
        return "agreed"
    record_change(
        actor,
        f"payment_request.{'cancel' if name == 'cancelled' else 'expire'}",
        "payment_request",
        request.id,
        {
            "reference": request.reference,
            "source": "payos_check",
            "run_id": recorder.run.id,
            "payos_reason": (status.cancellation_reason or "")[:100],
        },
        market_id=item.market_id,
        vendor_id=item.vendor_id,
    )
    return name


def _unanswered(recorder: _Recorder, answer: Answer):
    item = answer.request
    if answer.problem == "unknown" and not item.payos_account:
        # Not a payOS request at all (its account never had payOS money): nothing to say.
        recorder.tally("not_at_payos")
        return
    recorder.tally(answer.problem)
    recorder.add_break("payos_check", item, item.amount, problem=answer.problem, reason=answer.reason)


def _audit(actor, run: ReconciliationRun, recorder: _Recorder, resumed: bool):
    """The run's audit row, and one per stall whose money the check recovered, in that stall's
    log (as a statement run does: services._record_stall_changes) with only its own figures."""
    for (vendor_id, market_id), figures in sorted(recorder.stalls.items()):
        record_change(
            actor,
            "reconcile.stall",
            "reconciliation_run",
            run.id,
            {"partner": PARTNER, "statement_date": run.statement_date.isoformat(), "recovered_in": figures},
            market_id=market_id,
            vendor_id=vendor_id,
        )
    record_change(
        actor,
        "reconcile.payos_check",
        "reconciliation_run",
        run.id,
        {
            "partner": PARTNER,
            "statement_date": run.statement_date.isoformat(),
            "resumed": resumed,
            "requests": run.line_count,
            "breaks": run.break_count,
            "outcomes": run.totals[PARTNER],
            "recovered": run.totals["missing_callback"]["lines"],
            "market_ids": sorted(link.market_id for link in run.markets),
        },
    )
