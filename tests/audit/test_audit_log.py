"""The audit trail: every row says whose change it is, and the people responsible can read it."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from market_pay.audit.models import AuditLog
from market_pay.audit.services import record_change
from market_pay.extensions import db
from tests.factories import account_data, auth_header, make_market, make_region, make_user, make_vendor, scope_of

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def world(app):
    province = make_region(kind="province")
    d1, d2 = (make_region(kind="former_district", parent=province) for _ in range(2))
    ma = make_market(region=make_region(parent=d1))
    mb = make_market(region=make_region(parent=d2))
    va, va2, vb = make_vendor(ma), make_vendor(ma), make_vendor(mb)
    return {"d1": d1, "ma": ma, "mb": mb, "va": va, "va2": va2, "vb": vb, "admin": make_user("admin")}


def rows(**where):
    query = select(AuditLog)
    for column, value in where.items():
        query = query.where(getattr(AuditLog, column) == value)
    return db.session.scalars(query.order_by(AuditLog.id)).all()


def read(client, headers, query=""):
    response = client.get(f"/api/v1/audit-log{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_existing_callers_get_the_market_and_stall_of_what_they_changed(client, world):
    va, admin = world["va"], world["admin"]
    (created,) = rows(action="vendor.create", entity_id=str(va.id))
    assert (created.market_id, created.vendor_id) == (va.market_id, va.id)
    headers = auth_header(make_user("market_manager", scope=world["ma"].code))
    account = client.post(f"/api/v1/vendors/{va.id}/accounts", headers=headers, json=account_data()).get_json()
    (added,) = rows(action="account.add")
    assert (added.entity_id, added.market_id, added.vendor_id) == (str(account["id"]), va.market_id, va.id)
    make_user("vendor", scope=scope_of(va))
    (login,) = rows(action="user.create", vendor_id=va.id)
    assert login.market_id == va.market_id
    (market,) = rows(action="market.create", entity_id=world["mb"].code)
    assert (market.market_id, market.vendor_id) == (world["mb"].id, None)
    assert rows(action="user.create", entity_id=str(admin.id))[0].market_id is None  # admins: no market
    explicit = record_change(admin, "test.explicit", "thing", 1, {}, vendor_id=world["vb"].id)
    assert (explicit.market_id, explicit.vendor_id) == (world["mb"].id, world["vb"].id)
    unknown = record_change(None, "test.plain", "something_else", "x")
    assert (unknown.market_id, unknown.vendor_id, unknown.actor_label) == (None, None, "cli")


def test_the_log_is_read_within_each_role_s_scope(client, world):
    ma, mb, va, vb = world["ma"], world["mb"], world["va"], world["vb"]
    admin = read(client, auth_header(world["admin"]))["items"]
    assert {item["market_code"] for item in admin} >= {ma.code, mb.code, None}
    for role, scope in (("region_staff", world["d1"].code), ("market_manager", ma.code)):
        items = read(client, auth_header(make_user(role, scope=scope)), "?limit=500")["items"]
        assert items and {item["market_code"] for item in items} == {ma.code}, role
    items = read(client, auth_header(make_user("vendor", scope=scope_of(va))))["items"]
    assert items and {item["vendor_id"] for item in items} == {va.id}
    assistant = auth_header(make_user("vendor_assistant", scope=scope_of(va)))
    assert client.get("/api/v1/audit-log", headers=assistant).status_code == 403
    assert client.get("/api/v1/audit-log").status_code == 401
    # Naming another market as a filter finds nothing rather than leaking it.
    manager = auth_header(make_user("market_manager", scope=ma.code))
    assert read(client, manager, f"?market={mb.code}")["items"] == []
    assert read(client, manager, f"?vendor={vb.id}")["items"] == []


def test_items_have_the_documented_shape_and_filters_combine(client, world):
    admin, va = world["admin"], world["va"]
    headers = auth_header(admin)
    record_change(admin, "account.deactivate", "receiving_account", va.accounts[0].id, {"why": "test"})
    db.session.commit()
    (item,) = read(client, headers, f"?action=account.deactivate&vendor={va.id}&actor={admin.username}")["items"]
    assert set(item) == {"id", "at", "actor", "action", "market_code", "vendor_id", "entity", "detail"}
    assert (item["actor"], item["market_code"], item["vendor_id"], item["detail"]) == (
        admin.username,
        va.market.code,
        va.id,
        {"why": "test"},
    )
    assert read(client, headers, f"?market={world['mb'].code}&action=account.deactivate")["items"] == []
    assert read(client, headers, "?actor=nobody")["items"] == []


def test_days_are_local_vietnamese_days(client, world):
    admin = world["admin"]
    entry = record_change(admin, "test.late", "thing", 1)
    entry.at = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)  # 00:30 on the 21st in Vietnam
    db.session.commit()
    headers = auth_header(admin)
    assert [i["id"] for i in read(client, headers, "?action=test.late&from=2026-11-21&to=2026-11-21")["items"]] == [
        entry.id
    ]
    assert read(client, headers, "?action=test.late&from=2026-11-20&to=2026-11-20")["items"] == []
    assert read(client, headers, "?action=test.late&to=2026-11-20")["items"] == []
    for bad in ("?from=2026-13-01", "?from=2026-11-22&to=2026-11-21", "?vendor=abc", "?cursor=zzz", "?limit=0"):
        response = client.get(f"/api/v1/audit-log{bad}", headers=headers)
        assert response.status_code == 422, bad


def test_pages_follow_the_cursor_without_gaps(client, world):
    admin = world["admin"]
    for n in range(5):
        record_change(admin, "test.page", "thing", n)
    db.session.commit()
    headers, seen, cursor = auth_header(admin), [], None
    while True:
        page = read(client, headers, "?action=test.page&limit=2" + (f"&cursor={cursor}" if cursor else ""))
        seen += [item["detail"] for item in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert len(seen) == 5 and len(read(client, headers, "?action=test.page")["items"]) == 5


def test_suspense_resolutions_and_cash_sale_undo_are_in_the_stall_s_log(client, world):
    from market_pay.common.types import utcnow
    from market_pay.payments.models import BankTransaction, SuspenseItem

    va, admin = world["va"], world["admin"]
    txn = BankTransaction(
        partner="simbank",
        partner_txn_id="A1",
        bank_reference="FT-A1",
        bin="970436",
        account_number="555",
        amount=9_000,
        direction="in",
        booked_at=utcnow(),
        match_kind="suspense",
    )
    db.session.add(txn)
    db.session.flush()
    item = SuspenseItem(reason="unknown_account", transaction_id=txn.id)
    db.session.add(item)
    db.session.commit()
    headers = auth_header(admin)
    assert (
        client.post(
            f"/api/v1/suspense/{item.id}/resolve",
            headers=headers,
            json={"action": "assign_stall", "vendor_id": va.id, "note": "đúng sạp"},
        ).status_code
        == 200
    )
    vendor = auth_header(make_user("vendor", scope=scope_of(va)))
    sale = client.post(f"/api/v1/vendors/{va.id}/cash-sales", headers=vendor, json={"amount": 5_000}).get_json()
    assert client.delete(f"/api/v1/cash-sales/{sale['id']}", headers=vendor).status_code == 200
    actions = [i["action"] for i in read(client, vendor, "?limit=500")["items"]]
    assert {"suspense.assign_stall", "cash_sale.create", "cash_sale.delete"} <= set(actions)


def test_the_command_line_prints_the_same_rows(runner, world):
    va = world["va"]
    table = runner.invoke(args=["audit", "--vendor", str(va.id)])
    assert table.exit_code == 0, table.output
    assert "vendor.create" in table.output and "1 row(s)." in table.output
    as_json = runner.invoke(args=["audit", "--market", va.market.code, "--json"])
    assert as_json.exit_code == 0, as_json.output
    items = json.loads(as_json.output)["items"]
    assert {item["market_code"] for item in items} == {va.market.code} and len(items) >= 3
    bad = runner.invoke(args=["audit", "--from", "yesterday"])
    assert bad.exit_code == 1 and "from" in bad.output


def test_a_statement_run_is_in_the_log_of_the_staff_who_may_read_the_run(client, world, tmp_path):
    from market_pay.reconciliation.services import reconcile_file
    from tests.payments.helpers import set_partners
    from tests.reconciliation.statements import line, write_statement

    set_partners()
    va, vb = world["va"], world["vb"]

    def block(vendor, n):
        account = vendor.accounts[0]
        return (
            account.bin,
            account.account_number,
            0,
            [line(f"AUD-{n}", f"FT-AUD-{n}", "2026-11-21T09:00:00+07:00", 10_000)],
            None,
        )

    one, _ = reconcile_file(None, str(write_statement(tmp_path / "a.csv", [block(va, 1)])), "simbank", None, "a.csv")
    both, _ = reconcile_file(
        None, str(write_statement(tmp_path / "ab.csv", [block(va, 2), block(vb, 3)])), "simbank", None, "ab.csv"
    )
    db.session.commit()

    def runs(headers):
        return {int(item["entity"].split(":")[1]) for item in read(client, headers, "?action=reconcile")["items"]}

    assert runs(auth_header(make_user("market_manager", scope=world["ma"].code))) == {one.id}
    assert runs(auth_header(make_user("region_staff", scope=world["d1"].code))) == {one.id}
    province = world["d1"].parent.code
    assert runs(auth_header(make_user("region_staff", scope=province))) == {one.id, both.id}
    assert runs(auth_header(world["admin"])) == {one.id, both.id}


def test_a_stall_reads_who_changed_its_accounts_and_logins(client, world):
    va = world["va"]
    manager = make_user("market_manager", scope=world["ma"].code)
    managed = auth_header(manager)
    account = client.post(f"/api/v1/vendors/{va.id}/accounts", headers=managed, json=account_data()).get_json()
    assert (
        client.post(f"/api/v1/vendors/{va.id}/accounts/{account['id']}/deactivate", headers=managed).status_code == 200
    )
    assistant = make_user("vendor_assistant", scope=scope_of(va))
    assert (
        client.post(f"/api/v1/users/{assistant.id}/deactivate", headers=auth_header(world["admin"])).status_code == 200
    )
    vendor = auth_header(make_user("vendor", scope=scope_of(va)))
    log = read(client, vendor, "?limit=500")["items"]
    changes = {(item["action"], item["actor"]) for item in log}
    # The manager's account waits for the vendor; deactivating it before then withdraws it.
    assert {
        ("account.add", manager.username),
        ("account.reject", manager.username),
        ("user.deactivate", world["admin"].username),
    } <= changes
    assert {item["market_code"] for item in log} == {va.market.code}
