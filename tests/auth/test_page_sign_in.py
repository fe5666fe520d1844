"""The stall and staff sign-in pages: throttling answers a 429 page (not a 500), with the wait."""
import re

import pytest

from tests.factories import make_user, make_vendor, scope_of

pytestmark = pytest.mark.usefixtures("app")


def csrf_of(client, path):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def post_form(client, path, fields, query=""):
    return client.post(path + query, data={**fields, "csrf_token": csrf_of(client, path)},
                       environ_base={"REMOTE_ADDR": "10.1.2.3"})


@pytest.mark.parametrize("path, login_field, secret_field, role", [
    ("/stall/login", "phone", "pin", "vendor"), ("/staff/login", "username", "password", "admin")])
def test_a_throttled_sign_in_page_answers_429_with_the_wait_in_vietnamese(client, path, login_field,
                                                                          secret_field, role):
    user = make_user(role, scope_of(make_vendor()) if role == "vendor" else None)
    wrong = {login_field: user.username, secret_field: "999999999x"}
    answers = [post_form(client, path, wrong).status_code for _ in range(5)]
    assert answers == [401] * 5
    throttled = post_form(client, path, wrong)
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= 15 * 60
    html = throttled.get_data(as_text=True)
    assert "Thử lại sau" in html and "phút" in html
    english = post_form(client, path, wrong, "?lang=en")
    assert english.status_code == 429 and "Try again in" in english.get_data(as_text=True)
    assert int(english.headers["Retry-After"]) > 0
