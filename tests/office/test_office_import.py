"""Importing stalls in the office: a preview that writes nothing, then the same file confirmed."""

import io

import pytest
from sqlalchemy import func, select

from market_pay.audit.models import AuditLog
from market_pay.extensions import db
from market_pay.vendors.models import Vendor
from tests.office.conftest import sign_in

pytestmark = pytest.mark.usefixtures("app")
GOOD = (
    "stall_code,display_name,phone,bin,account_number,account_name\n"
    "A-01,Rau sạch bà Hoa,0912000001,970405,111100001111,NGUYỄN THỊ HOA\n"
    "C-01,Gạo ông Tư,0911222333,970422,88001234,LE VAN TU\n"
)
BAD = (
    "stall_code,display_name,phone,bin,account_number,account_name\n"
    "C-01,Gạo ông Tư,09,970422,88001234,LE VAN TU\n"
    "C-02,Cá chị Lan,0911222444,970422,222200002222,TRAN THI LAN\n"
)


def upload(client, path, token, text, name="stalls.csv"):
    return client.post(
        path, data={"csrf_token": token, "file": (io.BytesIO(text.encode()), name)}, content_type="multipart/form-data"
    )


def counts():
    return db.session.scalar(select(func.count()).select_from(Vendor)), db.session.scalar(
        select(func.count()).select_from(AuditLog)
    )


def test_a_preview_writes_nothing_and_the_confirmation_writes_the_file(client, office):
    token = sign_in(client, office.manager_a)
    path = f"/office/m/{office.market_a.code}/import"
    before = counts()
    preview = upload(client, path, token, GOOD)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "sẽ thêm 1 sạp; 1 sạp đã có" in html
    assert counts() == before
    done = client.post(path, data={"csrf_token": token, "confirm": "1", "csv_text": GOOD})
    assert done.status_code == 302
    vendor = db.session.scalar(select(Vendor).where(Vendor.stall_code == "C-01"))
    assert vendor.market_id == office.market_a.id and vendor.accounts[0].status == "pending"
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.vendor_id == vendor.id)) == "vendor.create"
    assert "Đã thêm 1 sạp; 1 sạp giữ nguyên." in client.get(done.headers["Location"]).get_data(as_text=True)


def test_every_bad_row_is_listed_and_nothing_is_written(client, office):
    token = sign_in(client, office.manager_a)
    path = f"/office/m/{office.market_a.code}/import"
    before = counts()
    response = upload(client, path, token, BAD)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "dòng 2" in html and "Không phải số điện thoại Việt Nam" in html
    assert "dòng 3" in html and "Số tài khoản này đã được đăng ký" in html  # stall B's number
    confirmed = client.post(path, data={"csrf_token": token, "confirm": "1", "csv_text": BAD})
    assert confirmed.status_code == 422 and counts() == before
    not_text = upload(client, path, token, "x", name="a.csv")
    assert not_text.status_code == 422  # one column missing in the header
    # Each missing column on its own line, in Vietnamese, on the header's row.
    missing = upload(client, path, token, "stall_code,display_name\nQ-1,Thử\n", name="a.csv").get_data(as_text=True)
    assert "dòng tiêu đề" in missing and "Thiếu cột phone." in missing and "Thiếu cột account_name." in missing
    assert "Missing column" not in missing
    latin1 = client.post(
        path,
        data={"csrf_token": token, "file": (io.BytesIO("Gạo".encode("utf-16")), "a.csv")},
        content_type="multipart/form-data",
    )
    assert latin1.status_code == 422 and "UTF-8" in latin1.get_data(as_text=True)


def test_only_the_market_s_manager_or_an_admin_imports(client, office):
    token = sign_in(client, office.manager_b)
    path = f"/office/m/{office.market_a.code}/import"
    before = counts()
    assert client.get(path).status_code == 403
    assert upload(client, path, token, GOOD).status_code == 403
    assert client.post(path, data={"confirm": "1", "csv_text": GOOD}).status_code == 403  # no token
    staff = client.application.test_client()
    staff_token = sign_in(staff, office.staff_a)
    assert upload(staff, path, staff_token, GOOD).status_code == 403
    assert counts() == before
