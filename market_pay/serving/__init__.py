"""`market-pay serve`: gunicorn with the settings docs/DEPLOY.md explains."""


def migrations_at_head(app) -> tuple[str | None, str | None]:
    """(the database's revision, the code's head revision)."""
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from ..extensions import db

    directory = app.extensions["migrate"].directory
    config = Config()
    config.set_main_option("script_location", directory)
    head = ScriptDirectory.from_config(config).get_current_head()
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current, head
