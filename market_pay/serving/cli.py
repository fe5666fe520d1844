"""`market-pay serve`: gunicorn with the documented worker pools (docs/DEPLOY.md)."""

import click
from flask.cli import with_appcontext


@click.command("serve")
@click.option(
    "--pool",
    type=click.Choice(["all", "api", "streams"]),
    default="all",
    show_default=True,
    help="all: one machine serves everything; api: callbacks, API and pages; streams: the stall "
    "boards' event streams (see docs/DEPLOY.md).",
)
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Override the pool's worker count.")
@click.option("--threads", type=click.IntRange(1, 2000), default=None, help="Override the pool's threads.")
@click.option("--skip-migration-check", is_flag=True, help="Start even if the database is not migrated to head.")
@with_appcontext
def serve_command(pool, bind, workers, threads, skip_migration_check):
    """Run gunicorn with the documented worker model (refuses an unmigrated database)."""
    import os
    import sys
    import tempfile

    from flask import current_app

    from . import migrations_at_head
    from .settings import POOLS, gunicorn_arguments

    if not skip_migration_check:
        current, head = migrations_at_head(current_app)
        if current != head:
            raise click.ClickException(
                f"the database is at migration {current or 'none'}, the code needs {head}. "
                "Run `market-pay db upgrade` first."
            )
    chosen = POOLS[pool]
    # Each server process's metrics go in files here, so a scrape adds up every worker.
    os.environ.setdefault(
        "PROMETHEUS_MULTIPROC_DIR", os.path.join(tempfile.gettempdir(), f"market_pay-metrics-{bind.replace(':', '-')}")
    )
    arguments = gunicorn_arguments(chosen, bind, workers, threads)
    click.echo(
        f"Serving {chosen.purpose} on http://{bind} ({workers or chosen.workers} workers × "
        f"{threads or chosen.threads} threads)"
    )
    os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", *arguments])
