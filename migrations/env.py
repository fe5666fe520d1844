"""Alembic environment for market_pay: runs against the app's own engine and metadata."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name:
    # Keep the app's loggers alive (the default would silence every logger created so far).
    fileConfig(config.config_file_name, disable_existing_loggers=False)
log = logging.getLogger("alembic.env")

migrate_ext = current_app.extensions["migrate"]
target_metadata = migrate_ext.db.metadata


def render_item(type_, obj, autogen_context):
    """Write our column types as plain SQLAlchemy types, so migrations never import app code."""
    if type_ == "type" and obj.__class__.__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def skip_empty_autogenerate(context_, revision, directives):
    """`flask db migrate` with no model change writes no empty revision."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        log.info("No changes in schema detected.")


def run_migrations_offline():
    context.configure(
        url=str(migrate_ext.db.engine.url),
        target_metadata=target_metadata,
        literal_binds=True,
        render_item=render_item,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    options = dict(migrate_ext.configure_args)
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    options.setdefault("render_item", render_item)
    with migrate_ext.db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
