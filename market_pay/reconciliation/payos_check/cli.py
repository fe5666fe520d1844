"""`market-pay statements check-payos`: the day's open payOS requests, asked of payOS one by one."""

from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from ...common.cli import AppErrorForCli
from ...errors import AppError
from ...extensions import db


# One command of `market-pay statements` (reconciliation/pull/cli.py's group; market_pay/cli.py adds it).
@click.command("check-payos")
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="The day (Vietnam time) whose payment requests are checked, YYYY-MM-DD.",
)
@click.option("--yesterday", is_flag=True, help="Check yesterday (Vietnam time): what a daily job runs.")
@click.option(
    "--max-requests",
    type=click.IntRange(1, 100_000),
    default=None,
    help="Ask payOS about at most this many requests (default MARKET_PAY_PAYOS_CHECK_MAX_REQUESTS, 2000).",
)
@with_appcontext
def check_payos_command(day, yesterday, max_requests):
    """Ask payOS about every payment request of the day still open (pending, underpaid, expired
    unpaid), one at a time: a credit whose callback was lost is recorded as that callback would
    have been; differences, unknown requests and unusable answers become breaks of a
    reconciliation run. A day is checked once, into one run: running it again changes nothing,
    except that requests the run could not ask (its bound, its time budget, payOS out of reach)
    are asked then, into the same run."""
    if (day is None) == (not yesterday):
        raise click.UsageError("give --date YYYY-MM-DD or --yesterday (one of them).")
    from ...common.local_time import VIETNAM

    the_day = day.date() if day else (datetime.now(VIETNAM) - timedelta(days=1)).date()
    try:
        run, created, resumed = _check(the_day, max_requests or current_app.config["PAYOS_CHECK_MAX_REQUESTS"])
    except AppError as error:
        db.session.rollback()
        raise AppErrorForCli(error) from None
    except BaseException:
        db.session.rollback()
        raise
    if not created:
        click.echo(f"{the_day:%d/%m/%Y} was checked already: run {run.id}; nothing changed.")
        return
    outcomes = ", ".join(f"{name} {count}" for name, count in run.totals["payos"].items()) or "none"
    head = f"Run {run.id} continued" if resumed else f"Run {run.id}"
    click.echo(f"{head}: payOS check of {the_day:%d/%m/%Y}, {run.line_count} open request(s): {outcomes}.")
    click.echo(
        f"Recovered {run.totals['missing_callback']['lines']} credit(s) "
        f"({run.totals['missing_callback']['amount_in']} đồng); breaks: {run.break_count}."
    )


def _check(day, max_requests: int):
    """Plan, ask, record, with a commit between the steps: no transaction (on SQLite, the write
    lock every callback needs) stays open while payOS is asked."""
    import time

    from .check import (
        ask_payos,
        client_settings,
        existing_check,
        plan_check,
        plan_resume,
        require_day_ended,
    )
    from .client import PayosAuthRefused, PayosClient, RetryPolicy
    from .record import record_check

    started = time.monotonic()
    require_day_ended(day)
    existing = existing_check(day)
    plan = plan_check(day, max_requests) if existing is None else plan_resume(existing, max_requests)
    if plan is None:  # the day's run asked about every request: nothing to do
        db.session.rollback()
        return existing, False, False
    client_id, api_key = client_settings()
    db.session.rollback()  # reads only: end the transaction before payOS is asked
    policy = RetryPolicy(deadline=time.monotonic() + current_app.config["PAYOS_CHECK_BUDGET_SECONDS"])
    try:
        client = PayosClient(current_app.config["PAYOS_API_URL"], client_id, api_key, policy)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    try:
        answers = ask_payos(plan, client)
    except PayosAuthRefused as refused:
        raise click.ClickException(
            f"{refused.reason}: check `market-pay partners set payos --client-id … --pull-token …`. Nothing recorded."
        ) from None
    finally:
        client.close()
    run, created = record_check(plan, answers, None, client.calls, int((time.monotonic() - started) * 1000))
    db.session.commit()
    return run, created, plan.resumes is not None
