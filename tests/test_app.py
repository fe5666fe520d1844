"""The app factory, configuration and health check."""

import pytest

from market_pay import create_app
from market_pay.config import ConfigError


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "postgresql://nobody@127.0.0.1:1/none"}
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_missing_secret_key_fails_at_start_up_with_a_clear_message(monkeypatch):
    monkeypatch.delenv("MARKET_PAY_SECRET_KEY", raising=False)
    monkeypatch.delenv("MARKET_PAY_DEMO", raising=False)
    with pytest.raises(ConfigError, match="MARKET_PAY_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_unknown_time_zone_fails_at_start_up(monkeypatch):
    monkeypatch.setenv("MARKET_PAY_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError, match="MARKET_PAY_TIMEZONE"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_configuration_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MARKET_PAY_SECRET_KEY", "from-env")
    monkeypatch.setenv("MARKET_PAY_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("MARKET_PAY_TIMEZONE", "Asia/Bangkok")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.db")
    assert app.config["TIMEZONE"] == "Asia/Bangkok"


def test_plain_postgresql_urls_use_psycopg_3():
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "postgresql://u@h/db"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    from sqlalchemy import text

    from market_pay.extensions import db

    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'wal.db'}"}
    )
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 30000
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
