"""`market-pay revenue`: print stalls' revenue books (one stall, or a whole market in one PDF) and
inspect or replace the tax rules table."""

import json
from functools import wraps
from pathlib import Path

import click
from flask.cli import with_appcontext

SUFFIXES = (".pdf", ".xlsx", ".csv")


def _command(func):
    """In the app context; an AppError or a bad rules file becomes one line and exit 1."""

    @wraps(func)
    @with_appcontext
    def wrapper(*args, **kwargs):
        from ..errors import AppError
        from ..extensions import db
        from .tax_rules import RulesError

        try:
            result = func(*args, **kwargs)
            db.session.commit()
            return result
        except AppError as error:
            db.session.rollback()
            detail = f" {json.dumps(error.errors, ensure_ascii=False)}" if error.errors else ""
            raise click.ClickException(f"{error.message}{detail}") from None
        except RulesError as error:
            raise click.ClickException(f"The rules file is not valid: {error}") from None

    return wrapper


@click.group("revenue")
def revenue_cli():
    """Stalls' revenue books and the tax rules table."""


@revenue_cli.command("book")
@click.option("--market", required=True, help="The market's code.")
@click.option("--stall", default=None, help="A stall's code; without it, every stall of the market (PDF only).")
@click.option("--period", required=True, help="2026, 2026-Q1 … Q4, 2026-H1/H2 or 2026-03.")
@click.option(
    "--group",
    type=click.Choice(["day", "month", "quarter", "half", "year"]),
    default="month",
    show_default=True,
    help="Subtotals per …",
)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="FILE.pdf, FILE.xlsx or FILE.csv.",
)
@_command
def book_command(market, stall, period, group, lang, output):
    """Write a stall's revenue book (or a whole market's books as one PDF) for a period."""
    from . import exports, pdf
    from .periods import parse_period
    from .services import book_of, find_stall, market_stalls, record_download

    suffix = Path(output).suffix.lower()
    if suffix not in SUFFIXES:
        raise click.UsageError("The output file ends in .pdf, .xlsx or .csv.")
    try:
        first, last = parse_period(period)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    if stall is None:
        if suffix != ".pdf":
            raise click.UsageError("A whole market's books go into one PDF: give -o FILE.pdf, or --stall CODE.")
        books = [book_of(vendor, first, last, group) for vendor in market_stalls(market)]
        if not books:
            raise click.ClickException(f"Market {market} has no stalls.")
        body = pdf.books_pdf(books, lang, f"{exports.LABELS[lang]['title']} – {market} – {period}")
    else:
        books = [book_of(find_stall(market, stall), first, last, group)]
        body = {
            ".pdf": lambda b: pdf.as_pdf(b, lang),
            ".xlsx": lambda b: exports.as_xlsx(b, lang),
            ".csv": lambda b: exports.as_csv(b, lang).encode("utf-8"),
        }[suffix](books[0])
    try:
        Path(output).write_bytes(body)
    except OSError as error:
        raise click.ClickException(f"Cannot write {output}: {error.strerror}") from None
    for book in books:
        record_download(None, book, suffix[1:])  # the market office printed it: in each stall's log
    total = sum(book.total for book in books)
    click.echo(f"{output}: {len(books)} book(s), {first:%d/%m/%Y}–{last:%d/%m/%Y}, total {total:,} ₫".replace(",", "."))


@revenue_cli.group("rules")
def rules_cli():
    """The tax periods, thresholds and rates table the board's "Sổ doanh thu" page reads."""


@rules_cli.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print the active file itself.")
@_command
def rules_show(as_json):
    """Show the active rules: where they come from, and each year's groups."""
    from .outlook import active_rules, rules_path
    from .tax_rules import packaged_text, percent_text

    rules, origin = active_rules()
    if as_json:
        text = Path(origin).read_text(encoding="utf-8") if origin != "packaged" else packaged_text()
        click.echo(text.rstrip())
        return
    click.echo(
        f"Rules: {origin if origin != 'packaged' else 'the packaged table'} (updated {rules.updated}); "
        f"`rules update` installs into {rules_path()}"
    )
    click.echo(f"Default business line: {rules.default_line} ({rules.lines[rules.default_line]['vi']})")
    for year, rule in sorted(rules.years.items()):
        click.echo(f"\n{year}: {rule.source} [{rule.source_date:%d/%m/%Y}]")
        for group in rule.groups:
            bound = f"≤ {group.up_to:,} ₫".replace(",", ".") if group.up_to is not None else "above"
            rates = (
                ", ".join(
                    f"{line} {percent_text(r['vat_bp'] + r['pit_bp'])}" for line, r in (group.rates or {}).items()
                )
                or "no rate on revenue"
            )
            click.echo(f"  {group.code:<16} {bound:<22} declare {group.declaration or '(tax office)'}; {rates}")


@rules_cli.command("update")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@_command
def rules_update(file):
    """Validate FILE and install it as the rules table (the old one is replaced whole)."""
    from .outlook import install_rules, rules_path

    try:
        text = Path(file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"Cannot read {file}: {error}") from None
    rules = install_rules(text)
    click.echo(
        f"Installed {rules_path()}: years {', '.join(str(y) for y in sorted(rules.years)) or 'none'}, "
        f"updated {rules.updated}."
    )
