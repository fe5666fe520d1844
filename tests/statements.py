"""Counting the SQL statements a request sends, as production would send them.

In the tests every request shares the test's session (the app context the `app` fixture pushed
stays open), so objects the test made or an earlier request loaded are already in its identity
map and a lazy load of them sends nothing. `request_statements` empties the session first: the
request starts as in production, with a new session that holds nothing. The SAVEPOINTs the test
harness wraps a session's work in are not counted (production sends none)."""

import contextlib

from sqlalchemy import event

from market_pay.extensions import db

# The SAVEPOINTs the test harness wraps a session's work in (production sends none).
HARNESS_SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@contextlib.contextmanager
def statements(ignoring: tuple[str, ...] = HARNESS_SAVEPOINTS):
    """The statements sent to the database inside the block, in order, less those starting with
    one of `ignoring`."""
    seen: list[str] = []
    bind = db.session.get_bind()

    def record(_conn, _cursor, statement, *_args):
        if not statement.startswith(ignoring):
            seen.append(statement)

    event.listen(bind, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(bind, "before_cursor_execute", record)


def request_statements(client, path: str, headers: dict | None = None):
    """(response, statements) of one GET of `path` from an empty session."""
    db.session.expunge_all()
    with statements() as seen:
        response = client.get(path, headers=headers or {})
    assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:300])
    return response, seen
