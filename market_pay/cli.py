"""The `market-pay` command line: thin wrappers that parse, call a service and commit."""
import copy
import json
import secrets
import sys
from functools import wraps
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from .common.schemas import DB_INT_MAX
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
@click.option("--transactions", type=click.IntRange(0, 100_000_000), default=None,
              help="Credits of simulated history to load (default 20,000 over 21 days; with this option the "
                   "demo grows to 60 markets, about 2,500 stalls).")
@click.option("--days", type=click.IntRange(1, 3 * 366), default=None, help="Days of history up to now.")
@click.option("--markets", type=click.IntRange(1, 80), default=None, help="Markets to create (13 named ones, "
              "then one per further commune).")
@click.option("--seed", type=int, default=2026, show_default=True)
@_service_command
def demo_command(transactions, days, markets, seed):
    """Load the demo regions, markets, stalls and logins, and a history of trading (once)."""
    import time as clock

    from .demo.history import generate_history, has_history
    from .demo.loader import MARKETS, load_demo
    large = transactions is not None
    click.echo(load_demo(markets or (60 if large else len(MARKETS))))
    if has_history():
        click.echo("History: already present; nothing added.")
        return
    started = clock.monotonic()
    summary = generate_history(20_000 if transactions is None else transactions, days or (365 if large else 21), seed)
    click.echo(f"{summary.as_text()} ({clock.monotonic() - started:.0f} s)")


partners_cli = click.Group("partners", help="Bank callback partners and their secrets.")


@partners_cli.command("set")
@click.argument("partner", type=click.Choice(["simbank", "sepay", "payos"]))
@click.option("--secret", "secrets", multiple=True, help="HMAC / checksum secret; repeat for rotation.")
@click.option("--api-key", "api_keys", multiple=True, help="SePay API key (Authorization: Apikey …).")
@_service_command
def partners_set(partner, secrets, api_keys):
    """Replace PARTNER's live credentials with exactly those given (values are never printed)."""
    from .payments.partners import set_credentials
    summary = set_credentials(partner, list(secrets), list(api_keys))
    click.echo(f"{partner}: {len(summary['secrets'])} secret(s), {len(summary['api_keys'])} API key(s) live: "
               + ", ".join(summary["secrets"] + summary["api_keys"]))


@partners_cli.command("list")
@_service_command
def partners_list():
    """Show each partner's live credentials by fingerprint."""
    from .payments.partners import describe_all
    for row in describe_all():
        click.echo(f"{row['partner']:<8} {row['kind']:<8} {row['fingerprint']}  since {row['since']}")


matcher_cli = click.Group("matcher", help="Matching bank transactions to stalls.")


@matcher_cli.command("run")
@click.option("--once", is_flag=True, help="Match what is pending now, then exit.")
@with_appcontext
def matcher_run(once):
    """Match pending transactions continuously (use with MARKET_PAY_MATCHER=off in the web workers)."""
    import time as clock

    from flask import current_app

    from .payments.matcher import COALESCE_SECONDS, drain, yield_to_requests
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    yield_to_requests()
    while True:
        matched = drain(app)
        if once:
            click.echo(f"Matched {matched} transaction(s).")
            return
        clock.sleep(COALESCE_SECONDS)  # let the next batch gather (see payments/matcher.py)


bank_cli = click.Group("bank", help="The bank simulator (a client of the running service).")
FAULT_OPTIONS = ("duplicates", "out-of-order", "bad-signatures", "unknown-accounts", "underpay", "overpay", "late",
                 "reversals", "forget")


def _fault_options(command):
    for name in reversed(FAULT_OPTIONS):
        command = click.option(f"--{name}", type=click.FloatRange(0, 1), default=0.0, show_default=True,
                               help=f"Fraction of deliveries/payments with this fault: {name.replace('-', ' ')}.")(command)
    return command


@bank_cli.command("simulate")
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, help="The running service.")
@click.option("--username", required=True, help="A login that may create payment requests (admin or manager).")
@click.option("--password", required=True)
@click.option("--secret", required=True, help="The simbank secret the service has (market-pay partners set).")
@click.option("--market", "market_code", default=None, help="Only this market's stalls (default: all).")
@click.option("--payments", type=click.IntRange(1, 1_000_000), default=200, show_default=True)
@click.option("--dynamic", "dynamic_share", type=click.FloatRange(0, 1), default=0.3, show_default=True,
              help="Share of sales paid through a dynamic QR request.")
@click.option("--seed", type=int, default=None, help="Repeat a day exactly (printed when omitted).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Trading day (default today).")
@click.option("--rate", type=float, default=0.0, show_default=True, help="Deliveries per second (0: as fast as possible).")
@click.option("--concurrency", type=click.IntRange(1, 256), default=8, show_default=True)
@click.option("--statement-out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the bank's statement CSV for the day here.")
@_fault_options
def bank_simulate(url, username, password, secret, market_code, payments, dynamic_share, seed, day, rate, concurrency,
                  statement_out, **faults):
    """Make a market day of payments and send its signed callbacks to the service over HTTP."""
    from .simulator.day import Faults
    from .simulator.run import SimulationError, simulate
    try:
        summary, _ = simulate(url, username, password, secret, market_code=market_code, payments=payments,
                              seed=seed, faults=Faults(**faults), dynamic_share=dynamic_share,
                              day=day.date() if day else None, concurrency=concurrency, rate=rate,
                              statement_out=statement_out)
    except (SimulationError, OSError) as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    click.echo(summary.as_text())


qr_cli = click.Group("qr", help="VietQR payloads and images (no database needed).")


@qr_cli.command("encode")
@click.option("--bin", "bin_code", required=True, help="6-digit bank BIN.")
@click.option("--account", required=True)
@click.option("--amount", type=int, default=None, help="Whole đồng; makes a dynamic code.")
@click.option("--purpose", default=None, help="Transfer content (62.08).")
@click.option("--service", default="QRIBFTTA", show_default=True)
@click.option("--bill-number", default=None)
@click.option("--reference-label", default=None)
@click.option("--merchant-name", default=None)
@click.option("--city", default=None)
def qr_encode(bin_code, account, amount, purpose, service, bill_number, reference_label, merchant_name, city):
    """Print the payload for an account."""
    from .vietqr.codec import VietQRError, build
    try:
        click.echo(build(bin_code, account, amount=amount, purpose=purpose, service_code=service,
                         bill_number=bill_number, reference_label=reference_label,
                         merchant_name=merchant_name, merchant_city=city))
    except VietQRError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)


@qr_cli.command("decode")
@click.argument("payload")
def qr_decode(payload):
    """Print every field of PAYLOAD as one JSON object.

    Reads every real VietQR form (merchant QRPUSH, ATM QRCASH, UTF-8 text); where the code bends
    the standard, says so on stderr ("Warning: …") and still exits 0.
    """
    from .vietqr.codec import VietQRError, read
    from .vietqr.decoding import decoded_fields
    try:
        reading = read(payload)
        for warning in reading.warnings:
            click.echo(f"Warning: {warning}", err=True)
        click.echo(json.dumps(decoded_fields(reading.code), ensure_ascii=False))
    except VietQRError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)


@qr_cli.command("image")
@click.argument("payload")
@click.option("--format", "image_format", type=click.Choice(["png", "svg"]), default="png", show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--size", type=click.IntRange(64, 4000), default=480, show_default=True, help="Pixels.")
def qr_image(payload, image_format, output, size):
    """Write PAYLOAD as a QR image (error correction Q, 4-module quiet zone)."""
    from .vietqr.codec import VietQRError, parse
    from .vietqr.rendering import render_png, render_svg
    try:
        parse(payload)
    except VietQRError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    Path(output).write_bytes((render_png if image_format == "png" else render_svg)(payload, size))
    click.echo(f"Wrote {output}")


def _load_or_exit(schema, data):
    from marshmallow import ValidationError

    from .errors import ValidationFailed
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed(errors=exc.messages) from None


@click.command("reconcile")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--partner", required=True, type=click.Choice(["simbank", "sepay", "payos"]),
              help="Whose statement this is (its transaction ids are that partner's).")
@click.option("--date", "statement_date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The statement's day (default: the day most of its lines were booked).")
@_service_command
def reconcile_command(file, partner, statement_date):
    """Reconcile a bank statement CSV against the callbacks: every line and callback classified."""
    from .reconciliation.messages import CLASS_LABELS
    from .reconciliation.models import CLASSES
    from .reconciliation.services import breaks_by_kind, reconcile_file
    run, created = reconcile_file(None, file, partner, statement_date.date() if statement_date else None,
                                  Path(file).name)
    if not created:
        click.echo(f"Already reconciled as run {run.id} on {run.created_at:%d/%m/%Y}; nothing changed.")
        return
    click.echo(f"Run {run.id}: {partner} statement of {run.statement_date:%d/%m/%Y}, {run.line_count} lines, "
               f"{run.account_count} accounts, {run.duration_ms / 1000:.1f} s.")
    for name in CLASSES:
        total = run.totals[name]
        if total["lines"] or total["callbacks"]:
            click.echo(f"  {CLASS_LABELS[name]['en']:<28} lines {total['lines']:>8}  callbacks {total['callbacks']:>8}"
                       f"  in {total['amount_in']:>14}  out {total['amount_out']:>12}")
    kinds = ", ".join(f"{kind} {count}" for kind, count in breaks_by_kind(run).items()) or "none"
    click.echo(f"Breaks: {run.break_count} ({kinds}).")


@click.command("report")
@click.option("--region", "region_code", default=None, help="Region code (province, former district, commune…).")
@click.option("--market", "market_code", default=None, help="Or one market's code.")
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--to", "last", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day, inclusive.")
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), default="xlsx", show_default=True)
@click.option("--active-min", type=click.IntRange(1, 100_000), default=1, show_default=True,
              help="Cashless payments in the period that make a stall active.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: a name that says region and period).")
@_service_command
def report_command(region_code, market_code, first, last, file_format, active_min, lang, output):
    """Write the adoption report (cashless share per market) as CSV or XLSX."""
    from .reports import exports
    from .reports.adoption import adoption_report, bring_rollups_up_to_date
    from .reports.schemas import AdoptionQuerySchema
    query = _load_or_exit(AdoptionQuerySchema(), {
        key: value for key, value in {"region": region_code, "market": market_code, "from": first.date().isoformat(),
                                      "to": last.date().isoformat(), "active_min": active_min}.items()
        if value is not None})
    bring_rollups_up_to_date()
    report = adoption_report(None, region_code=query["region"], market_code=query["market"], first=query["first"],
                             last=query["last"], active_min=query["active_min"])
    body = exports.as_csv(report, lang) if file_format == "csv" else exports.as_xlsx(report, lang)
    output = output or exports.file_name(report, file_format)
    Path(output).write_bytes(body)
    markets = sum(1 for row in report.rows if row.kind == "market")
    click.echo(f"Wrote {output}: {report.scope_name}, {markets} market row(s), "
               f"{report.period.first:%d/%m/%Y} – {report.period.last:%d/%m/%Y}.")


cash_cli = click.Group("cash", help="Cash sales.")


@cash_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@_service_command
def cash_import(file):
    """Import survey counts (CSV: date,market_code,stall_code,count,value): all rows or none."""
    from .cash.survey_import import import_cash_survey
    summary = import_cash_survey(_read_text(file))
    click.echo(f"Cash survey: {summary['rows']} row(s) for {summary['markets']} market(s) imported, "
               f"{summary['replaced']} earlier survey row(s) replaced.")


kits_cli = click.Group("kits", help="Printable stall cards (templates in vendor_kits/).")


@kits_cli.command("build")
@click.option("--market", "market_code", default=None, help="Every active stall of this market.")
@click.option("--vendor", "vendor_id", type=click.IntRange(1, DB_INT_MAX), default=None,
              help="Only this stall (its id).")
@click.option("--layout", type=click.Choice(["a6", "a4x4"]), default="a6", show_default=True,
              help="a6: one card per A6 page; a4x4: four cards on each A4 sheet, with cut lines.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
@_service_command
def kits_build(market_code, vendor_id, layout, output):
    """Write a print-ready PDF of stall cards."""
    from .kits.services import kit_pdf, market_cards, stall_cards
    if (market_code is None) == (vendor_id is None):
        raise click.UsageError("Give exactly one of --market or --vendor.")
    title, cards = market_cards(None, market_code) if market_code else stall_cards(None, vendor_id)
    Path(output).write_bytes(kit_pdf(layout, title, cards))
    click.echo(f"Wrote {output}: {len(cards)} card(s), layout {layout}.")


@click.command("serve")
@click.option("--pool", type=click.Choice(["all", "api", "streams"]), default="all", show_default=True,
              help="all: one machine serves everything; api: callbacks, API and pages; streams: the stall "
                   "boards' event streams (see docs/DEPLOY.md).")
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Override the pool's worker count.")
@click.option("--threads", type=click.IntRange(1, 2000), default=None, help="Override the pool's threads.")
@click.option("--skip-migration-check", is_flag=True, help="Start even if the database is not migrated to head.")
@with_appcontext
def serve_command(pool, bind, workers, threads, skip_migration_check):
    """Run gunicorn with the documented worker model (refuses an unmigrated database)."""
    import os
    import tempfile

    from flask import current_app

    from .serving import migrations_at_head
    from .serving.settings import POOLS, gunicorn_arguments
    if not skip_migration_check:
        current, head = migrations_at_head(current_app)
        if current != head:
            click.echo(f"Error: the database is at migration {current or 'none'}, the code needs {head}. "
                       "Run `market-pay db upgrade` first.", err=True)
            sys.exit(1)
    chosen = POOLS[pool]
    # Each server process's metrics go in files here, so a scrape adds up every worker.
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR",
                          os.path.join(tempfile.gettempdir(), f"market_pay-metrics-{bind.replace(':', '-')}"))
    arguments = gunicorn_arguments(chosen, bind, workers, threads)
    click.echo(f"Serving {chosen.purpose} on http://{bind} ({workers or chosen.workers} workers × "
               f"{threads or chosen.threads} threads)")
    os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", *arguments])


def register_commands(app):
    from .audit.cli import audit_command
    app.cli.add_command(audit_command)
    for group in (regions_cli, users_cli, vendors_cli, markets_cli, partners_cli, matcher_cli, demo_command, qr_cli,
                  bank_cli, reconcile_command, kits_cli, report_command, cash_cli,
                  serve_command):
        app.cli.add_command(group)


def main():
    """Console script entry point: the app's Flask CLI (db, run, shell and our own commands)."""
    from . import create_app
    group = _MarketPayGroup(create_app=create_app, help="market_pay command line.")
    # Found before the app is loaded, so support staff can decode codes without a configured server.
    group.add_command(qr_cli)
    group.add_command(bank_cli)
    # Bytes that are not UTF-8 reach Python as lone surrogates, which no database or file accepts
    # (a traceback deep inside a command once): refuse them before any command runs.
    for argument in sys.argv[1:]:
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            click.echo(f"Error: the argument {argument.encode('utf-8', 'replace').decode()!r} is not UTF-8 text.",
                       err=True)
            sys.exit(2)
    try:
        group()
    except Exception as error:  # only start-up and database failures are answered here
        message = _startup_failure(error)
        if message is None:
            raise
        click.echo(f"Error: {message}", err=True)
        sys.exit(1)


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
                self._help_app = create_app({"CLI_HELP_ONLY": True, "SECRET_KEY": secrets.token_hex(32),
                                                  "SQLALCHEMY_DATABASE_URI": "sqlite://", "MATCHER": "off"})
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
        return None if command is None else _refusing_copy(command, self._startup_error or "market-pay cannot start.")


def _refusing_copy(command: click.Command, message: str) -> click.Command:
    """A copy of COMMAND (and of its subcommands) with the same options and help that, when run,
    prints MESSAGE and exits 1: the originals are shared by every app and stay untouched."""
    twin = copy.copy(command)
    if isinstance(twin, click.Group):
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
