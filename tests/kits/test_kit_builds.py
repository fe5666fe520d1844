"""Built kits are kept by content (a repeated request is not rebuilt) and one user builds one kit
at a time (a second request meanwhile gets 429 with Retry-After)."""

import threading

import pytest

from market_pay.extensions import db
from market_pay.kits import services
from market_pay.kits.builds import KitStore
from tests.factories import account_data, auth_header, make_market, make_user, make_vendor


@pytest.fixture
def renders(app, monkeypatch, tmp_path):
    """A fresh store for this test, and a count of the PDFs actually rendered."""
    monkeypatch.setitem(app.extensions, "market_pay_kit_store", KitStore(tmp_path / "kits", 50 * 1024 * 1024))
    calls = []
    real = services.render_pdf

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "render_pdf", counting)
    return calls


def kit(client, market, headers, layout="a4x4"):
    return client.get(f"/api/v1/markets/{market.code}/kits.pdf?layout={layout}", headers=headers)


def test_a_repeated_kit_request_is_served_from_the_store_without_rendering(client, renders):
    market = make_market()
    make_vendor(market, "A-01", [account_data("970436", "0011001234567", "NGUYỄN THỊ HOA")])
    headers = auth_header(make_user("admin"))
    first, second = kit(client, market, headers), kit(client, market, headers)
    assert first.status_code == second.status_code == 200
    assert first.data == second.data and first.headers["ETag"] == second.headers["ETag"]
    assert renders == ["a4x4"]
    # Another user asking for the same cards gets the same file, still not rendered again.
    assert kit(client, market, auth_header(make_user("admin"))).data == first.data and len(renders) == 1


def test_a_changed_stall_or_layout_builds_a_new_kit(client, renders):
    market = make_market()
    vendor = make_vendor(market, "A-01", [account_data("970436", "0011001234567", "NGUYỄN THỊ HOA")])
    headers = auth_header(make_user("admin"))
    first = kit(client, market, headers)
    vendor.display_name = "Rau sạch bà Hoa (mới)"
    db.session.commit()
    second = kit(client, market, headers)
    kit(client, market, headers, layout="a6")
    assert second.headers["ETag"] != first.headers["ETag"] and len(renders) == 3


def test_a_user_whose_kit_is_being_built_gets_429_and_others_do_not(app, client, renders):
    market = make_market()
    make_vendor(market, "A-01", [account_data("970436", "0011001234567", "NGUYỄN THỊ HOA")])
    busy, other = make_user("admin"), make_user("admin")
    with services._store().one_build(str(busy.id)) as held:  # as a build running in another worker
        assert held
        refused = kit(client, market, auth_header(busy))
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert refused.get_json()["code"] == 429
        assert kit(client, market, auth_header(other)).status_code == 200
    assert kit(client, market, auth_header(busy)).status_code == 200 and len(renders) == 1  # from the store


def test_concurrent_requests_of_one_user_make_one_build(committed, monkeypatch, tmp_path):
    monkeypatch.setitem(committed.extensions, "market_pay_kit_store", KitStore(tmp_path / "kits", 50 * 1024 * 1024))
    market = make_market()
    make_vendor(market, "A-01", [account_data("970436", "0011001234567", "NGUYỄN THỊ HOA")])
    headers = auth_header(make_user("admin"))
    code = market.code
    db.session.close()
    started, release, builds = threading.Event(), threading.Event(), []
    real = services.render_pdf

    def slow_render(*args, **kwargs):
        builds.append(1)
        started.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "render_pdf", slow_render)
    answers = {}

    def ask(name):
        # Each in its own thread, hence its own app context and session (as in a real server).
        answers[name] = committed.test_client().get(f"/api/v1/markets/{code}/kits.pdf", headers=headers)

    first, second = (threading.Thread(target=ask, args=(name,)) for name in ("first", "second"))
    first.start()
    try:
        assert started.wait(30)
        second.start()
        second.join(60)
    finally:
        release.set()
        first.join(60)
    assert answers["second"].status_code == 429 and answers["first"].status_code == 200
    ask("again")
    assert answers["again"].status_code == 200 and answers["again"].data == answers["first"].data
    assert len(builds) == 1


def test_the_store_keeps_the_recently_served_within_its_size(tmp_path):
    import os

    store = KitStore(tmp_path, max_bytes=2500)
    store.put("aaa", b"x" * 1000)
    store.put("bbb", b"y" * 1000)
    os.utime(tmp_path / "aaa.pdf", (1, 1))
    os.utime(tmp_path / "bbb.pdf", (2, 2))
    assert store.get("aaa") == b"x" * 1000  # served: now the most recent
    store.put("ccc", b"z" * 1000)
    assert store.get("bbb") is None and store.get("aaa") and store.get("ccc")
    with pytest.raises(ValueError):
        store.get("../etc/passwd")
