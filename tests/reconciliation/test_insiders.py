"""Issue 17, findings 1–3: a statement is an insider's way to move money. Only those who receive
statements may reconcile them, only for their own area's accounts; a line never acts on another
account's transaction, never occupies a partner's id, and never carries more than the money bound."""

import pytest
from sqlalchemy import func, select

from market_pay.audit.models import AuditLog
from market_pay.extensions import db
from market_pay.payments.models import BankTransaction, InboxEntry
from market_pay.reconciliation.models import ReconciliationBreak, ReconciliationRun
from tests.factories import account_data, auth_header, make_market, make_user, make_vendor
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer
from tests.reconciliation.statements import line, write_statement

pytestmark = pytest.mark.usefixtures("app")
DAY = "2026-11-21"
A_ACCOUNT = ("970436", "0011001234567")
B_ACCOUNT = ("970405", "1234567890")


@pytest.fixture
def world(client):
    """Market A and market B in two different regions, one stall each; B's stall has a credit."""
    set_partners()
    market_a, market_b = make_market(), make_market()
    stall_a = make_vendor(market_a, accounts=[account_data(*A_ACCOUNT, "NGUYEN THI HOA")])
    stall_b = make_vendor(market_b, accounts=[account_data(*B_ACCOUNT, "TRAN VAN BINH")])
    response = post_simbank(
        client,
        simbank_transfer(
            stall_b.accounts[0],
            70_000,
            transaction_id="SIM-B1",
            bank_reference="FTB1",
            booked_at=f"{DAY}T09:00:00+07:00",
        ),
    )
    assert response.status_code == 200
    return {"A": market_a, "B": market_b, "stall_a": stall_a, "stall_b": stall_b}


def upload(client, path, user, partner="simbank"):
    with open(path, "rb") as handle:
        return client.post(
            "/api/v1/statements",
            headers=auth_header(user),
            content_type="multipart/form-data",
            data={"file": (handle, path.name), "partner": partner},
        )


def b_credit():
    return db.session.scalar(select(BankTransaction).where(BankTransaction.partner_txn_id == "SIM-B1"))


def counts():
    return (
        db.session.scalar(select(func.count(ReconciliationRun.id))),
        db.session.scalar(select(func.count(BankTransaction.id))),
    )


# -- who may reconcile --------------------------------------------------------------------------------
def test_a_market_manager_may_not_reconcile_and_the_upload_is_not_read(client, world):
    manager = make_user("market_manager", world["A"].code)
    before = counts()
    # A body that is not even multipart: refused for the role before a byte of it is parsed.
    response = client.post(
        "/api/v1/statements",
        headers=auth_header(manager),
        data=b"--garbage\r\n" * 1000,
        content_type="multipart/form-data; boundary=nothing",
    )
    assert response.status_code == 403, response.get_json()
    assert counts() == before


def test_region_staff_get_a_smaller_upload_limit_than_an_administrator(client, app, world, tmp_path, monkeypatch):
    path = write_statement(
        tmp_path / "a.csv",
        [
            (
                *A_ACCOUNT,
                0,
                [line("SIM-A1", "FTA1", f"{DAY}T10:00:00+07:00", 20_000, description="chuyen tien " + "x" * 900)],
                None,
            )
        ],
    )
    assert app.config["STATEMENT_MAX_BYTES_REGION"] < app.config["STATEMENT_MAX_BYTES"]
    monkeypatch.setitem(app.config, "STATEMENT_MAX_BYTES_REGION", 500)
    region_staff = make_user("region_staff", world["A"].region.code)
    response = upload(client, path, region_staff)
    assert response.status_code == 413, response.get_json()
    assert counts()[0] == 0
    assert upload(client, path, make_user("admin")).status_code == 201


def test_region_staff_may_not_reconcile_another_areas_account(client, world, tmp_path):
    """Finding 1: the whole file is refused, naming the block, nothing written."""
    path = write_statement(
        tmp_path / "mixed.csv",
        [
            (*A_ACCOUNT, 0, [line("SIM-A1", "FTA1", f"{DAY}T10:00:00+07:00", 20_000)], None),
            (*B_ACCOUNT, 0, [line("SIM-B9", "FTB9", f"{DAY}T10:00:00+07:00", 20_000)], None),
            ("970422", B_ACCOUNT[1], 0, [line("SIM-X1", "FTX1", f"{DAY}T10:00:00+07:00", 5_000)], None),
        ],
    )
    before = counts()
    response = upload(client, path, make_user("region_staff", world["A"].region.code))
    assert response.status_code == 403, response.get_json()
    assert set(response.get_json()["errors"]) == {"row 5", "row 8"}  # B's block, and B's number at another bank
    assert counts() == before


# -- matching only on the line's own account ---------------------------------------------------------------
def test_a_line_carrying_another_accounts_transaction_id_never_changes_that_transaction(client, world, tmp_path):
    """Finding 1's reproduction: A's own line with the id of B's credit, and B's account number under
    another BIN giving back B's bank reference. B's credit stays as it was."""
    path = write_statement(
        tmp_path / "planted.csv",
        [
            (*A_ACCOUNT, 0, [line("SIM-B1", "FTA7", f"{DAY}T09:05:00+07:00", 70_000)], None),
            (
                "970422",
                B_ACCOUNT[1],
                100_000,
                [
                    line("SIM-X2", "FTX2", f"{DAY}T09:40:00+07:00", 70_000, "out", "HOAN TRA GD FTB1"),
                    line("SIM-X3", "FTB1", f"{DAY}T09:00:00+07:00", 7_000),  # B's reference, another amount
                    line("SIM-X4", "FTB1", f"{DAY}T09:00:00+07:00", 70_000),
                ],  # B's very money key
                None,
            ),
        ],
    )
    response = upload(client, path, make_user("admin"))
    assert response.status_code == 201, response.get_json()
    run = response.get_json()
    credit = b_credit()
    db.session.refresh(credit)
    assert (credit.confirmation, credit.reversed, credit.reconciliation_run_id) == ("provisional", False, None)
    assert (credit.vendor_id, credit.match_kind) == (world["stall_b"].id, "static")
    assert run["markets"] == [world["A"].code]
    kinds = {(b.kind, b.bank_txn_id) for b in db.session.scalars(select(ReconciliationBreak))}
    assert {("other_account", "SIM-B1"), ("other_account", "SIM-X4"), ("missing_callback", "SIM-X3")} <= kinds
    assert "field_disagreement" not in {kind for kind, _ in kinds}
    # The outgoing line names B's reference but is not on B's account: it gives back nothing of B's.
    debit = db.session.scalar(select(BankTransaction).where(BankTransaction.statement_txn_id == "SIM-X2"))
    assert debit.reverses_txn_id is None and debit.vendor_id is None
    english = client.get(
        f"/api/v1/reconciliation-runs/{run['id']}/breaks?kind=other_account&lang=en",
        headers=auth_header(make_user("admin")),
    ).get_json()["items"]
    item = next(item for item in english if item["bank_txn_id"] == "SIM-B1")
    assert item["label"] == "Id belongs to another account" and item["stall_code"] is None
    assert item["message"].startswith("This transaction id belongs to another account")


# -- a statement line never occupies a partner's id ------------------------------------------------------------
@pytest.mark.parametrize("uploader", ["admin", "region_staff"])
def test_a_planted_statement_line_never_swallows_a_genuine_future_callback(client, world, tmp_path, uploader):
    """Finding 2: a statement line with the partner's next id; the genuine signed callback with that
    id, for B's stall, is then credited to B — not a duplicate."""
    if uploader == "admin":  # an account no stall owns, as in the report
        user, block = make_user("admin"), ("970405", "88887777")
    else:  # the uploader's own area's account
        user, block = make_user("region_staff", world["A"].region.code), A_ACCOUNT
    path = write_statement(
        tmp_path / "planted.csv", [(*block, 0, [line("SIM-B2", "FTP2", f"{DAY}T10:00:00+07:00", 90_000)], None)]
    )
    assert upload(client, path, user).status_code == 201
    response = post_simbank(
        client,
        simbank_transfer(
            world["stall_b"].accounts[0],
            90_000,
            transaction_id="SIM-B2",
            bank_reference="FTB2",
            booked_at=f"{DAY}T11:00:00+07:00",
        ),
    )
    assert response.status_code == 200
    db.session.expire_all()
    genuine = db.session.scalar(select(BankTransaction).where(BankTransaction.partner_txn_id == "SIM-B2"))
    assert genuine is not None and genuine.account_number == B_ACCOUNT[1]
    from market_pay.payments.match_worker import match_pending

    match_pending()
    db.session.refresh(genuine)
    assert (genuine.vendor_id, genuine.match_kind) == (world["stall_b"].id, "static")
    assert db.session.scalar(select(InboxEntry.outcome).where(InboxEntry.transaction_id == genuine.id)) == "accepted"


def test_the_genuine_callback_for_recovered_money_confirms_it(client, world, tmp_path):
    """A statement recovered money the bank never called back; its callback arrives late: the money
    key recognises it, nothing is counted twice, and it is now confirmed under the partner's id."""
    path = write_statement(
        tmp_path / "a.csv", [(*A_ACCOUNT, 0, [line("SIM-A5", "FTA5", f"{DAY}T10:00:00+07:00", 45_000)], None)]
    )
    assert upload(client, path, make_user("region_staff", world["A"].region.code)).status_code == 201
    recovered = db.session.scalar(select(BankTransaction).where(BankTransaction.statement_txn_id == "SIM-A5"))
    assert recovered.confirmation == "recovered" and recovered.partner_txn_id != "SIM-A5"
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "reconcile"))
    assert (audit.details["recovered"], audit.details["market_ids"]) == (1, [world["A"].id])
    response = post_simbank(
        client,
        simbank_transfer(
            world["stall_a"].accounts[0],
            45_000,
            transaction_id="SIM-A5",
            bank_reference="FTA5",
            booked_at=f"{DAY}T10:00:00+07:00",
        ),
    )
    assert response.status_code == 200
    db.session.expire_all()
    rows = db.session.scalars(select(BankTransaction).where(BankTransaction.account_number == A_ACCOUNT[1])).all()
    assert [(t.id, t.partner_txn_id, t.confirmation, t.vendor_id) for t in rows] == [
        (recovered.id, "SIM-A5", "confirmed", world["stall_a"].id)
    ]


# -- the money bound --------------------------------------------------------------------------------------
def test_a_statement_line_above_the_money_bound_is_refused(client, world, tmp_path):
    """Finding 3: 18-digit amounts on one's own stall broke every report; now the file is refused."""
    path = write_statement(
        tmp_path / "huge.csv",
        [(*A_ACCOUNT, 0, [line("SIM-H1", "FTH1", f"{DAY}T10:00:00+07:00", 999_999_999_999_999_999)], None)],
    )
    before = counts()
    response = upload(client, path, make_user("admin"))
    assert response.status_code == 422, response.get_json()
    assert "amount" in response.get_json()["errors"]["row 3"]
    assert counts() == before


# -- who reads a run ----------------------------------------------------------------------------------
def test_each_market_reads_a_province_run_and_only_its_own_breaks(client, world, tmp_path):
    """A run over A's and B's accounts: A's manager and B's region staff each read it, each sees
    their own market's breaks (the recovered credits to review among them), never the other's."""
    path = write_statement(
        tmp_path / "province.csv",
        [
            (*A_ACCOUNT, 0, [line("SIM-A1", "FTA1", f"{DAY}T10:00:00+07:00", 20_000)], None),
            (
                *B_ACCOUNT,
                0,
                [
                    line("SIM-B1", "FTB1", f"{DAY}T09:00:00+07:00", 70_000),
                    line("SIM-B3", "FTB3", f"{DAY}T10:00:00+07:00", 30_000),
                ],
                None,
            ),
        ],
    )
    response = upload(client, path, make_user("admin"))
    assert response.status_code == 201 and response.get_json()["partial"] is False
    run_id = response.get_json()["id"]
    readers = {
        "A": make_user("market_manager", world["A"].code),
        "B": make_user("region_staff", world["B"].region.code),
    }
    for market, user in readers.items():
        headers = auth_header(user)
        run = client.get(f"/api/v1/reconciliation-runs/{run_id}", headers=headers).get_json()
        assert run["markets"] == [world[market].code] and run["partial"] is True and run["classes"] == []
        assert run["breaks_by_kind"] == {"missing_callback": 1}
        assert [
            item["id"] for item in client.get("/api/v1/reconciliation-runs", headers=headers).get_json()["items"]
        ] == [run_id]
        review = client.get(
            f"/api/v1/reconciliation-runs/{run_id}/breaks?kind=missing_callback", headers=headers
        ).get_json()["items"]
        assert [(item["bank_txn_id"], item["stall_code"]) for item in review] == [
            {"A": ("SIM-A1", world["stall_a"].stall_code), "B": ("SIM-B3", world["stall_b"].stall_code)}[market]
        ]
        csv_text = client.get(f"/api/v1/reconciliation-runs/{run_id}/breaks.csv", headers=headers).get_data(
            as_text=True
        )
        other = "B" if market == "A" else "A"
        assert world[f"stall_{other.lower()}"].stall_code not in csv_text
    outsider = make_user("market_manager", make_market().code)
    assert client.get(f"/api/v1/reconciliation-runs/{run_id}", headers=auth_header(outsider)).status_code == 404


def test_a_recovered_credit_is_marked_on_the_stall_feed(client, world, tmp_path):
    path = write_statement(
        tmp_path / "a.csv", [(*A_ACCOUNT, 0, [line("SIM-A7", "FTA7", f"{DAY}T10:00:00+07:00", 35_000)], None)]
    )
    assert upload(client, path, make_user("admin")).status_code == 201
    feed = client.get(f"/api/v1/vendors/{world['stall_a'].id}/payments", headers=auth_header(make_user("admin")))
    [item] = feed.get_json()["items"]
    assert (item["amount"], item["confirmation"], item["recovered"]) == (35_000, "recovered", True)


def test_the_adoption_report_shows_recovered_money_beside_the_confirmed(client, world, tmp_path):
    path = write_statement(
        tmp_path / "b.csv",
        [
            (
                *B_ACCOUNT,
                0,
                [
                    line("SIM-B1", "FTB1", f"{DAY}T09:00:00+07:00", 70_000),
                    line("SIM-B4", "FTB4", f"{DAY}T10:00:00+07:00", 15_000),
                ],
                None,
            )
        ],
    )
    assert upload(client, path, make_user("admin")).status_code == 201
    headers = auth_header(make_user("region_staff", world["B"].region.code))
    url = f"/api/v1/reports/adoption?market={world['B'].code}&from=2026-11-01&to=2026-11-30"
    row = client.get(url, headers=headers).get_json()["rows"][0]
    assert (row["cashless_value"], row["confirmed_value"], row["recovered_value"]) == (85_000, 85_000, 15_000)
    csv_text = client.get(url + "&format=csv&lang=en", headers=headers).get_data(as_text=True)
    assert "Of which recovered from statements" in csv_text


# -- a statement of a day not over (insider review of issue 24) -----------------------------------------
def _vietnam_now():
    from datetime import datetime

    from market_pay.common.local_time import local_zone

    return datetime.now(local_zone())


@pytest.mark.parametrize("statement_day", ["today", "yesterday"])
def test_region_staff_may_not_plant_a_line_the_bank_has_not_booked_yet(client, world, tmp_path, statement_day):
    """A line booked after now (today's statement, or yesterday's with a "day cut-off" line) took
    the money key of a callback still to come: the genuine callback was then a duplicate, and the
    planted line's content (not the payer's) decided where the money went. Refused whole, as the
    pull refuses a day that is not over; nothing written; the genuine callback is credited."""
    from datetime import timedelta

    soon = _vietnam_now() + timedelta(minutes=10)
    day = soon.date() - timedelta(days=1) if statement_day == "yesterday" else soon.date()
    path = write_statement(
        tmp_path / "early.csv",
        [(*A_ACCOUNT, 0, [line("SIM-F1", "FTF1", soon.isoformat(timespec="seconds"), 50_000, description="X")], None)],
    )
    region_staff = make_user("region_staff", world["A"].region.code)
    before = counts()
    with open(path, "rb") as handle:
        response = client.post(
            "/api/v1/statements",
            headers=auth_header(region_staff),
            content_type="multipart/form-data",
            data={"file": (handle, path.name), "partner": "simbank", "date": day.isoformat()},
        )
    assert response.status_code == 422, response.get_json()
    assert "not over" in response.get_json()["message"] or "booked_at" in str(response.get_json()["errors"])
    assert counts() == before
    genuine = post_simbank(
        client,
        simbank_transfer(
            world["stall_a"].accounts[0],
            50_000,
            transaction_id="SIM-F1",
            bank_reference="FTF1",
            booked_at=soon.isoformat(timespec="seconds"),
        ),
    )
    assert genuine.status_code == 200 and genuine.get_json() == {"status": "accepted"}


def test_a_market_no_longer_reads_the_breaks_of_an_account_that_moved_to_another_market(client, world, tmp_path):
    """An account once registered at a stall of B (deactivated when the vendor moved) and live now
    at a stall of A: a province run's breaks on it are A's, not B's. B's manager read them through
    the old registration — the line, the amount, and A's stall (insider review of issue 24)."""
    moved = ("970418", "5550001111")
    old = make_vendor(world["B"], accounts=[account_data(*moved, "LE VAN MINH")])
    old.accounts[0].set_status("deactivated")
    db.session.commit()
    make_vendor(world["A"], accounts=[account_data(*moved, "LE VAN MINH")])
    path = write_statement(
        tmp_path / "province.csv",
        [
            (*moved, 0, [line("SIM-M1", "FTM1", f"{DAY}T10:00:00+07:00", 60_000)], None),
            (*B_ACCOUNT, 0, [line("SIM-B1", "FTB1", f"{DAY}T09:00:00+07:00", 70_000)], None),
        ],
        repeat_rows=("SIM-M1",),
    )
    response = upload(client, path, make_user("admin"))
    assert response.status_code == 201, response.get_json()
    run_id = response.get_json()["id"]
    admin_view = client.get(f"/api/v1/reconciliation-runs/{run_id}/breaks", headers=auth_header(make_user("admin")))
    assert {item["kind"] for item in admin_view.get_json()["items"]} >= {"missing_callback", "duplicate"}
    headers = auth_header(make_user("market_manager", world["B"].code))
    run = client.get(f"/api/v1/reconciliation-runs/{run_id}", headers=headers).get_json()
    assert run["markets"] == [world["B"].code] and run["breaks_by_kind"] == {}
    items = client.get(f"/api/v1/reconciliation-runs/{run_id}/breaks", headers=headers).get_json()["items"]
    assert items == []
    csv_text = client.get(f"/api/v1/reconciliation-runs/{run_id}/breaks.csv", headers=headers).get_data(as_text=True)
    assert "SIM-M1" not in csv_text and moved[1] not in csv_text
    # A's manager reads them.
    own = client.get(
        f"/api/v1/reconciliation-runs/{run_id}/breaks",
        headers=auth_header(make_user("market_manager", world["A"].code)),
    ).get_json()["items"]
    assert {item["bank_txn_id"] for item in own} == {"SIM-M1"}


def test_a_partial_reader_is_not_told_the_file_s_size(client, world, tmp_path):
    """The file-wide class totals are left out for a reader whose scope covers only some of the
    run's markets; its line and account counts told the other markets' trade just as well (10
    lines of theirs in a run of 4,000). Left out too, in the API and on the office's pages."""
    path = write_statement(
        tmp_path / "province.csv",
        [
            (*A_ACCOUNT, 0, [line("SIM-A1", "FTA1", f"{DAY}T10:00:00+07:00", 20_000)], None),
            (
                *B_ACCOUNT,
                0,
                [line(f"SIM-B{n}", f"FTB{n}", f"{DAY}T10:{n:02d}:00+07:00", 1_000 + n) for n in range(2, 9)],
                None,
            ),
        ],
    )
    response = upload(client, path, make_user("admin"))
    assert (response.get_json()["line_count"], response.get_json()["account_count"]) == (8, 2)
    run_id = response.get_json()["id"]
    manager = make_user("market_manager", world["A"].code)
    run = client.get(f"/api/v1/reconciliation-runs/{run_id}", headers=auth_header(manager)).get_json()
    assert run["partial"] is True
    assert (run["line_count"], run["account_count"], run["break_count"]) == (None, None, 1)
    [listed] = client.get("/api/v1/reconciliation-runs", headers=auth_header(manager)).get_json()["items"]
    assert (listed["line_count"], listed["account_count"]) == (None, None)
    from tests.office.conftest import sign_in

    sign_in(client, manager)
    code = world["A"].code
    listing = client.get(f"/office/m/{code}/reconciliation").get_data(as_text=True)
    row = listing[listing.index(f'data-run="{run_id}"') :]
    row = row[: row.index("</tr>")]
    assert ">8<" not in row and "—" in row
    page = client.get(f"/office/m/{code}/reconciliation/{run_id}").get_data(as_text=True)
    assert "8 dòng" not in page and "2 tài khoản" not in page


def test_region_staff_may_not_plant_a_day_only_line_of_today_in_yesterday_s_mt940(client, world):
    """MT940 gives the booking day only ("some time that day"): a line dated today may stand for a
    transfer later today, so it waits until today is over, like a timed line booked after now."""
    import io
    from datetime import timedelta

    today = _vietnam_now().date()
    yesterday = today - timedelta(days=1)

    def day61(day, amount, reference):
        return f":61:{day:%y%m%d}{day:%m%d}C{amount},NTRFNONREF//{reference}\n:86:CHUYEN TIEN\n"

    text = (
        f":20:STMT1\n:25:{A_ACCOUNT[0]}/{A_ACCOUNT[1]}\n:28C:1/1\n:60F:C{yesterday:%y%m%d}VND0,\n"
        + day61(yesterday, 1000, "FTY1")
        + day61(yesterday, 2000, "FTY2")
        + day61(today, 50000, "FTF9")
        + f":62F:C{today:%y%m%d}VND53000,\n-\n"
    )
    region_staff = make_user("region_staff", world["A"].region.code)
    before = counts()
    response = client.post(
        "/api/v1/statements",
        headers=auth_header(region_staff),
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(text.encode()), "s.sta"), "partner": "simbank"},
    )
    assert response.status_code == 422, response.get_json()
    assert "booked_at" in str(response.get_json()["errors"])
    assert counts() == before


def test_no_one_sets_a_partner_s_pull_token_over_http(client, world):
    """`partners set --pull-token` is the command line's (the operator's): the administration page
    adds callback secrets and SePay API keys only, and is an administrator's alone; the API has no
    route for credentials at all. (Held in the insider review of issue 24.)"""
    from market_pay.payments.models import PartnerCredential
    from tests.office.conftest import sign_in

    def tokens():
        return db.session.scalar(select(func.count(PartnerCredential.id)).where(PartnerCredential.kind == "pull_token"))

    before = tokens()
    for user in (
        make_user("market_manager", world["A"].code),
        make_user("region_staff", world["A"].region.code),
        make_user("admin"),
    ):
        staff = client.application.test_client()
        token = sign_in(staff, user)
        for kind in ("pull_token", "client_id"):
            response = staff.post(
                "/admin/partners/sepay/add", data={"kind": kind, "value": "stolen-pull-token-1", "csrf_token": token}
            )
            assert response.status_code == (422 if user.role == "admin" else 403), (user.role, kind)
    headers = auth_header(make_user("admin"))
    for path in ("/api/v1/partners/sepay", "/api/v1/partners/sepay/credentials", "/api/v1/partners"):
        assert client.post(path, headers=headers, json={"pull_token": "stolen-pull-token-1"}).status_code in (404, 405)
    assert tokens() == before
