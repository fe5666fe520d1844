"""A reconciliation run's breaks in the office, page by page and by kind: a day with more breaks
than one page shows is read to the end in the browser (no "only the first 200" dead end)."""

import re

import pytest

from market_pay.office import reconciliation_pages
from tests.office.conftest import sign_in
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer
from tests.reconciliation.statements import line, write_statement

pytestmark = pytest.mark.usefixtures("app")
DAY = "2026-11-21"


@pytest.fixture
def run_path(client, office, tmp_path):
    """A run of market A with five breaks: four lines no callback announced, one callback the
    statement lacks."""
    set_partners()
    account = office.stall_a.accounts[0]
    post_simbank(
        client,
        simbank_transfer(
            account, 70_000, transaction_id="SIM-9", bank_reference="FT9", booked_at=f"{DAY}T08:00:00+07:00"
        ),
    )
    missing = [line(f"SIM-{n}", f"FT{n}", f"{DAY}T09:0{n}:00+07:00", n * 10_000) for n in range(1, 5)]
    path = write_statement(tmp_path / "sao-ke.csv", [(account.bin, account.account_number, 0, missing, None)])
    token = sign_in(client, office.staff_a)
    with open(path, "rb") as handle:
        response = client.post(
            f"/office/m/{office.market_a.code}/reconciliation",
            content_type="multipart/form-data",
            data={"csrf_token": token, "file": (handle, path.name), "partner": "simbank"},
        )
    assert response.status_code == 302
    return response.headers["Location"]


def _shown(html):
    return re.findall(r'<li class="panel" data-kind="([a-z_]+)"', html)


def _next(html):
    found = re.search(r'<a href="([^"]+)" rel="next">', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_every_break_is_reached_page_by_page(client, office, run_path, monkeypatch):
    monkeypatch.setattr(reconciliation_pages, "BREAKS_SHOWN", 2)
    manager = client.application.test_client()
    sign_in(manager, office.manager_a)
    seen, path = [], run_path
    while path:
        html = manager.get(path).get_data(as_text=True)
        assert manager.get(path).status_code == 200
        seen += _shown(html)
        path = _next(html)
    assert len(seen) == 5 and sorted(set(seen)) == ["missing_callback", "not_on_statement"]


def test_the_kind_badges_show_only_that_kind(client, office, run_path):
    manager = client.application.test_client()
    sign_in(manager, office.manager_a)
    html = manager.get(run_path).get_data(as_text=True)
    link = re.search(r'<a class="badge kind[^"]*" href="([^"]+kind=not_on_statement[^"]*)"', html)
    assert link, "the badge of a kind leads to that kind's breaks"
    only = manager.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert _shown(only) == ["not_on_statement"]
    # A kind no run has, or an odd page mark, is the whole list from the start, not an error.
    for odd in ("?kind=bogus", "?after=-5", "?after=abc", "?after=99999999999999999999999"):
        response = manager.get(run_path + odd)
        assert response.status_code == 200, odd
    assert len(_shown(manager.get(run_path + "?kind=bogus").get_data(as_text=True))) == 5


def test_the_latest_run_is_listed_first(client, office, run_path, tmp_path):
    account = office.stall_a.accounts[0]
    later = write_statement(
        tmp_path / "sao-ke-2.csv",
        [(account.bin, account.account_number, 0, [line("SIM-7", "FT7", "2026-11-22T09:00:00+07:00", 5_000)], None)],
    )
    staff = client.application.test_client()
    token = sign_in(staff, office.staff_a)
    with open(later, "rb") as handle:
        second = staff.post(
            f"/office/m/{office.market_a.code}/reconciliation",
            content_type="multipart/form-data",
            data={"csrf_token": token, "file": (handle, later.name), "partner": "simbank"},
        )
    assert second.status_code == 302
    html = staff.get(f"/office/m/{office.market_a.code}/reconciliation").get_data(as_text=True)
    runs = [int(n) for n in re.findall(r'<tr data-run="(\d+)"', html)]
    assert len(runs) == 2 and runs[0] > runs[1]
