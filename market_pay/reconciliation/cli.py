"""`market-pay reconcile FILE`: a statement in any accepted format against the callbacks."""

from pathlib import Path

import click

from ..common.cli import service_command
from ..payments.partner_formats import PARTNER_NAMES
from .formats import format_choices, parse_account


def _account(ctx, param, value):
    try:
        return parse_account(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command("reconcile")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--partner",
    required=True,
    type=click.Choice(PARTNER_NAMES),
    help="Whose statement this is (its transaction ids are that partner's).",
)
@click.option(
    "--date",
    "statement_date",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="The statement's day (default: the day most of its lines were booked).",
)
@click.option(
    "--format",
    "statement_format",
    type=click.Choice(format_choices()),
    default=None,
    help="The file's format (default: recognised from its content; docs/STATEMENTS.md).",
)
@click.option(
    "--account",
    callback=_account,
    default=None,
    metavar="BIN/NUMBER",
    help="The account of a single-account export that does not say which it is.",
)
@service_command
def reconcile_command(file, partner, statement_date, statement_format, account):
    """Reconcile a bank statement (our CSV, MT940, camt.053/054 or a bank's XLSX export) against the
    callbacks: every line and callback classified."""
    from .services import reconcile_file

    run, created = reconcile_file(
        None,
        file,
        partner,
        statement_date.date() if statement_date else None,
        Path(file).name,
        statement_format,
        account,
    )
    if not created:
        click.echo(f"Already reconciled as run {run.id} on {run.created_at:%d/%m/%Y}; nothing changed.")
        return
    click.echo(
        f"Run {run.id}: {partner} statement of {run.statement_date:%d/%m/%Y}, {run.line_count} lines, "
        f"{run.account_count} accounts, {run.duration_ms / 1000:.1f} s."
    )
    echo_run_classes(run)


def echo_run_classes(run):
    """A run's classes (those with lines or callbacks) and its breaks by kind, one line each:
    what `reconcile` and `statements pull` print under their first line."""
    from .messages import CLASS_LABELS
    from .models import CLASSES
    from .services import breaks_by_kind

    for name in CLASSES:
        total = run.totals[name]
        if total["lines"] or total["callbacks"]:
            click.echo(
                f"  {CLASS_LABELS[name]['en']:<28} lines {total['lines']:>8}  callbacks {total['callbacks']:>8}"
                f"  in {total['amount_in']:>14}  out {total['amount_out']:>12}"
            )
    kinds = ", ".join(f"{kind} {count}" for kind, count in breaks_by_kind(run).items()) or "none"
    click.echo(f"Breaks: {run.break_count} ({kinds}).")
