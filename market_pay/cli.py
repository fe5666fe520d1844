"""The `market-pay` command line: the root group, which lists and explains every command even
without a usable configuration, and one registration per feature. Each feature owns its commands
in `market_pay/<feature>/cli.py` (shared helpers: common/cli.py)."""

import copy
import secrets
import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

# The old private names of common/cli.py's helpers, for feature modules written against them.
from .common.cli import load_options as _load_or_exit  # noqa: F401
from .common.cli import read_text as _read_text  # noqa: F401
from .common.cli import service_command as _service_command  # noqa: F401

# Found before the app is loaded (see main), so support staff use them without a configured server.
from .simulator.cli import bank_cli
from .vietqr.cli import qr_cli


def register_commands(app):
    """Every feature's commands on APP's CLI: one import and one add_command per feature."""
    from .audit.cli import audit_command

    app.cli.add_command(audit_command)
    from .regions.cli import regions_cli

    app.cli.add_command(regions_cli)
    from .auth.cli import users_cli

    app.cli.add_command(users_cli)
    from .vendors.cli import vendors_cli

    app.cli.add_command(vendors_cli)
    from .markets.cli import markets_cli

    app.cli.add_command(markets_cli)
    from .payments.cli import partners_cli

    app.cli.add_command(partners_cli)
    from .payments.cli import matcher_cli

    app.cli.add_command(matcher_cli)
    from .demo.cli import demo_command

    app.cli.add_command(demo_command)
    app.cli.add_command(qr_cli)
    app.cli.add_command(bank_cli)
    from .reconciliation.cli import reconcile_command

    app.cli.add_command(reconcile_command)
    from .reconciliation.payos_check.cli import check_payos_command
    from .reconciliation.pull.cli import statements_cli

    statements_cli.add_command(check_payos_command)

    app.cli.add_command(statements_cli)
    from .kits.cli import kits_cli

    app.cli.add_command(kits_cli)
    from .reports.cli import report_command

    app.cli.add_command(report_command)
    from .cash.cli import cash_cli

    app.cli.add_command(cash_cli)
    from .serving.cli import serve_command

    app.cli.add_command(serve_command)
    from .revenue.cli import revenue_cli

    app.cli.add_command(revenue_cli)


def main():
    """Console script entry point: the app's Flask CLI (db, run, shell and our own commands)."""
    from . import create_app

    group = _MarketPayGroup(create_app=create_app, help="market_pay command line.")
    group.add_command(qr_cli)
    group.add_command(bank_cli)
    try:
        _refuse_arguments_that_are_not_utf8(sys.argv[1:])
        group()
    except click.ClickException as error:  # raised before click took over
        error.show()
        sys.exit(error.exit_code)
    except Exception as error:  # only start-up and database failures are answered here
        message = _startup_failure(error)
        if message is None:
            raise
        click.ClickException(message).show()
        sys.exit(1)


def _refuse_arguments_that_are_not_utf8(arguments):
    """Bytes that are not UTF-8 reach Python as lone surrogates, which no database or file accepts
    (a traceback deep inside a command once): refuse them before any command runs."""
    for argument in arguments:
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            raise click.UsageError(
                f"the argument {argument.encode('utf-8', 'replace').decode()!r} is not UTF-8 text."
            ) from None


class _MarketPayGroup(FlaskGroup):
    """Flask's group, whose command list and every `--help` work without a usable configuration.

    Flask creates the app to list the app's commands; without MARKET_PAY_SECRET_KEY (or with a
    broken setting) that failed with a traceback and most commands were hidden. Then the commands
    are listed from a help-only app (in-memory database, never served), and each of them, when
    run, refuses with the start-up error's one line instead of running on that app.
    """

    _help_app: Flask | None = None
    _startup_error: str | None = None

    def _app_for_listing(self, ctx) -> Flask | None:
        """The configured app; else (a start-up failure) the help-only app; None if even that fails."""
        info = ctx.ensure_object(ScriptInfo)
        try:
            return info.load_app()
        except Exception as error:  # only start-up failures; anything else is re-raised
            message = _startup_failure(error)
            if message is None:
                raise
            self._startup_error = message
        if self._help_app is None:
            try:
                from . import create_app

                self._help_app = create_app(
                    {
                        "CLI_HELP_ONLY": True,
                        "SECRET_KEY": secrets.token_hex(32),
                        "SQLALCHEMY_DATABASE_URI": "sqlite://",
                        "MATCHER": "off",
                    }
                )
            except Exception as error:  # listing our own commands is still possible
                if _startup_failure(error) is None:
                    raise
                return None
        return self._help_app

    def list_commands(self, ctx):
        self._load_plugin_commands()
        names = set(click.Group.list_commands(self, ctx))
        app = self._app_for_listing(ctx)
        if app is not None:
            names.update(app.cli.list_commands(ctx))
        return sorted(names)

    def get_command(self, ctx, name):
        self._load_plugin_commands()
        command = click.Group.get_command(self, ctx, name)
        if command is not None:
            return command  # ours (qr, bank) and Flask's own (run, shell, routes): they load the app to run
        app = self._app_for_listing(ctx)
        if app is None:
            return None
        if app is not self._help_app:
            return super().get_command(ctx, name)
        command = app.cli.get_command(ctx, name)
        # The help-only app exists only after a start-up failure, which set _startup_error.
        return None if command is None else _refusing_copy(command, self._startup_error or "")


def _refusing_copy(command: click.Command, message: str) -> click.Command:
    """A copy of COMMAND (and of its subcommands) with the same options and help that, when run,
    prints MESSAGE and exits 1: the originals are shared by every app and stay untouched."""
    twin = copy.copy(command)
    if isinstance(twin, click.Group):  # twin.commands is still command's own dict: replaced here
        twin.commands = {name: _refusing_copy(sub, message) for name, sub in twin.commands.items()}
        if twin.callback is not None:
            twin.callback = lambda *args, **kwargs: None  # a group's own callback may need the app
    else:

        def refuse(*args, **kwargs):
            raise click.ClickException(message)

        twin.callback = refuse
    return twin


def _startup_failure(error: Exception) -> str | None:
    """A clear line for a configuration the app cannot start with, or a database it cannot reach
    (an operator's mistake, not a bug: no traceback); None for anything else."""
    from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

    from .config import ConfigError

    if isinstance(error, ConfigError):
        return str(error)
    if isinstance(error, ArgumentError):  # also NoSuchModuleError: an unknown scheme in the URL
        return f"MARKET_PAY_DATABASE_URL is not a database URL this service can use ({error})."
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0][:300]
    if getattr(getattr(error, "orig", None), "sqlstate", None) == "42P01" or "no such table" in reason:
        return "The database has no tables yet: run `market-pay db upgrade` first."
    if isinstance(error, (OperationalError, InterfaceError)):
        return f"Cannot use the database at MARKET_PAY_DATABASE_URL: {reason}"
    return None


if __name__ == "__main__":
    main()
