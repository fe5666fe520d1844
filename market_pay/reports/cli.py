"""`market-pay report`: the adoption report written to a CSV or XLSX file."""

from pathlib import Path

import click

from ..common.cli import load_options, service_command


@click.command("report")
@click.option("--region", "region_code", default=None, help="Region code (province, former district, commune…).")
@click.option("--market", "market_code", default=None, help="Or one market's code.")
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--to", "last", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day, inclusive.")
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), default="xlsx", show_default=True)
@click.option(
    "--active-min",
    type=click.IntRange(1, 100_000),
    default=1,
    show_default=True,
    help="Cashless payments in the period that make a stall active.",
)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option(
    "-o",
    "--output",
    default=None,
    type=click.Path(dir_okay=False, writable=True),
    help="File to write (default: a name that says region and period).",
)
@service_command
def report_command(region_code, market_code, first, last, file_format, active_min, lang, output):
    """Write the adoption report (cashless share per market) as CSV or XLSX."""
    from . import exports
    from .adoption import adoption_report, bring_rollups_up_to_date
    from .schemas import AdoptionQuerySchema

    query = load_options(
        AdoptionQuerySchema(),
        {
            key: value
            for key, value in {
                "region": region_code,
                "market": market_code,
                "from": first.date().isoformat(),
                "to": last.date().isoformat(),
                "active_min": active_min,
            }.items()
            if value is not None
        },
    )
    bring_rollups_up_to_date()
    report = adoption_report(
        None,
        region_code=query["region"],
        market_code=query["market"],
        first=query["first"],
        last=query["last"],
        active_min=query["active_min"],
    )
    body = exports.as_csv(report, lang) if file_format == "csv" else exports.as_xlsx(report, lang)
    output = output or exports.file_name(report, file_format)
    Path(output).write_bytes(body)
    markets = sum(1 for row in report.rows if row.kind == "market")
    click.echo(
        f"Wrote {output}: {report.scope_name}, {markets} market row(s), "
        f"{report.period.first:%d/%m/%Y} – {report.period.last:%d/%m/%Y}."
    )
