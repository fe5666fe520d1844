"""Races and several workers: unique constraints decide, SQLite never says "database is locked"."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from market_pay.auth.services import create_user, issue_token
from market_pay.extensions import db
from market_pay.markets.services import create_market
from market_pay.regions.services import create_region
from market_pay.vendors.models import ReceivingAccount
from tests.servers import ROOT, call, cli, gunicorn, service_env


def test_concurrent_registrations_of_one_account_number_under_any_bin_give_one_stall_and_409s(committed):
    """The partial unique index on the number (active or pending) decides, whatever the BIN."""
    create_region(None, {"code": "C1", "name": "Xã", "kind": "commune"})
    create_market(None, {"code": "M1", "name": "Chợ", "region_code": "C1"})
    admin = create_user(None, "admin", "long-enough-pw", "admin")
    token, _ = issue_token(admin)
    db.session.commit()
    db.session.close()
    barrier = threading.Barrier(6)

    def register(n):
        client = committed.test_client()
        barrier.wait()
        return client.post(
            "/api/v1/vendors",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "market_code": "M1",
                "stall_code": f"S{n}",
                "display_name": "Rau",
                "legal_name": "A",
                "phone": "0912345678",
                "accounts": [
                    {"bin": ("970405", "970422", "970436")[n % 3], "account_number": "123123", "account_name": "A"}
                ],
            },
        ).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(register, range(6)))
    assert statuses == [201, 409, 409, 409, 409, 409]
    assert db.session.scalar(select(func.count(ReceivingAccount.id))) == 1


@pytest.mark.slow
def test_gunicorn_workers_share_sqlite_without_lock_errors(tmp_path):
    env = service_env(f"sqlite:///{tmp_path / 'gunicorn.db'}")
    cli(env, "db", "upgrade")
    cli(env, "regions", "import", str(ROOT / "market_pay/data/regions_ha_giang.csv"))
    cli(env, "markets", "create", "--code", "M1", "--name", "Chợ", "--region", "00721")
    cli(env, "users", "create", "--username", "admin", "--password", "long-enough-pw", "--role", "admin")
    with gunicorn(env, workers=3) as base:
        status, body = call(base + "/api/v1/auth/token", {"username": "admin", "password": "long-enough-pw"})
        assert status == 201
        token = body["token"]

        def register(n):
            return call(
                base + "/api/v1/vendors",
                {
                    "market_code": "M1",
                    "stall_code": f"S{n}",
                    "display_name": "Rau",
                    "legal_name": "A",
                    "phone": "0912345678",
                    "accounts": [{"bin": "970405", "account_number": f"{n:010d}", "account_name": "A"}],
                },
                token,
            )[0]

        def fail_login(n):
            return call(base + "/api/v1/auth/token", {"username": f"nobody{n}", "password": "x"})[0]

        with ThreadPoolExecutor(12) as pool:
            registered = list(pool.map(register, range(60)))
            refused = list(pool.map(fail_login, range(20)))
        assert registered == [201] * 60
        assert refused == [401] * 20
        status, page = call(base + "/api/v1/vendors?market_code=M1&limit=500", token=token)
        assert status == 200 and len(page["items"]) == 60
    assert "database is locked" not in gunicorn.last_log


def test_concurrent_decisions_on_one_account_change_let_exactly_one_through(committed):
    """Confirmations and withdrawals of one pending account at once: one 200, the rest 409, and
    the account and the audit trail agree on what happened."""
    from market_pay.audit.models import AuditLog
    from market_pay.vendors.services import add_account, register_vendor

    create_region(None, {"code": "C1", "name": "Xã", "kind": "commune"})
    create_market(None, {"code": "M1", "name": "Chợ", "region_code": "C1"})
    vendor = register_vendor(
        None,
        {
            "market_code": "M1",
            "stall_code": "A1",
            "display_name": "Rau",
            "phone": "0912345678",
            "accounts": [{"bin": "970405", "account_number": "111", "account_name": "A"}],
        },
    )
    manager = create_user(None, "manager", "long-enough-pw", "market_manager", "M1")
    account_id = add_account(manager, vendor.id, {"bin": "970422", "account_number": "222", "account_name": "A"}).id
    tokens = [issue_token(create_user(None, f"admin{n}", "long-enough-pw", "admin"))[0] for n in range(3)]
    tokens.append(issue_token(manager)[0])
    db.session.commit()
    db.session.close()
    barrier = threading.Barrier(8)

    def decide(n):
        client = committed.test_client()
        barrier.wait()
        decision = "confirm" if n % 2 == 0 and n < 6 else "reject"  # the manager (token 3) only withdraws
        return decision, client.post(
            f"/api/v1/accounts/{account_id}/{decision}", headers={"Authorization": f"Bearer {tokens[n % 4]}"}
        ).status_code

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(decide, range(8)))
    assert sorted(status for _, status in outcomes) == [200] + [409] * 7, outcomes
    winner = next(decision for decision, status in outcomes if status == 200)
    account = db.session.get(ReceivingAccount, account_id)
    assert account.status == {"confirm": "active", "reject": "rejected"}[winner]
    decisions = db.session.scalars(
        select(AuditLog.action).where(AuditLog.action.in_(("account.confirm", "account.reject")))
    ).all()
    assert decisions == [f"account.{winner}"]
