"""The `market-pay` command line: thin wrappers that parse, call a service and commit."""
import json
import sys
from functools import wraps
from pathlib import Path

import click
from flask.cli import FlaskGroup, with_appcontext

from .errors import AppError
from .extensions import db


def _service_command(func):
    """Run inside the app context; commit on success, print an AppError and exit 1 otherwise."""

    @wraps(func)
    @with_appcontext
    def wrapper(*args, **kwargs):
        try:
            result = func(*args, **kwargs)
            db.session.commit()
            return result
        except AppError as exc:
            db.session.rollback()
            click.echo(f"Error: {exc.message}", err=True)
            if exc.errors:
                click.echo(json.dumps(exc.errors, ensure_ascii=False, indent=2, default=str), err=True)
            sys.exit(1)

    return wrapper


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"Cannot read {path} as UTF-8 text: {exc}") from None


regions_cli = click.Group("regions", help="The region tree.")
users_cli = click.Group("users", help="Sign-in accounts.")
vendors_cli = click.Group("vendors", help="Stalls and their accounts.")
markets_cli = click.Group("markets", help="Markets.")


@regions_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@_service_command
def regions_import(file):
    """Create the regions of FILE (CSV: code,name,kind,parent_code[,valid_from,valid_to])."""
    from .regions.importer import import_regions_csv
    result = import_regions_csv(_read_text(file))
    click.echo(f"Regions: {result['created']} created, {result['unchanged']} already present.")


@users_cli.command("create")
@click.option("--username", required=True, help="Staff name, or a vendor's phone number.")
@click.option("--password", required=True, help="Staff password, or a vendor's PIN (6+ digits).")
@click.option("--role", required=True, type=click.Choice(
    ["admin", "region_staff", "market_manager", "vendor", "vendor_assistant"]))
@click.option("--scope", default=None, help="Region code, market code, or MARKET/STALL.")
@click.option("--display-name", default="")
@_service_command
def users_create(username, password, role, scope, display_name):
    """Create a user (the first admin, or any other)."""
    from .auth.services import create_user
    user = create_user(None, username, password, role, scope, display_name)
    click.echo(f"Created {user.role} {user.username} (id {user.id}).")


@markets_cli.command("create")
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--region", "region_code", required=True, help="Commune or ward code.")
@click.option("--address", default="")
@_service_command
def markets_create(code, name, region_code, address):
    """Register a market."""
    from .markets.schemas import MarketCreateSchema
    from .markets.services import create_market
    data = _load_or_exit(MarketCreateSchema(), {"code": code, "name": name, "region_code": region_code,
                                                "address": address})
    market = create_market(None, data)
    click.echo(f"Created market {market.code}.")


@vendors_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--market", "market_code", required=True)
@_service_command
def vendors_import(file, market_code):
    """Register the stalls in FILE (CSV) for one market: all rows or none."""
    from .vendors.importer import import_vendors_csv
    result = import_vendors_csv(_read_text(file), market_code)
    click.echo(f"Vendors: {result['created']} created, {result['unchanged']} already registered.")


@click.command("demo")
@_service_command
def demo_command():
    """Load the demo regions, markets, stalls and logins (running it again changes nothing)."""
    from .demo.loader import load_demo
    summary = load_demo()
    click.echo(summary)


def _load_or_exit(schema, data):
    from marshmallow import ValidationError

    from .errors import ValidationFailed
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed(errors=exc.messages) from None


def register_commands(app):
    for group in (regions_cli, users_cli, vendors_cli, markets_cli, demo_command):
        app.cli.add_command(group)


def main():
    """Console script entry point: the app's Flask CLI (db, run, shell and our own commands)."""
    from . import create_app
    FlaskGroup(create_app=create_app, help="market_pay command line.")()


if __name__ == "__main__":
    main()
