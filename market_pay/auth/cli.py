"""`market-pay users`: sign-in accounts (the first admin is created here)."""

import click

from ..common.cli import service_command
from .roles import Role

users_cli = click.Group("users", help="Sign-in accounts.")


@users_cli.command("create")
@click.option("--username", required=True, help="Staff name, or a vendor's phone number.")
@click.option("--password", required=True, help="Staff password, or a vendor's PIN (6+ digits).")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--scope", default=None, help="Region code, market code, or MARKET/STALL.")
@click.option("--display-name", default="")
@service_command
def users_create(username, password, role, scope, display_name):
    """Create a user (the first admin, or any other)."""
    from .services import create_user

    user = create_user(None, username, password, role, scope, display_name)
    click.echo(f"Created {user.role} {user.username} (id {user.id}).")
