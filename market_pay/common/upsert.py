"""The dialect's INSERT (with ON CONFLICT support) for the session's database; rows a write touched."""

from typing import cast

from sqlalchemy import CursorResult, Result
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db


def dialect_insert(target):
    """insert(target) for PostgreSQL or SQLite, so on_conflict_do_… and RETURNING are available.

    Race-prone writes use these single atomic statements instead of "check, then insert".
    """
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(target)


def rowcount(result: Result) -> int:
    """The rows an UPDATE or DELETE matched: session.execute() is typed as returning a plain
    Result, but a data-changing statement gives a CursorResult, which counts them."""
    return cast(CursorResult, result).rowcount
