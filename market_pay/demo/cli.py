"""`market-pay demo`: the demo data set and its simulated history."""

import click

from ..common.cli import service_command


@click.command("demo")
@click.option(
    "--transactions",
    type=click.IntRange(0, 100_000_000),
    default=None,
    help="Credits of simulated history to load (default 20,000 over 21 days; with this option the "
    "demo grows to 60 markets, about 2,500 stalls).",
)
@click.option("--days", type=click.IntRange(1, 3 * 366), default=None, help="Days of history up to now.")
@click.option(
    "--markets",
    type=click.IntRange(1, 80),
    default=None,
    help="Markets to create (13 named ones, then one per further commune).",
)
@click.option("--seed", type=int, default=2026, show_default=True)
@service_command
def demo_command(transactions, days, markets, seed):
    """Load the demo regions, markets, stalls and logins, and a history of trading (once)."""
    import time as clock

    from .history import generate_history, has_history
    from .loader import MARKETS, load_demo

    large = transactions is not None
    click.echo(load_demo(markets or (60 if large else len(MARKETS))))
    if has_history():
        click.echo("History: already present; nothing added.")
        return
    started = clock.monotonic()
    summary = generate_history(20_000 if transactions is None else transactions, days or (365 if large else 21), seed)
    click.echo(f"{summary.as_text()} ({clock.monotonic() - started:.0f} s)")
