"""`market-pay bank simulate`: a market day of signed callbacks sent to the running service over
HTTP (needs no configuration of its own: it is a client)."""

import click

bank_cli = click.Group("bank", help="The bank simulator (a client of the running service).")
FAULT_OPTIONS = (
    "duplicates",
    "out-of-order",
    "bad-signatures",
    "unknown-accounts",
    "underpay",
    "overpay",
    "late",
    "reversals",
    "forget",
)


def _fault_options(command):
    for name in reversed(FAULT_OPTIONS):
        command = click.option(
            f"--{name}",
            type=click.FloatRange(0, 1),
            default=0.0,
            show_default=True,
            help=f"Fraction of deliveries/payments with this fault: {name.replace('-', ' ')}.",
        )(command)
    return command


@bank_cli.command("simulate")
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, help="The running service.")
@click.option("--username", required=True, help="A login that may create payment requests (admin or manager).")
@click.option("--password", required=True)
@click.option("--secret", required=True, help="The simbank secret the service has (market-pay partners set).")
@click.option("--market", "market_code", default=None, help="Only this market's stalls (default: all).")
@click.option("--payments", type=click.IntRange(1, 1_000_000), default=200, show_default=True)
@click.option(
    "--dynamic",
    "dynamic_share",
    type=click.FloatRange(0, 1),
    default=0.3,
    show_default=True,
    help="Share of sales paid through a dynamic QR request.",
)
@click.option("--seed", type=int, default=None, help="Repeat a day exactly (printed when omitted).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Trading day (default today).")
@click.option(
    "--rate", type=float, default=0.0, show_default=True, help="Deliveries per second (0: as fast as possible)."
)
@click.option("--concurrency", type=click.IntRange(1, 256), default=8, show_default=True)
@click.option(
    "--statement-out",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the bank's statement for the day here (XLSX: a directory, one file per account).",
)
@click.option(
    "--statement-format",
    default="csv",
    show_default=True,
    type=click.Choice(
        [
            "csv",
            "mt940",
            "camt053",
            "xlsx",
            "xlsx-vietcombank",
            "xlsx-vietcombank-corporate",
            "xlsx-bidv",
            "xlsx-vietinbank",
            "xlsx-techcombank",
            "xlsx-mb",
            "xlsx-acb",
        ]
    ),
    help="The statement's format: xlsx writes each account in its bank's layout, xlsx-<layout> only "
    "that bank's accounts (docs/STATEMENTS.md).",
)
@_fault_options
def bank_simulate(
    url,
    username,
    password,
    secret,
    market_code,
    payments,
    dynamic_share,
    seed,
    day,
    rate,
    concurrency,
    statement_out,
    statement_format,
    **faults,
):
    """Make a market day of payments and send its signed callbacks to the service over HTTP."""
    from .day import Faults
    from .run import SimulationError, simulate

    try:
        summary, _ = simulate(
            url,
            username,
            password,
            secret,
            market_code=market_code,
            payments=payments,
            seed=seed,
            faults=Faults(**faults),
            dynamic_share=dynamic_share,
            day=day.date() if day else None,
            concurrency=concurrency,
            rate=rate,
            statement_out=statement_out,
            statement_format=statement_format,
        )
    except (SimulationError, OSError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(summary.as_text())
