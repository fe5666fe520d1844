"""Keyset pagination: lists answer {"items": [...], "next": cursor-or-null}."""

import base64
import binascii

from flask import current_app

from ..errors import ValidationFailed
from ..extensions import db
from .schemas import db_int_or_none


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        prefix, _, value = text.partition(":")
        number = db_int_or_none(value)  # what an id column can hold, never more (a 500 on PostgreSQL)
        if prefix != "id" or number is None:
            raise ValueError
        return number
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(errors={"cursor": ["Not a cursor this service issued."]}) from None


def paginate(query, id_column, limit=None, cursor=None, newest_first=False):
    """Run `query` (a Select of one entity) ordered by `id_column`; return (items, next_cursor).
    `newest_first` walks from the highest id down (a page that opens on what just happened)."""
    limit = limit or current_app.config["PAGE_SIZE_DEFAULT"]
    limit = min(limit, current_app.config["PAGE_SIZE_MAX"])
    if cursor:
        after = decode_cursor(cursor)
        query = query.where(id_column < after if newest_first else id_column > after)
    order = id_column.desc() if newest_first else id_column
    rows = db.session.scalars(query.order_by(order).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1].id) if more else None)
