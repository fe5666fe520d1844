"""market_pay: the backend for chợ 4.0 cashless markets. create_app() builds the Flask app."""
from flask import Flask
from werkzeug.routing import IntegerConverter

from .config import load_config
from .errors import register_error_handlers
from .extensions import configure_postgres_engine, configure_sqlite_engine, db, migrate


def _blueprints():
    """The one tuple of blueprints; imported here so nothing else imports api modules."""
    from . import health
    from .api import openapi
    from .audit import api as audit_api
    from .auth import api as auth_api
    from .auth import pages as account_pages
    from .cash import api as cash_api
    from .kits import api as kits_api
    from .markets import api as markets_api
    from .payments import api as payments_api
    from .payments import callbacks_api
    from .reconciliation import api as reconciliation_api
    from .regions import api as regions_api
    from .reports import api as reports_api
    from .reports import pages as report_pages
    from .vendors import api as vendors_api
    from .vietqr import api as vietqr_api
    from .payments import pages as pay_pages
    from .stalls import api as stalls_api
    from .stalls import pages as stall_pages
    from .vietqr import pages as verify_pages
    from .common import front_door

    return (health.bp, openapi.bp, auth_api.bp, regions_api.bp, markets_api.bp, vendors_api.bp,
            vietqr_api.bp, callbacks_api.bp, payments_api.bp, reconciliation_api.bp, kits_api.bp,
            cash_api.bp, reports_api.bp, stalls_api.bp, stall_pages.bp, pay_pages.bp, verify_pages.bp,
            report_pages.bp, audit_api.bp, account_pages.bp, front_door.bp)


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` in a route matches ids a database column can hold (1 … 2³¹−1): a larger number
    is an unknown id (404), not an integer overflow deep in the driver (500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 0)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, test_config)
    app.json.ensure_ascii = False  # Vietnamese stays readable in JSON
    app.json.sort_keys = False
    from .common.sessions import CookieSessionInterface
    app.session_interface = CookieSessionInterface()

    db.init_app(app)
    from . import models  # noqa: F401  (register every model with the metadata)
    migrate.init_app(app, db, directory=_migrations_directory())
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite_engine(db.engine)
        elif db.engine.dialect.name == "postgresql":
            configure_postgres_engine(db.engine)

    register_error_handlers(app)
    from . import observability
    observability.init_app(app)
    from .common.requests import refuse_nul_in_url
    app.before_request(refuse_nul_in_url)
    app.url_map.converters["int"] = DatabaseIdConverter  # before any route is added
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)

    from .cli import register_commands
    register_commands(app)
    return app


def _migrations_directory():
    import os
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")
