"""The same sign-in form posted ten times at once against the real service (gunicorn, several
workers, real HTTP, SQLite and PostgreSQL), as a double click or a script would: a login is created
once and the other nine are told the name is taken (never a 500), and deactivating or reactivating
someone ten times at once is one change in the audit log, not ten."""

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_URL
from tests.servers import dong_van_service, fresh_database_url, post_form_at_once

pytestmark = pytest.mark.slow
ADMIN, MANAGER, PASSWORD = "admin.races", "ql.races", "races-password-2026"
STALLS_CSV = "stall_code,display_name,phone,bin,account_number,account_name\nA-07,Rau,0987654321,970405,1900123456789,NGUYEN THI HOA\n"
RACERS = 10
USERS = [
    (ADMIN, PASSWORD, "admin"),
    (MANAGER, PASSWORD, "market_manager", "DV"),
    ("xa.dongvan", PASSWORD, "region_staff", "00721"),
]


@pytest.fixture(scope="module", params=["sqlite"] + (["postgresql"] if PG_URL else []))
def service(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("admin-races")
    url = fresh_database_url(request.param, tmp, PG_URL)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with dong_van_service(url, tmp, STALLS_CSV, USERS, workers=3, threads=4) as base:
        yield base, engine
    engine.dispose()


def one(engine, sql, **values):
    with engine.connect() as conn:
        return conn.execute(text(sql), values).scalar()


def race(base, username, path, fields) -> list[int]:
    """The form posted RACERS times at once from one signed-in browser."""
    return post_form_at_once(base, username, PASSWORD, path, fields, RACERS)


def test_ten_creations_of_one_staff_login_make_one_and_refuse_nine(service):
    base, engine = service
    fields = {"username": "xa.phobang", "role": "region_staff", "scope": "00745", "display_name": "UBND xã Phố Bảng"}
    assert race(base, ADMIN, "/admin/users/new", fields) == [200] + [409] * (RACERS - 1)
    assert one(engine, "SELECT count(*) FROM \"user\" WHERE username = 'xa.phobang'") == 1
    created = one(engine, "SELECT id FROM \"user\" WHERE username = 'xa.phobang'")
    assert (
        one(engine, "SELECT count(*) FROM audit_log WHERE action = 'user.create' AND entity_id = :id", id=str(created))
        == 1
    )


def test_ten_assistant_logins_for_one_phone_make_one_and_refuse_nine(service):
    base, engine = service
    stall = one(engine, "SELECT id FROM vendor WHERE stall_code = 'A-07'")
    fields = {"phone": "0911555666", "role": "vendor_assistant"}
    assert race(base, MANAGER, f"/office/m/DV/stalls/{stall}/logins", fields) == [200] + [409] * (RACERS - 1)
    assert one(engine, "SELECT count(*) FROM \"user\" WHERE username = '0911555666'") == 1


def test_ten_deactivations_and_ten_reactivations_are_one_change_each(service):
    base, engine = service
    user = one(engine, "SELECT id FROM \"user\" WHERE username = 'xa.dongvan'")
    assert set(race(base, ADMIN, f"/admin/users/{user}/deactivate", {})) == {302}
    assert (
        one(engine, "SELECT count(*) FROM audit_log WHERE action = 'user.deactivate' AND entity_id = :id", id=str(user))
        == 1
    )
    assert set(race(base, ADMIN, f"/admin/users/{user}/reactivate", {})) == {302}
    assert (
        one(engine, "SELECT count(*) FROM audit_log WHERE action = 'user.reactivate' AND entity_id = :id", id=str(user))
        == 1
    )
    assert one(engine, 'SELECT active FROM "user" WHERE id = :id', id=user) in (True, 1)
