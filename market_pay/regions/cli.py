"""`market-pay regions`: the region tree."""
import click

from ..common.cli import read_text, service_command

regions_cli = click.Group("regions", help="The region tree.")


@regions_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@service_command
def regions_import(file):
    """Create the regions of FILE (CSV: code,name,kind,parent_code[,valid_from,valid_to])."""
    from .importer import import_regions_csv
    result = import_regions_csv(read_text(file))
    click.echo(f"Regions: {result['created']} created, {result['unchanged']} already present.")
