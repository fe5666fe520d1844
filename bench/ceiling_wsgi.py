"""The benchmark's ceiling: the same app, gunicorn and PostgreSQL, plus one endpoint that only
inserts the raw body into one table and commits. Never deployed; bench_callbacks.py serves it.

/bench/ceiling does it the way any endpoint of the app does (the session: pool pre-ping, BEGIN,
INSERT, COMMIT). /bench/ceiling-lean does it the way PostgreSQL callbacks are recorded (one
autocommit statement on a recording connection: payments/recording_engine.py), so the figures can
also say what the callback's own work costs beyond the shortcut it shares with nothing else."""

from flask import request
from sqlalchemy import text

from market_pay import create_app
from market_pay.extensions import db
from market_pay.payments import recording_engine

app = create_app()


@app.post("/bench/ceiling")
def ceiling():
    db.session.execute(
        text("INSERT INTO bench_ceiling (body) VALUES (:body)"), {"body": request.get_data(as_text=True)}
    )
    db.session.commit()
    return {"status": "accepted"}


@app.post("/bench/ceiling-lean")
def ceiling_lean():
    if db.engine.dialect.name != "postgresql":  # SQLite has no recording connections
        return ceiling()
    recording_engine.execute(
        "INSERT INTO bench_ceiling (body) VALUES (%(body)s) RETURNING id", {"body": request.get_data(as_text=True)}
    )
    return {"status": "accepted"}
