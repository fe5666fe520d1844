"""market_pay: the backend for chợ 4.0 cashless markets. create_app() builds the Flask app."""

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from . import app_state
from .bundled import migrations_directory
from .config import load_config
from .errors import register_error_handlers
from .extensions import configure_postgres_engine, configure_sqlite_engine, db, migrate


def _blueprints():
    """The one tuple of blueprints; imported here so nothing else imports api modules."""
    from . import health
    from .admin import pages as admin_pages
    from .api import openapi
    from .audit import api as audit_api
    from .auth import api as auth_api
    from .auth import pages as account_pages
    from .cash import api as cash_api
    from .common import front_door
    from .kits import api as kits_api
    from .markets import api as markets_api
    from .office import pages as office_pages
    from .payments import api as payments_api
    from .payments import callbacks_api
    from .payments import pages as pay_pages
    from .reconciliation import api as reconciliation_api
    from .regions import api as regions_api
    from .reports import api as reports_api
    from .reports import pages as report_pages
    from .revenue import api as revenue_api
    from .revenue import pages as revenue_pages
    from .stalls import api as stalls_api
    from .stalls import pages as stall_pages
    from .vendors import api as vendors_api
    from .vietqr import api as vietqr_api
    from .vietqr import pages as verify_pages

    return (
        health.bp,
        openapi.bp,
        auth_api.bp,
        regions_api.bp,
        markets_api.bp,
        vendors_api.bp,
        vietqr_api.bp,
        callbacks_api.bp,
        payments_api.bp,
        reconciliation_api.bp,
        kits_api.bp,
        cash_api.bp,
        reports_api.bp,
        stalls_api.bp,
        stall_pages.bp,
        pay_pages.bp,
        verify_pages.bp,
        report_pages.bp,
        audit_api.bp,
        account_pages.bp,
        front_door.bp,
        admin_pages.bp,
        office_pages.bp,
        revenue_api.bp,
        revenue_pages.bp,
    )


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
    assert isinstance(app.json, DefaultJSONProvider)  # Flask's own, whose options these are
    app.json.ensure_ascii = False  # Vietnamese stays readable in JSON
    app.json.sort_keys = False
    from .common.sessions import CookieSessionInterface

    app.session_interface = CookieSessionInterface()

    db.init_app(app)
    from . import models  # noqa: F401  (register every model with the metadata)

    migrate.init_app(app, db, directory=str(migrations_directory()))
    state = app_state.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite_engine(db.engine)
        elif db.engine.dialect.name == "postgresql":
            configure_postgres_engine(db.engine)
        from .payments.callbacks import recorder_for

        state.callback_recorder = recorder_for(db.engine.dialect.name)

    from .auth.assistant import for_the_reader

    register_error_handlers(app, reword_forbidden=for_the_reader)
    from . import observability

    observability.init_app(app)
    from .common.request_input import refuse_nul_in_url

    app.before_request(refuse_nul_in_url)
    app.url_map.converters["int"] = DatabaseIdConverter  # before any route is added
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)

    # Reports follow matched money through payments' signals (payments/signals.py).
    from .cli import register_commands

    # The daily statement pull follows the matcher's heartbeat the same way (reconciliation/pull/schedule.py).
    from .reconciliation.pull import schedule  # noqa: F401
    from .reports import rollups  # noqa: F401

    register_commands(app)
    return app
