"""The day-end payOS check's first two steps: plan (read our open requests) and ask payOS (no
database); the third, recording, is record.py. The command line commits between them, so no
database transaction — on SQLite a write lock — is held while payOS is asked (docs/STATEMENTS.md,
"payOS: open requests checked one by one").

Which requests: every payment request created on the day (Vietnam time) that is still open now —
pending, underpaid, or expired unpaid (an expired code may still have been paid, its callback
lost). Requests on accounts payOS has reported money for come first (they are the ones payOS
must know); the bound on requests per run cuts the rest.
"""

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ...common.local_time import local_zone
from ...common.types import utcnow
from ...errors import ValidationFailed
from ...extensions import db
from ...payments.models import BankTransaction, PaymentRequest
from ...payments.partners import pull_credentials
from ...vendors.models import ReceivingAccount, Vendor
from ..models import ReconciliationBreak, ReconciliationRun
from ..statement_file import day_bounds
from .client import PayosClient, PayosNotFound, PayosOutOfTime, PayosStatus, PayosUnavailable, PayosUnusable
from .order_codes import order_code_for

PARTNER = "payos"
OPEN_STATUSES = ("pending", "underpaid", "expired")


@dataclass(frozen=True)
class OpenRequest:
    """What the check needs of one of our requests, as plain values (no session is open while
    payOS is asked)."""

    request_id: int
    reference: str
    amount: int
    bin: str
    account_number: str
    vendor_id: int
    market_id: int
    payos_account: bool  # payOS has reported money for this account before


@dataclass
class CheckPlan:
    day: date
    requests: list[OpenRequest]  # to ask, in order
    over_bound: list[OpenRequest]  # open too, beyond the bound on requests per run
    resumes: int | None = None  # the day's run whose unasked requests this plan asks (continues)


@dataclass(frozen=True)
class Answer:
    """payOS's word on one request: a status, or why there is none (`problem`)."""

    request: OpenRequest
    status: PayosStatus | None = None
    problem: str = ""  # "unknown" | "refused" | "not_checked"
    reason: str = ""


def check_key(day: date) -> str:
    """The run's file_sha256: one per day, so the unique (partner, file_sha256) admits one check."""
    return hashlib.sha256(f"payos-check:{day.isoformat()}".encode()).hexdigest()


def existing_check(day: date) -> ReconciliationRun | None:
    return db.session.scalar(
        select(ReconciliationRun).where(
            ReconciliationRun.partner == PARTNER, ReconciliationRun.file_sha256 == check_key(day)
        )
    )


def client_settings() -> tuple[str, str]:
    """(client id, api key) set with `market-pay partners set payos --client-id … --pull-token …`."""
    found = pull_credentials(PARTNER)
    if not found["client_id"] or not found["pull_token"]:
        raise ValidationFailed(
            "payOS's API credentials are not set: market-pay partners set payos --secret CHECKSUM_KEY "
            "--client-id CLIENT_ID --pull-token API_KEY"
        )
    return found["client_id"][-1], found["pull_token"][-1]  # the newest of each kind


def require_day_ended(day: date) -> None:
    if day_bounds(day, local_zone())[1] > utcnow():
        raise ValidationFailed(
            f"{day:%d/%m/%Y} has not ended yet (Vietnam time): a day is checked once, after it ends."
        )


def _request_rows(condition) -> list[OpenRequest]:
    """Requests matching `condition`, payOS's accounts first, then oldest first."""
    payos_accounts = (
        select(BankTransaction.id)
        .where(BankTransaction.partner == PARTNER, BankTransaction.account_number == ReceivingAccount.account_number)
        .exists()
    )
    rows = db.session.execute(
        select(
            PaymentRequest.id,
            PaymentRequest.reference,
            PaymentRequest.amount,
            ReceivingAccount.bin,
            ReceivingAccount.account_number,
            Vendor.id,
            Vendor.market_id,
            payos_accounts.label("payos_account"),
        )
        .join(ReceivingAccount, ReceivingAccount.id == PaymentRequest.account_id)
        .join(Vendor, Vendor.id == PaymentRequest.vendor_id)
        .where(condition)
        .order_by(PaymentRequest.id)
    ).all()
    found = [OpenRequest(*row[:7], payos_account=bool(row[7])) for row in rows]
    found.sort(key=lambda item: not item.payos_account)  # stable: id order within each group
    return found


def plan_check(day: date, max_requests: int) -> CheckPlan:
    """The day's first check: our requests of the day still open."""
    start, end = day_bounds(day, local_zone())
    found = _request_rows(
        (PaymentRequest.created_at >= start)
        & (PaymentRequest.created_at < end)
        & PaymentRequest.status.in_(OPEN_STATUSES)
    )
    return CheckPlan(day, found[:max_requests], found[max_requests:])


def unchecked(run: ReconciliationRun) -> dict[str, int]:
    """The requests the day's run did not ask payOS about: reference → its "not checked" break."""
    rows = db.session.execute(
        select(ReconciliationBreak.id, ReconciliationBreak.detail).where(
            ReconciliationBreak.run_id == run.id, ReconciliationBreak.kind == "payos_check"
        )
    ).all()
    return {detail["reference"]: break_id for break_id, detail in rows if detail.get("problem") == "not_checked"}


def plan_resume(run: ReconciliationRun, max_requests: int) -> CheckPlan | None:
    """A later check of a day whose run was cut short (the bound, the time budget, payOS out of
    reach): the requests it did not ask, into the same run. None when the day is complete."""
    references = sorted(unchecked(run))
    if not references:
        return None
    found = _request_rows(PaymentRequest.reference.in_(references))
    return CheckPlan(run.statement_date, found[:max_requests], found[max_requests:], resumes=run.id)


def ask_payos(plan: CheckPlan, client: PayosClient) -> list[Answer]:
    """Ask payOS about each planned request, one at a time. PayosAuthRefused (wrong credentials)
    propagates: then nothing can be checked and nothing is recorded. Once the time budget is
    spent, the requests not yet asked are answered "not_checked"."""
    answers: list[Answer] = []
    out_of_time = ""
    for item in plan.requests:
        if out_of_time:
            answers.append(Answer(item, problem="not_checked", reason=out_of_time))
            continue
        try:
            answers.append(Answer(item, status=client.payment_request(order_code_for(item.reference))))
        except PayosNotFound as problem:
            answers.append(Answer(item, problem="unknown", reason=problem.reason))
        except PayosUnusable as problem:
            answers.append(Answer(item, problem="refused", reason=problem.reason))
        except PayosUnavailable as problem:
            answers.append(Answer(item, problem="not_checked", reason=problem.reason))
            if isinstance(problem, PayosOutOfTime) or client.policy.clock() >= client.policy.deadline:
                out_of_time = "the check's time budget was spent before this request was asked"
    for item in plan.over_bound:
        answers.append(Answer(item, problem="not_checked", reason="beyond the bound on requests per run"))
    return answers
