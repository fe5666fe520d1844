"""`market-pay partners` (callback partners' credentials) and `market-pay matcher` (matching as
its own process)."""

import click
from flask.cli import with_appcontext

from ..common.cli import service_command
from .partner_formats import PARTNER_NAMES
from .partners import PULL_TOKEN_PARTNERS

partners_cli = click.Group("partners", help="Bank callback partners and their secrets.")


@partners_cli.command("set")
@click.argument("partner", type=click.Choice(sorted({*PARTNER_NAMES, *PULL_TOKEN_PARTNERS})))
@click.option("--secret", "secrets", multiple=True, help="HMAC / checksum secret; repeat for rotation.")
@click.option("--api-key", "api_keys", multiple=True, help="SePay API key (Authorization: Apikey …).")
@click.option(
    "--pull-token",
    "pull_tokens",
    multiple=True,
    help="For calling the partner's API: SePay's API token, Casso's API key, payOS's x-api-key.",
)
@click.option("--client-id", "client_ids", multiple=True, help="payOS's x-client-id (with --pull-token).")
@service_command
def partners_set(partner, secrets, api_keys, pull_tokens, client_ids):
    """Replace PARTNER's live credentials with exactly those given (values are never printed)."""
    from .partners import set_credentials

    summary = set_credentials(
        partner, list(secrets), list(api_keys), pull_tokens=list(pull_tokens), client_ids=list(client_ids)
    )
    prints = summary["secrets"] + summary["api_keys"] + summary["pull_tokens"] + summary["client_ids"]
    click.echo(
        f"{partner}: {len(summary['secrets'])} secret(s), {len(summary['api_keys'])} API key(s), "
        f"{len(summary['pull_tokens'])} pull token(s), {len(summary['client_ids'])} client id(s) live: "
        + ", ".join(prints)
    )


@partners_cli.command("list")
@service_command
def partners_list():
    """Show each partner's live credentials by fingerprint."""
    from .partners import describe_all

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

    from .match_worker import COALESCE_SECONDS, drain, yield_to_requests

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as a Flask
    yield_to_requests()
    while True:
        matched = drain(app)
        if once:
            click.echo(f"Matched {matched} transaction(s).")
            return
        clock.sleep(COALESCE_SECONDS)  # let the next batch gather (see payments/match_worker.py)
