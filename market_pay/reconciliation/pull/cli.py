"""`market-pay statements pull` and `pull-due`: a day's transactions from SePay or Casso,
reconciled like a statement file (docs/STATEMENTS.md, "Pulling from the aggregators")."""

from datetime import date, datetime, timedelta

import click
from flask.cli import with_appcontext

from ...common.local_time import VIETNAM

statements_cli = click.Group("statements", help="Statements fetched from the partners' APIs.")


def _day(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("a day as YYYY-MM-DD, e.g. 2026-11-21.") from None


def _echo_outcome(partner: str, day: date, outcome):
    if outcome.status == "already":
        when = f" on {outcome.pulled_at.astimezone(VIETNAM):%d/%m/%Y %H:%M}" if outcome.pulled_at else ""
        click.echo(
            f"{partner} {day:%d/%m/%Y} was already pulled{when} as run {outcome.run.id}; nothing changed "
            f"(the run: GET /api/v1/reconciliation-runs/{outcome.run.id})."
        )
        return
    if outcome.status == "empty":
        click.echo(f"{partner} listed no transactions for {day:%d/%m/%Y}; nothing to reconcile, no run made.")
        return
    from ..cli import echo_run_classes

    run = outcome.run
    repeated = f", {outcome.repeated} listed twice (kept once)" if outcome.repeated else ""
    click.echo(
        f"Run {run.id}: {partner} {day:%d/%m/%Y} pulled in {outcome.requests} request(s), "
        f"{outcome.records} transaction(s){repeated}, {run.account_count} account(s)."
    )
    echo_run_classes(run)


@statements_cli.command("pull")
@click.option("--partner", required=True, type=click.Choice(["sepay", "casso"]), help="Whose list to pull.")
@click.option("--date", "day", callback=_day, metavar="YYYY-MM-DD", help="The day to pull (Vietnam time).")
@click.option("--yesterday", is_flag=True, help="Pull yesterday (Vietnam time): for cron.")
@click.option(
    "--api",
    type=click.Choice(["v2", "legacy"]),
    default=None,
    help="SePay only: its current list (v2) or the older /userapi one (default: MARKET_PAY_SEPAY_API, v2).",
)
@with_appcontext
def pull_command(partner, day, yesterday, api):
    """Fetch one day's transactions from SePay or Casso and reconcile them against our callbacks,
    exactly as a statement file is: lost callbacks are recovered, every difference is a break.
    A day already pulled is not pulled again (the earlier run is named, exit 0)."""
    from ...extensions import db
    from .client import PullFailed
    from .runs import pull_day

    if (day is None) == (not yesterday):
        raise click.UsageError("give --date YYYY-MM-DD or --yesterday (one of them).")
    if yesterday:
        day = datetime.now(VIETNAM).date() - timedelta(days=1)
    if api and partner != "sepay":
        raise click.UsageError("--api is for SePay only.")
    try:
        outcome = pull_day(partner, day, api)
    except PullFailed as failed:
        db.session.rollback()
        raise click.ClickException(failed.message) from None
    _echo_outcome(partner, day, outcome)


@statements_cli.command("pull-due")
@with_appcontext
def pull_due_command():
    """Pull yesterday for each partner in MARKET_PAY_STATEMENT_PULL once the hour
    MARKET_PAY_STATEMENT_PULL_HOUR (Vietnam time) has come; days already pulled are skipped. Safe to
    run from cron every few minutes on any number of machines."""
    from flask import current_app

    from .schedule import run_due_pulls

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as a Flask
    if not app.config["STATEMENT_PULL"]:
        raise click.ClickException("MARKET_PAY_STATEMENT_PULL is not set (e.g. sepay,casso): nothing to pull.")
    lines = run_due_pulls(app)
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo("Nothing due.")
    if any(": failed:" in line for line in lines):
        raise SystemExit(1)
