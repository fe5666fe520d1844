"""The vendor import makes a fixed number of database statements whatever the file's size (a
10,000-row file took 156 s at a few statements per row; bench/bench_vendor_import.py)."""

import pytest
from sqlalchemy import func, select

from market_pay.audit.models import AuditLog
from market_pay.extensions import db
from market_pay.vendors.importer import import_vendors_csv
from market_pay.vendors.models import ReceivingAccount, Vendor
from market_pay.vendors.services import NUMBER_TAKEN
from tests.factories import make_market, make_vendor
from tests.statements import statements as counted_statements

pytestmark = pytest.mark.usefixtures("app")
HEADER = "stall_code,display_name,phone,floor_amount,bin,account_number,account_name\n"


def spreadsheet(stalls: int, first: int = 0) -> str:
    return HEADER + "".join(
        f"S{n:04d},Sạp {n},0912{n:06d},,970405,{8_000_000 + n},NGUYEN VAN {n}\n"
        f"S{n:04d},Sạp {n},0912{n:06d},,970422,{9_000_000 + n},NGUYEN VAN {n}\n"
        for n in range(first, first + stalls)
    )


def statements():
    """The statements sent to the database inside the block, audit entries aside: they go through
    record_change (one ORM object per stall, as every change is audited), which the ORM batches
    where it can, so they are not counted here."""
    return counted_statements(ignoring=("INSERT INTO audit_log",))


def test_import_makes_as_many_statements_for_200_stalls_as_for_20():
    small, large = make_market(code="SMALL"), make_market(code="LARGE")
    db.session.flush()
    with statements() as few:
        assert import_vendors_csv(spreadsheet(20), small.code) == {"created": 20, "unchanged": 0}
    with statements() as many:
        assert import_vendors_csv(spreadsheet(200, first=1000), large.code) == {"created": 200, "unchanged": 0}
    # (The first import may also load what the session had expired; never more for a larger file.)
    assert len(many) <= len(few) < 20
    assert db.session.scalar(select(func.count(ReceivingAccount.id))) == 440
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "vendor.create")) == 220


def test_reimport_makes_as_many_statements_for_200_stalls_as_for_20():
    small, large = make_market(code="SMALL"), make_market(code="LARGE")
    import_vendors_csv(spreadsheet(20), small.code)
    import_vendors_csv(spreadsheet(200, first=1000), large.code)
    db.session.expire_all()
    with statements() as few:
        assert import_vendors_csv(spreadsheet(20), small.code) == {"created": 0, "unchanged": 20}
    with statements() as many:
        assert import_vendors_csv(spreadsheet(200, first=1000), large.code) == {"created": 0, "unchanged": 200}
    assert len(many) <= len(few) < 20


def test_bulk_import_keeps_row_numbered_errors_for_numbers_taken_elsewhere():
    market, other = make_market(code="MINE"), make_market(code="THEIRS")
    taken = make_vendor(market=other)
    account = taken.accounts[0]
    text = spreadsheet(3) + f"Z-01,Sạp Z,0912000999,,{account.bin},{account.account_number},X\n"
    with pytest.raises(Exception) as refused:
        import_vendors_csv(text, market.code)
    # The refusal names no stall (issue 17, finding 8).
    assert refused.value.errors == {"row 8": {"account_number": [NUMBER_TAKEN]}}
    assert db.session.scalar(select(func.count(Vendor.id)).where(Vendor.market_id == market.id)) == 0
