"""`market-pay kits build`: print-ready PDFs of stall cards."""

from pathlib import Path

import click

from ..common.cli import service_command
from ..common.schemas import DB_INT_MAX

kits_cli = click.Group("kits", help="Printable stall cards (templates in vendor_kits/).")


@kits_cli.command("build")
@click.option("--market", "market_code", default=None, help="Every active stall of this market.")
@click.option(
    "--vendor", "vendor_id", type=click.IntRange(1, DB_INT_MAX), default=None, help="Only this stall (its id)."
)
@click.option(
    "--layout",
    type=click.Choice(["a6", "a4x4"]),
    default="a6",
    show_default=True,
    help="a6: one card per A6 page; a4x4: four cards on each A4 sheet, with cut lines.",
)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
@service_command
def kits_build(market_code, vendor_id, layout, output):
    """Write a print-ready PDF of stall cards."""
    from .services import kit_pdf, market_cards, stall_cards

    if (market_code is None) == (vendor_id is None):
        raise click.UsageError("Give exactly one of --market or --vendor.")
    title, cards = market_cards(None, market_code) if market_code else stall_cards(None, vendor_id)
    Path(output).write_bytes(kit_pdf(layout, title, cards))
    click.echo(f"Wrote {output}: {len(cards)} card(s), layout {layout}.")
