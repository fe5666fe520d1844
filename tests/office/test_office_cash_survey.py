"""Cash surveys in the office: only the market's own rows, all or none, audited to the market."""

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from market_pay.audit.models import AuditLog
from market_pay.cash.models import CashSale
from market_pay.extensions import db
from tests.office.conftest import sign_in

pytestmark = pytest.mark.usefixtures("app")


def survey(*rows):
    return "date,market_code,stall_code,count,value\n" + "".join(",".join(map(str, row)) + "\n" for row in rows)


def yesterday():
    return (datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date() - timedelta(days=1)).strftime("%d/%m/%Y")


def send(client, code, token, text):
    return client.post(
        f"/office/m/{code}/cash-survey",
        content_type="multipart/form-data",
        data={"csrf_token": token, "file": (io.BytesIO(text.encode()), "khao-sat.csv")},
    )


def sales():
    return db.session.scalar(select(func.count()).select_from(CashSale))


def test_a_manager_records_the_market_s_survey(client, office):
    token = sign_in(client, office.manager_a)
    code = office.market_a.code
    response = send(
        client, code, token, survey((yesterday(), code, "A-01", 12, 340_000), (yesterday(), code, "", 40, 2_000_000))
    )
    assert response.status_code == 302
    assert sales() == 2
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "cash_survey.import"))
    assert entry.market_id == office.market_a.id and entry.actor_label == office.manager_a.username
    assert "Đã ghi 2 dòng khảo sát; thay 0 dòng cũ." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_another_market_s_rows_are_refused_and_nothing_is_written(client, office):
    token = sign_in(client, office.manager_a)
    code = office.market_a.code
    response = send(
        client,
        code,
        token,
        survey((yesterday(), code, "A-01", 1, 10_000), (yesterday(), office.market_b.code, "B-01", 3, 30_000)),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "dòng 3" in html and "Không phải mã chợ này." in html
    assert sales() == 0


def test_only_the_market_s_manager_or_an_admin_uploads(client, office):
    code = office.market_a.code
    text = survey((yesterday(), code, "", 1, 10_000))
    token = sign_in(client, office.manager_b)
    assert client.get(f"/office/m/{code}/cash-survey").status_code == 403
    assert send(client, code, token, text).status_code == 403
    staff = client.application.test_client()
    assert send(staff, code, sign_in(staff, office.staff_a), text).status_code == 403
    own = client.application.test_client()
    sign_in(own, office.manager_a)
    no_token = own.post(
        f"/office/m/{code}/cash-survey",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(text.encode()), "k.csv")},
    )
    assert no_token.status_code == 403 and sales() == 0


def test_a_file_missing_columns_says_so_in_vietnamese_only(client, office):
    token = sign_in(client, office.manager_a)
    response = send(client, office.market_a.code, token, "date,stall_code,amount\n01/11/2026,A-01,5\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Thiếu cột count." in html
    rows = [cell.strip() for cell in re.findall(r"<tr><td>([^<]*)</td>", html)]
    assert rows and set(rows) == {"dòng tiêu đề"}  # not the English "header"
