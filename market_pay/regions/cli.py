"""`market-pay regions …`: load the region tree from a CSV file or a province's official units."""

import click

from ..common.cli import read_text, service_command

regions_cli = click.Group("regions", help="The region tree.")


@regions_cli.command("import")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--province",
    default=None,
    metavar="CODE",
    help="Load this province's communes, wards and special zones (after the 2025 reform), grouped "
    "by former district, from the bundled official data instead of a file. CODE as listed by "
    "`market-pay regions provinces` (08 or tuyen_quang).",
)
@click.option("--dry-run", is_flag=True, help="With --province: say what would be created; change nothing.")
@service_command
def regions_import(file, province, dry_run):
    """Create the regions of FILE (CSV: code,name,kind,parent_code[,valid_from,valid_to]) or of a
    --province. Regions that exist are left as they are: running it again changes nothing."""
    if (file is None) == (province is None):
        raise click.UsageError("Give a FILE or --province CODE (one of them).")
    if file is not None:
        if dry_run:
            raise click.UsageError("--dry-run goes with --province.")
        from .importer import import_regions_csv

        result = import_regions_csv(read_text(file))
        click.echo(f"Regions: {result['created']} created, {result['unchanged']} already present.")
        return
    from .provinces import UnknownProvince, import_province

    try:
        click.echo(import_province(province, dry_run=dry_run).as_text())
    except UnknownProvince:
        raise click.ClickException(
            f"No province with code {province!r}: `market-pay regions provinces` lists the 34 codes."
        ) from None


@regions_cli.command("provinces")
def regions_provinces():
    """List the provinces `regions import --province` accepts (code, name, and the name for CODE)."""
    from vietnam_provinces import Province

    from .provinces import provinces

    codenames = {f"{p.code.value:02d}": p.codename for p in Province.iter_all()}
    for code, name in provinces():
        click.echo(f"{code}  {name}  ({codenames[code]})")
