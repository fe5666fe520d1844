"""The market's cards, suspense queue and audit log in the office."""

import re

import pytest
from sqlalchemy import select

from market_pay.audit.models import AuditLog
from market_pay.extensions import db
from market_pay.payments.models import BankTransaction, SuspenseItem
from tests.factories import make_run
from tests.office.conftest import post, sign_in
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer

pytestmark = pytest.mark.usefixtures("app")


def test_cards_for_the_market_a_selection_and_one_stall(client, office):
    sign_in(client, office.manager_a)
    code = office.market_a.code
    for path in (
        f"/office/m/{code}/cards.pdf",
        f"/office/m/{code}/cards.pdf?stall={office.stall_a.id}&layout=a4x4",
        f"/office/m/{code}/stalls/{office.stall_a.id}/cards.pdf",
    ):
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "application/pdf", path
        assert response.data.startswith(b"%PDF") and "attachment" in response.headers["Content-Disposition"]
    # Another market's stall in a selection: 404, nothing built; ids no column holds are no stall.
    assert client.get(f"/office/m/{code}/cards.pdf?stall={office.stall_b.id}").status_code == 404
    for nothing in ("stall=99999999999&stall=-1", "selection=1"):
        response = client.get(f"/office/m/{code}/cards.pdf?{nothing}")
        assert response.status_code == 302  # back to the list: nothing was selected
    assert "Chưa chọn sạp nào." in client.get(f"/office/m/{code}").get_data(as_text=True)
    assert client.get(f"/office/m/{code}/cards.pdf?layout=../../x").status_code == 200


def _unmatched(client, office, account_number):
    """A credit to a deactivated account of stall A: it waits in market A's queue."""
    set_partners()
    account = office.stall_a.accounts[0]
    post_simbank(client, simbank_transfer(account, 30_000, account_number=account_number, payer_name="LE VAN D"))
    return db.session.scalar(select(SuspenseItem).order_by(SuspenseItem.id.desc()))


@pytest.fixture
def item(client, office):
    account = office.stall_a.accounts[0]
    account.set_status("inactive")
    db.session.commit()
    return _unmatched(client, office, account.account_number)


def test_the_queue_shows_the_reason_and_a_manager_assigns_the_money(client, office, item):
    token = sign_in(client, office.manager_a)
    code = office.market_a.code
    html = client.get(f"/office/m/{code}/suspense").get_data(as_text=True)
    assert f'id="item-{item.id}"' in html and "Tài khoản chưa dùng được" in html and "30.000 ₫" in html
    assert "LE VAN D" in html
    wrong = post(client, f"/office/m/{code}/suspense/{item.id}", token, action="assign_stall", stall_code="NOPE")
    assert wrong.status_code == 422 and "Chợ này không có sạp NOPE." in wrong.get_data(as_text=True)
    no_note = post(client, f"/office/m/{code}/suspense/{item.id}", token, action="dismiss")
    assert no_note.status_code == 422
    done = post(
        client,
        f"/office/m/{code}/suspense/{item.id}",
        token,
        action="assign_stall",
        stall_code="A-01",
        note="sạp đổi tài khoản",
    )
    assert done.status_code == 302
    assert db.session.get(SuspenseItem, item.id).resolution == "assigned"
    assert db.session.scalar(select(BankTransaction.vendor_id)) == office.stall_a.id
    assert (
        db.session.scalar(select(AuditLog.action).where(AuditLog.entity_type == "suspense_item"))
        == "suspense.assign_stall"
    )
    again = post(client, f"/office/m/{code}/suspense/{item.id}", token, action="dismiss", note="x")
    assert again.status_code == 409
    resolved = client.get(f"/office/m/{code}/suspense?status=resolved").get_data(as_text=True)
    assert "Đã ghi cho sạp → A-01" in resolved


def test_the_queue_is_the_market_s_own(client, office, item):
    token = sign_in(client, office.manager_b)
    assert client.get(f"/office/m/{office.market_a.code}/suspense").status_code == 403
    assert (
        post(
            client, f"/office/m/{office.market_a.code}/suspense/{item.id}", token, action="dismiss", note="x"
        ).status_code
        == 403
    )
    assert (
        post(
            client, f"/office/m/{office.market_b.code}/suspense/{item.id}", token, action="dismiss", note="x"
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/office/m/{office.market_b.code}/suspense/{item.id}", data={"action": "dismiss", "note": "x"}
        ).status_code
        == 403
    )  # no token
    assert db.session.get(SuspenseItem, item.id).status == "open"
    staff = client.application.test_client()
    staff_token = sign_in(staff, office.staff_a)
    html = staff.get(f"/office/m/{office.market_a.code}/suspense").get_data(as_text=True)
    assert "30.000 ₫" in html and "LE VAN D" not in html  # amounts, not who paid
    assert (
        post(
            staff, f"/office/m/{office.market_a.code}/suspense/{item.id}", staff_token, action="dismiss", note="x"
        ).status_code
        == 403
    )


def test_the_audit_log_shows_the_market_s_changes_only(client, office):
    token = sign_in(client, office.manager_a)
    post(
        client,
        f"/office/m/{office.market_a.code}/stalls/{office.stall_a.id}/status",
        token,
        status="suspended",
        reason="nợ phí",
    )
    html = client.get(f"/office/m/{office.market_a.code}/audit").get_data(as_text=True)
    assert 'data-action="vendor.suspend"' in html and "Tạm ngừng sạp" in html and office.manager_a.username in html
    assert f"vendor:{office.stall_b.id}" not in html
    assert client.get(f"/office/m/{office.market_b.code}/audit").status_code == 403


def _logged_things(office, copies: int, item, run):
    """Audit rows in market A's log naming each kind of thing the office logs, `copies` of each."""
    from market_pay.audit.services import record_change

    account, stall, market = office.stall_a.accounts[0], office.stall_a, office.market_a
    for _ in range(copies):
        for kind, key in (
            ("vendor", stall.id),
            ("receiving_account", account.id),
            ("user", office.manager_a.id),
            ("market", market.code),
            ("reconciliation_run", run.id),
            ("cash_sale", "survey"),
            ("partner", "simbank"),
            ("suspense_item", item.id),
            ("vendor", 987654),  # gone (or never there)
        ):
            record_change(office.admin, "test.thing", kind, key, market_id=market.id)
    db.session.commit()


def test_the_audit_log_names_what_changed_in_words_with_one_query_per_kind(client, office, item):
    """The "Đối tượng" column says the stall's code and name, the account, the market's and the
    user's names, not keys like vendor:12; the names are loaded for the page at once."""
    from sqlalchemy import event

    office.manager_a.display_name = "Nguyễn Văn Quản"
    run = make_run([office.market_a.id])
    _logged_things(office, 1, item, run)
    sign_in(client, office.manager_a)
    url = f"/office/m/{office.market_a.code}/audit"

    def statements_of_one_page() -> int:
        seen = []
        listen = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        return len([statement for statement in seen if statement.lstrip().upper().startswith("SELECT")])

    html = client.get(url).get_data(as_text=True)
    cells = re.findall(r'data-entity="([^"]+)">([^<]*)</td>', html)
    said = dict(cells)
    stall, account, market = office.stall_a, office.stall_a.accounts[0], office.market_a
    assert said[f"vendor:{stall.id}"] == f"Sạp A-01 – {stall.display_name}"
    assert said[f"receiving_account:{account.id}"].startswith("Tài khoản ")
    assert said[f"receiving_account:{account.id}"].endswith(f" {account.account_number} (sạp A-01)")
    assert said[f"user:{office.manager_a.id}"] == f"Người dùng {office.manager_a.username} (Nguyễn Văn Quản)"
    assert said[f"market:{market.code}"] == f"{market.name} ({market.code})"
    assert said[f"reconciliation_run:{run.id}"] == f"Lần đối soát số {run.id}, sao kê ngày 21/11/2026"
    assert said["cash_sale:survey"] == "Khảo sát tiền mặt" and said["partner:simbank"] == "Đối tác simbank"
    assert said["vendor:987654"] == "Sạp số 987654"
    assert said[f"suspense_item:{item.id}"] == f"Khoản 30.000 ₫ chờ xử lý (số {item.id})"
    english = dict(
        re.findall(r'data-entity="([^"]+)">([^<]*)</td>', client.get(url + "?lang=en").get_data(as_text=True))
    )
    assert english[f"vendor:{stall.id}"] == f"Stall A-01 – {stall.display_name}"
    few = statements_of_one_page()
    _logged_things(office, 5, item, run)  # five times the rows on the page, the same kinds of things
    assert statements_of_one_page() == few


def test_another_market_s_reference_is_no_request_here_and_the_form_keeps_what_was_chosen(client, office, item):
    """Assigning this market's money to another market's payment request: the same answer as a
    reference that does not exist (nothing said about the other market, no dead-end 403 page),
    and the form comes back as the manager filled it, not reset to its first choice."""
    from market_pay.payments.payment_requests import create_payment_request

    admin = office.admin
    foreign, _ = create_payment_request(admin, office.stall_b.id, {"amount": 30_000}, None)
    db.session.commit()
    token = sign_in(client, office.manager_a)
    code = office.market_a.code
    answers = [
        post(client, f"/office/m/{code}/suspense/{item.id}", token, action="assign_request", reference=ref, note="n")
        for ref in (foreign.reference, "CPNOTHERE9")
    ]
    assert [answer.status_code for answer in answers] == [422, 422]
    pages = [answer.get_data(as_text=True) for answer in answers]
    assert "Không có mã thanh toán này." in pages[0]
    assert pages[0].replace(foreign.reference, "CPNOTHERE9") == pages[1].replace(foreign.reference, "CPNOTHERE9")
    assert '<option value="assign_request" selected>' in pages[1]
    assert 'name="reference" maxlength="40" value="CPNOTHERE9"' in pages[1] and 'value="n"' in pages[1]
    assert db.session.get(SuspenseItem, item.id).status == "open"


def test_a_refusal_comes_before_the_form_is_read(client, office, item):
    """Region staff and another market's item are refused whatever the form says (a wrong stall
    code is not a 422 for someone who may not settle the queue at all)."""
    staff_token = sign_in(client, office.staff_a)
    code = office.market_a.code
    refused = post(
        client, f"/office/m/{code}/suspense/{item.id}", staff_token, action="assign_stall", stall_code="NOPE"
    )
    assert refused.status_code == 403
    manager = client.application.test_client()
    token = sign_in(manager, office.manager_a)
    for action in ("assign_stall", "assign_request", "bogus"):
        other = post(manager, f"/office/m/{code}/suspense/999999", token, action=action, stall_code="NOPE")
        assert other.status_code == 404, action


def test_the_audit_log_says_each_change_in_the_reader_s_words_not_as_json(client, office, item):
    token = sign_in(client, office.manager_a)
    code = office.market_a.code
    post(client, f"/office/m/{code}/suspense/{item.id}", token, action="dismiss", note="khách chuyển nhầm")
    html = client.get(f"/office/m/{code}/audit").get_data(as_text=True)
    detail = html.split('data-action="suspense.dismiss"', 1)[1].split("</tr>", 1)[0]
    assert "Số tiền: 30.000 ₫" in detail and "Ghi chú: khách chuyển nhầm" in detail
    assert "Lý do: Tài khoản chưa dùng được" in detail
    assert '{"' not in detail and "note" not in detail and "amount" not in detail
    english = client.get(f"/office/m/{code}/audit?lang=en").get_data(as_text=True)
    assert "Amount: 30,000 ₫" in english.split('data-action="suspense.dismiss"', 1)[1].split("</tr>", 1)[0]


def test_the_audit_log_opens_on_the_latest_change_and_pages_back_in_time(client, office, monkeypatch):
    """A manager opens the log to see what just happened: newest first, the next page older."""
    from market_pay.office import market_pages

    monkeypatch.setattr(market_pages, "QUEUE_PAGE", 2)
    token = sign_in(client, office.manager_a)
    code, stall = office.market_a.code, office.stall_a.id
    for name in ("Tên một", "Tên hai", "Tên ba"):
        assert post(client, f"/office/m/{code}/stalls/{stall}/edit", token, display_name=name).status_code == 302
    html = client.get(f"/office/m/{code}/audit").get_data(as_text=True)
    ids = [int(n) for n in re.findall(r'<tr data-action="[^"]+" data-id="(\d+)"', html)]
    assert len(ids) == 2 and ids[0] > ids[1] and "Sau: Tên hiển thị: Tên ba" in html
    assert "Sau: Tên hiển thị: Tên một" not in html  # the oldest edit is on the next page
    older = client.get(re.search(r'<a href="([^"]+)" rel="next">', html).group(1).replace("&amp;", "&"))
    older_ids = [int(n) for n in re.findall(r'<tr data-action="[^"]+" data-id="(\d+)"', older.get_data(as_text=True))]
    assert older_ids and max(older_ids) < min(ids)


def test_an_account_request_reads_in_vietnamese_in_the_audit_log(client, office):
    token = sign_in(client, office.manager_a)
    code, stall = office.market_a.code, office.stall_a.id
    added = post(
        client,
        f"/office/m/{code}/stalls/{stall}/accounts",
        token,
        bin="970422",
        account_number="7777",
        account_name="NGUYỄN THỊ HOA",
    )
    assert added.status_code == 302
    html = client.get(f"/office/m/{code}/audit").get_data(as_text=True)
    detail = html.split('data-action="account.add"', 1)[1].split("</tr>", 1)[0]
    assert "Tài khoản: 970422/7777" in detail and "Account" not in detail
