"""The installed command, configured by its environment only (MARKET_PAY_SEPAY_API,
MARKET_PAY_SEPAY_LEGACY_API_URL), pulls a day from the fake over real HTTP into its own database,
then refuses the same day politely (SQLite and PostgreSQL)."""

import pytest

from market_pay import create_app
from market_pay.extensions import db
from market_pay.payments.partners import set_credentials
from tests.factories import account_data, make_market, make_vendor
from tests.reconciliation.partner_apis import FakePartners, FakeServer
from tests.reconciliation.test_pull import ACCOUNT, DAY, TOKEN, the_day
from tests.servers import BACKENDS, cli, fresh_database, service_env


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_the_command_pulls_with_its_environment_and_refuses_the_day_again(backend, tmp_path):
    partners = FakePartners(token=TOKEN, sepay=the_day())
    with fresh_database(backend, tmp_path) as url, FakeServer(partners) as base:
        env = service_env(url)
        cli(env, "db", "upgrade")
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "e2e-secret", "MATCHER": "off"})
        with app.app_context():
            make_vendor(make_market(), accounts=[account_data(*ACCOUNT, "NGUYEN THI HOA")])
            set_credentials("sepay", [], [], pull_tokens=[TOKEN])
            db.session.commit()
            db.engine.dispose()
        env.update(
            {
                "MARKET_PAY_SEPAY_API": "legacy",
                "MARKET_PAY_SEPAY_LEGACY_API_URL": f"{base}/sepay-legacy",
                "MARKET_PAY_SEPAY_API_URL": f"{base}/nowhere",  # v2 must not be what is called
            }
        )

        first = cli(env, "statements", "pull", "--partner", "sepay", "--date", DAY)
        second = cli(env, "statements", "pull", "--partner", "sepay", "--date", DAY)

    assert first.startswith("Run 1: sepay 21/11/2026 pulled in 1 request(s), 4 transaction(s)"), first
    assert "missing callback" in first.lower()
    assert "already pulled" in second and "as run 1;" in second
    assert [path for path, _ in partners.requests] == ["/sepay-legacy/userapi/transactions/list"]
