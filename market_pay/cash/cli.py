"""`market-pay cash`: cash sales (survey counts) from a file."""

import click

from ..common.cli import read_text, service_command

cash_cli = click.Group("cash", help="Cash sales.")


@cash_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@service_command
def cash_import(file):
    """Import survey counts (CSV: date,market_code,stall_code,count,value): all rows or none."""
    from .survey_import import import_cash_survey

    summary = import_cash_survey(read_text(file))
    click.echo(
        f"Cash survey: {summary['rows']} row(s) for {summary['markets']} market(s) imported, "
        f"{summary['replaced']} earlier survey row(s) replaced."
    )
