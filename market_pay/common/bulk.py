"""`column IN (many values)` as one bound parameter.

SQLAlchemy's expanding IN renders one placeholder per value, so a thousand-value lookup costs a
fresh statement each time (the driver re-splits it, the server re-plans it). One array-valued
parameter keeps a single cached statement: `= ANY(:values)` on PostgreSQL, and on SQLite
`IN (SELECT value FROM json_each(:values))` with the values as a JSON array.
"""

import json

from sqlalchemy import any_, bindparam, column, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from ..extensions import db


def in_values(target, values):
    values = list(values)
    if db.session.get_bind().dialect.name == "postgresql":
        return target == any_(bindparam(None, values, type_=ARRAY(target.type)))
    return target.in_(select(column("value")).select_from(func.json_each(json.dumps(values))))
