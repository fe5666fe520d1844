"""The bare ceiling: what this stack can do with none of market_pay in it. Never deployed.

A separate, tiny Flask app (not a route of ours): POST /ingest inserts the raw body with one
autocommit `INSERT … ON CONFLICT DO NOTHING` into a one-table database and answers
{"status": "accepted"}; GET /livez answers a constant. One psycopg connection per thread, made on
first use (after gunicorn's fork). bench_callbacks.py and bench_overhead.py serve it with the same
gunicorn worker model as the service and compare.

    BARE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/market_pay_bare gunicorn bench.bare_ceiling_wsgi:app
"""

import os
import threading

import psycopg
from flask import Flask, request

app = Flask(__name__)
_local = threading.local()
SCHEMA = "CREATE TABLE IF NOT EXISTS bare_ceiling (body TEXT PRIMARY KEY)"


def _connection() -> psycopg.Connection:
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        connection = _local.connection = psycopg.connect(os.environ["BARE_DATABASE_URL"], autocommit=True)
    return connection


def create_schema(url: str):
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(SCHEMA)


@app.post("/ingest")
def ingest():
    _connection().execute(
        "INSERT INTO bare_ceiling (body) VALUES (%s) ON CONFLICT DO NOTHING", (request.get_data(as_text=True),)
    )
    return {"status": "accepted"}


@app.get("/livez")
def livez():
    return {"status": "ok"}


@app.get("/healthz")
def healthz():
    _connection().execute("SELECT 1")
    return {"status": "ok", "database": "ok"}
