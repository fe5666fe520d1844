"""The benchmark's ceiling: the same app, gunicorn and PostgreSQL, plus one endpoint that only
inserts the raw body into one table and commits. Never deployed; bench_callbacks.py serves it."""
from flask import request
from sqlalchemy import text

from market_pay import create_app
from market_pay.extensions import db

app = create_app()


@app.post("/bench/ceiling")
def ceiling():
    db.session.execute(text("INSERT INTO bench_ceiling (body) VALUES (:body)"), {"body": request.get_data(as_text=True)})
    db.session.commit()
    return {"status": "accepted"}
