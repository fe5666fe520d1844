"""`market-pay markets`: registering markets."""

import click

from ..common.cli import load_options, service_command

markets_cli = click.Group("markets", help="Markets.")


@markets_cli.command("create")
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--region", "region_code", required=True, help="Commune or ward code.")
@click.option("--address", default="")
@service_command
def markets_create(code, name, region_code, address):
    """Register a market."""
    from .schemas import MarketCreateSchema
    from .services import create_market

    data = load_options(
        MarketCreateSchema(), {"code": code, "name": name, "region_code": region_code, "address": address}
    )
    market = create_market(None, data)
    click.echo(f"Created market {market.code}.")
