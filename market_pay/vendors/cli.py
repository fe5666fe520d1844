"""`market-pay vendors`: registering a market's stalls from a file."""

import click

from ..common.cli import read_text, service_command

vendors_cli = click.Group("vendors", help="Stalls and their accounts.")


@vendors_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--market", "market_code", required=True)
@service_command
def vendors_import(file, market_code):
    """Register the stalls in FILE (CSV) for one market: all rows or none."""
    from .importer import import_vendors_csv

    result = import_vendors_csv(read_text(file), market_code)
    click.echo(f"Vendors: {result['created']} created, {result['unchanged']} already registered.")
