"""The dialect's INSERT (with ON CONFLICT support) for the session's database."""
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db


def dialect_insert(target):
    """insert(target) for PostgreSQL or SQLite, so on_conflict_do_… and RETURNING are available.

    Race-prone writes use these single atomic statements instead of "check, then insert".
    """
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(target)
