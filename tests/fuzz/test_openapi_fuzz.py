"""Fuzz the whole API from its own OpenAPI document (schemathesis), a bounded run: no answer may be
a 5xx, and every answer must match what the document says (status, content type, body schema).

The app runs in process (WSGI) on a migrated database of its own — SQLite, and PostgreSQL too
when MARKET_PAY_TEST_DATABASE_URL is set (a sibling database, `<name>_fuzz`) — holding a market,
a stall and an administrator, whose fresh token goes with every request so that the handlers
behind authentication are reached. Valid and invalid inputs alike; derandomized, so CI either
always passes or always shows the failing case.
"""

import os
import tempfile

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from market_pay.auth.models import User
from market_pay.extensions import db
from tests.conftest import PG_URL, make_app
from tests.factories import account_data, auth_header, make_market, make_user, make_vendor
from tests.servers import scratch_postgres

# Bounded for CI; MARKET_PAY_FUZZ_EXAMPLES=200 for a longer hunt.
EXAMPLES_PER_OPERATION = int(os.environ.get("MARKET_PAY_FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _fuzzed_app(url: str):
    """Built when the module is collected: schemathesis derives the tests from the schema then."""
    app = make_app(url)
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        market = make_market("FUZZ")
        make_vendor(market, stall_code="A-01", accounts=[account_data("970436", "0011001234567")])
        app.config["FUZZ_ADMIN_ID"] = make_user("admin").id
        db.session.remove()
    return app


def _schema(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # Valid requests and invalid ones (wrong types, missing fields, values out of range): a
    # client's mistake must get a 4xx in the one error shape, never a 5xx. Our token, not
    # made-up Authorization headers (those would only ever meet the 401).
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], with_security_parameters=False
    )
    return schema


def admin_headers(app) -> dict:
    """A fresh token for every case: the fuzzer also calls /auth/revoke and deactivates users, and
    would otherwise lock itself out and test nothing but 401s."""
    admin = db.session.get(User, app.config["FUZZ_ADMIN_ID"])
    admin.active = True
    db.session.commit()
    headers = auth_header(admin)
    db.session.remove()
    return headers


def _fuzz_test(app, schema):
    @schema.parametrize()
    @settings(
        max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    def test(case):
        with app.app_context():
            case.call_and_validate(headers=admin_headers(app), checks=CHECKS)

    return test


SQLITE_APP = _fuzzed_app(f"sqlite:///{tempfile.mkdtemp(prefix='market_pay-fuzz-')}/fuzz.db")
test_sqlite_no_5xx_and_every_answer_as_documented = _fuzz_test(SQLITE_APP, _schema(SQLITE_APP))

if PG_URL:
    POSTGRES_APP = _fuzzed_app(scratch_postgres(PG_URL, "fuzz"))
    test_postgresql_no_5xx_and_every_answer_as_documented = _fuzz_test(POSTGRES_APP, _schema(POSTGRES_APP))
