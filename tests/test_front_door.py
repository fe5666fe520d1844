"""The front door, the icon and the HTML error pages: Vietnamese first (English with ?lang=en),
the phone viewport, the site's stylesheet, and what to do next (issue 19)."""

import re

import pytest
from werkzeug.exceptions import default_exceptions

from tests.factories import make_user

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def _csrf(client, path):
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def test_the_front_door_has_one_way_in_per_audience(client):
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="vi">' in page and VIEWPORT in page
    for href in ('href="/stall"', 'href="/verify"', 'href="/office"', 'href="/reports"'):
        assert href in page
    assert "Tôi là người bán" in page and "Tôi là người mua" in page and "Cán bộ quản lý" in page
    assert "Ban quản lý chợ" in page  # a market manager finds the office from the front door
    assert "Content-Security-Policy" in response.headers
    english = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "I am a shopper" in english and "Market management board" in english


def test_the_icon_is_served_from_the_package(client):
    with client.get("/favicon.ico") as response:  # closes the file it serves
        assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
        assert response.mimetype == "image/vnd.microsoft.icon"


def test_an_unknown_page_is_a_vietnamese_404_that_leads_home(client):
    response = client.get("/no-such-page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Không tìm thấy trang này" in page and 'href="/"' in page and VIEWPORT in page
    assert "market_pay.css" in page and "Not Found" not in page
    assert "X-Frame-Options" in response.headers
    english = client.get("/no-such-page?lang=en").get_data(as_text=True)
    assert "Page not found" in english and "Go to the home page" in english


def test_an_unknown_payment_page_is_the_same_404(client):
    page = client.get("/pay/NOPE123").get_data(as_text=True)
    assert "Không tìm thấy trang này" in page


def test_the_api_keeps_its_json_errors(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.json["code"] == 404
    assert client.get("/no-such-page", headers={"Accept": "application/json"}).json["code"] == 404


def test_a_form_without_its_token_is_a_403_page_that_says_to_reload(client):
    response = client.post("/staff/login", data={"username": "x", "password": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 403 and "Không được phép" in page and "Tải lại trang" in page


@pytest.mark.parametrize(
    "code, words",
    [(401, "Cần đăng nhập"), (429, "Quá nhiều yêu cầu"), (500, "Có lỗi ở máy chủ"), (405, "Không thực hiện được")],
)
def test_every_error_page_is_vietnamese_and_says_what_next(app, code, words):
    # Through the app's own handlers, as a page request that failed this way would be answered.
    error = RuntimeError("boom") if code == 500 else default_exceptions[code]()
    with app.test_request_context("/reports/somewhere", headers={"Accept": "text/html"}):
        response = app.make_response(app.handle_user_exception(error))
    page = response.get_data(as_text=True)
    assert response.status_code == code and words in page and VIEWPORT in page and 'href="/"' in page
    assert "boom" not in page and "Traceback" not in page and "market_pay.css" in page
    if code == 401:
        assert 'href="/staff/login"' in page


def test_a_wrong_method_on_a_page_is_the_styled_page(client):
    response = client.delete("/")
    assert response.status_code == 405 and "Không thực hiện được" in response.get_data(as_text=True)


def test_staff_sign_in_errors_speak_of_username_and_password(client):
    user = make_user("admin")
    response = client.post(
        "/staff/login",
        data={"username": user.username, "password": "wrong-password-1", "csrf_token": _csrf(client, "/staff/login")},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu." in page
    assert "số điện thoại" not in page.lower() and "PIN" not in page
