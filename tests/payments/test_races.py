"""Races between workers: real concurrent transactions on each database (PostgreSQL when set)."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from market_pay.extensions import db
from market_pay.markets.services import create_market
from market_pay.payments.models import BankTransaction, InboxEntry
from market_pay.payments.partners import set_credentials
from market_pay.payments.signatures import sign_sepay, sign_simbank
from market_pay.regions.services import create_region
from market_pay.vendors.services import register_vendor

SECRET = "race-secret-1"


def make_stall():
    create_region(None, {"code": "C1", "name": "Xã", "kind": "commune"})
    create_market(None, {"code": "M1", "name": "Chợ", "region_code": "C1"})
    vendor = register_vendor(
        None,
        {
            "market_code": "M1",
            "stall_code": "A1",
            "display_name": "Rau",
            "phone": "0912345678",
            "accounts": [{"bin": "970436", "account_number": "123456", "account_name": "A"}],
        },
    )
    set_credentials("simbank", [SECRET], [])
    set_credentials("sepay", [SECRET], [])
    vendor_id = vendor.id
    db.session.commit()
    # Touching an expired object after commit would open a new transaction, and on SQLite every
    # transaction holds the write lock: close so the workers below are not made to wait on us.
    db.session.close()
    return vendor_id


def simbank(n, amount=10_000):
    return json.dumps(
        {
            "transaction_id": f"T{n}",
            "bank_reference": f"FT{n:010d}",
            "bin": "970436",
            "account_number": "123456",
            "amount": amount,
            "direction": "in",
            "description": "tien rau",
            "booked_at": "2026-11-22T09:00:00+07:00",
        }
    ).encode()


def send(app, partner, body, headers, barrier=None):
    client = app.test_client()
    if barrier:
        barrier.wait()
    return client.post(f"/api/v1/callbacks/{partner}", data=body, headers=headers, content_type="application/json")


def test_fifty_identical_callbacks_at_once_make_one_transaction_and_fifty_200s(committed):
    make_stall()
    body = simbank(1)
    headers = {"X-Signature": sign_simbank(SECRET, body, int(time.time()))}
    barrier = threading.Barrier(50)
    with ThreadPoolExecutor(50) as pool:
        responses = list(pool.map(lambda _: send(committed, "simbank", body, headers, barrier), range(50)))
    assert [r.status_code for r in responses] == [200] * 50
    statuses = sorted(r.get_json()["status"] for r in responses)
    assert statuses == ["accepted"] + ["duplicate"] * 49
    db.session.rollback()
    assert db.session.scalar(select(func.count(BankTransaction.id))) == 1
    assert db.session.scalar(select(func.count(InboxEntry.id))) == 50


def test_two_partners_reporting_the_same_money_at_once_record_it_once(committed):
    make_stall()
    sim = simbank(2, 25_000)
    sepay = json.dumps(
        {
            "id": 5,
            "gateway": "Vietcombank",
            "transactionDate": "2026-11-22 09:00:00",
            "accountNumber": "123456",
            "content": "tien rau",
            "transferType": "in",
            "transferAmount": 25_000,
            "referenceCode": "FT0000000002",
        }
    ).encode()
    now = int(time.time())
    jobs = [
        ("simbank", sim, {"X-Signature": sign_simbank(SECRET, sim, now)}),
        ("sepay", sepay, sign_sepay(SECRET, sepay, now)),
    ] * 10
    barrier = threading.Barrier(len(jobs))
    with ThreadPoolExecutor(len(jobs)) as pool:
        responses = list(pool.map(lambda job: send(committed, *job, barrier), jobs))
    assert {r.status_code for r in responses} == {200}
    db.session.rollback()
    assert db.session.scalar(select(func.count(BankTransaction.id))) == 1


def test_the_feed_cursor_never_skips_or_repeats_while_callbacks_commit_concurrently(committed):
    vendor_id = make_stall()
    from market_pay.auth.services import create_user, issue_token

    user = create_user(None, "0912000999", "480257", "vendor", "M1/A1")
    token, _ = issue_token(user)
    db.session.commit()
    db.session.close()
    total, seen, done = 120, [], threading.Event()

    def poll():
        client, cursor = committed.test_client(), None
        while True:
            finished = done.is_set()
            url = f"/api/v1/vendors/{vendor_id}/payments?limit=7" + (f"&after={cursor}" if cursor else "")
            page = client.get(url, headers={"Authorization": f"Bearer {token}"}).get_json()
            seen.extend(item["id"] for item in page["items"])
            cursor = page["next"]
            if finished and not page["items"]:
                return

    poller = threading.Thread(target=poll)
    poller.start()
    now = int(time.time())
    bodies = [simbank(100 + n, 1000 + n) for n in range(total)]
    with ThreadPoolExecutor(12) as pool:
        codes = list(
            pool.map(
                lambda b: send(committed, "simbank", b, {"X-Signature": sign_simbank(SECRET, b, now)}).status_code,
                bodies,
            )
        )
    done.set()
    poller.join(timeout=60)
    assert codes == [200] * total
    assert len(seen) == total and len(set(seen)) == total


def test_a_callback_aborted_by_a_deadlock_is_recorded_again_not_answered_with_an_error(committed, monkeypatch):
    """PostgreSQL aborts one side of a deadlock (40P01); the callback's transaction rolled back
    whole, so the route records it again. Other database errors still give the partner a 503."""
    from sqlalchemy.exc import OperationalError

    from market_pay.payments import callbacks_api

    make_stall()
    real, calls = callbacks_api.receive_callback, []

    class Deadlock(Exception):
        sqlstate = "40P01"

    def deadlocked_once(*args):
        calls.append(args[0])
        if len(calls) == 1:
            raise OperationalError("INSERT …", {}, Deadlock("deadlock detected"))
        return real(*args)

    monkeypatch.setattr(callbacks_api, "receive_callback", deadlocked_once)
    body = simbank(7)
    response = send(committed, "simbank", body, {"X-Signature": sign_simbank(SECRET, body, int(time.time()))})
    assert response.status_code == 200 and response.get_json() == {"status": "accepted"} and len(calls) == 2
    db.session.rollback()
    assert db.session.scalar(select(func.count(BankTransaction.id))) == 1

    class ConnectionLost(Exception):
        sqlstate = "08006"

    monkeypatch.setattr(
        callbacks_api,
        "receive_callback",
        lambda *args: (_ for _ in ()).throw(OperationalError("…", {}, ConnectionLost("gone"))),
    )
    body = simbank(8)
    response = send(committed, "simbank", body, {"X-Signature": sign_simbank(SECRET, body, int(time.time()))})
    assert response.status_code == 503


def test_a_pooled_connection_a_callback_used_in_autocommit_is_transactional_again(committed):
    """The PostgreSQL callback records in autocommit (one statement); the pool must hand the
    connection on with transactions back, or a later rollback would undo nothing."""
    from sqlalchemy import text

    make_stall()
    for n in range(3):
        body = simbank(200 + n)
        assert (
            send(committed, "simbank", body, {"X-Signature": sign_simbank(SECRET, body, int(time.time()))}).status_code
            == 200
        )
    with committed.app_context():
        db.session.execute(text("UPDATE feed_counter SET last_seq = last_seq + 1000"))
        db.session.rollback()
        assert db.session.scalar(text("SELECT max(last_seq) FROM feed_counter")) < 1000


def test_a_callback_on_a_pooled_connection_the_database_dropped_is_recorded_on_a_fresh_one(committed):
    """Recording connections have no pre-ping (payments/recording_engine.py): after the
    database dropped them (a restart), the first callback finds out, and is recorded again on a
    new connection instead of answering 503."""
    import pytest
    from sqlalchemy import text

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite callbacks use the app's session")
    make_stall()
    headers = lambda body: {"X-Signature": sign_simbank(SECRET, body, int(time.time()))}  # noqa: E731
    first = simbank(300)
    assert send(committed, "simbank", first, headers(first)).status_code == 200
    with committed.app_context():
        recording = committed.extensions["market_pay_recording_connections"]
        assert recording.idle() >= 1  # the connection that recorded it waits in the pool
        db.session.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND application_name = '' AND state = 'idle'"
            )
        )
        db.session.commit()
    second = simbank(301)
    response = send(committed, "simbank", second, headers(second))
    assert response.status_code == 200 and response.get_json() == {"status": "accepted"}
    # The app's own pool lost its idle connections too; used within seconds of their last use they
    # are not pinged, so the first use of each would fail once (tests/test_database_pool.py).
    db.session.remove()
    db.engine.dispose()
    assert db.session.scalar(select(func.count(BankTransaction.id))) == 2


def test_a_callback_when_the_recording_connections_cannot_reach_the_database_is_a_503(committed):
    """The database refusing connections (down, restarting): the bank gets 503 and retries,
    never a 500 (a real refused connection: the recording engine aimed at a closed port)."""
    import pytest

    from market_pay.payments.recording_engine import RecordingConnections

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite callbacks use the app's session")
    make_stall()
    closed_port = db.engine.url.set(host="127.0.0.1", port=1)
    args, kwargs = db.engine.dialect.create_connect_args(closed_port)
    working = committed.extensions.get("market_pay_recording_connections")
    committed.extensions["market_pay_recording_connections"] = RecordingConnections(tuple(args), kwargs)
    try:
        body = simbank(400)
        response = send(committed, "simbank", body, {"X-Signature": sign_simbank(SECRET, body, int(time.time()))})
    finally:
        committed.extensions.pop("market_pay_recording_connections")
        if working is not None:
            committed.extensions["market_pay_recording_connections"] = working
    assert response.status_code == 503 and response.get_json()["code"] == 503
    db.session.rollback()
    assert db.session.scalar(select(func.count(BankTransaction.id))) == 0


def test_every_outcome_is_committed_before_its_answer_and_a_new_sale_opens_no_session(committed, monkeypatch):
    """The route commits only a session that exists (callbacks_api.py). On PostgreSQL a new sale
    is committed by its own statement and never opens one; a repeat, a forged delivery and a
    malformed one do, and each is committed before its answer all the same."""
    from market_pay.payments import callbacks_api

    make_stall()
    opened = []
    record = callbacks_api.receive_callback

    def watched(*args):
        outcome = record(*args)
        opened.append((outcome.kind, db.session.registry.has()))
        return outcome

    monkeypatch.setattr(callbacks_api, "receive_callback", watched)

    def deliver(body, secret=SECRET):
        # From a thread of its own, as under gunicorn: the request gets its own app context.
        headers = {"X-Signature": sign_simbank(secret, body, int(time.time()))}
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(send, committed, "simbank", body, headers).result()

    # The first delivery reads the partner's credentials (cached per process for 10 s), which
    # opens a session; the next new sale finds them cached.
    assert deliver(simbank(399)).get_json() == {"status": "accepted"}
    sale = simbank(400)
    assert deliver(sale).get_json() == {"status": "accepted"}
    assert deliver(sale).get_json() == {"status": "duplicate"}
    assert deliver(simbank(401), secret="not-the-secret").status_code == 401
    assert deliver(json.dumps({"transaction_id": "T402"}).encode()).status_code == 200

    db.session.rollback()  # read what the requests committed
    assert sorted(db.session.scalars(select(InboxEntry.outcome))) == [
        "accepted",
        "accepted",
        "duplicate",
        "malformed",
        "rejected",
    ]
    assert db.session.scalar(select(func.count(BankTransaction.id))) == 2
    postgresql = db.engine.dialect.name == "postgresql"
    assert opened == [
        ("accepted", True),
        ("accepted", not postgresql),
        ("duplicate", True),
        ("rejected", True),
        ("malformed", True),
    ]


def test_recording_connections_are_shared_by_threads_and_only_a_few_are_kept_idle(committed):
    """The recording pool (payments/recording_engine.py) is a plain stack: threads that record at
    the same moment each get their own connection, and once they are done at most MAX_IDLE stay
    open on the database; disposing closes those."""
    import threading

    import pytest

    from market_pay.payments.recording_engine import MAX_IDLE, RecordingConnections

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite callbacks use the app's session")
    args, kwargs = db.engine.dialect.create_connect_args(db.engine.url)
    pool = RecordingConnections(tuple(args), kwargs)
    threads = MAX_IDLE + 3
    together = threading.Barrier(threads)
    backends = []

    def record():
        together.wait()
        # Held long enough that every thread is inside at once.
        backends.append(pool.execute("SELECT pg_backend_pid() FROM pg_sleep(0.2)", {})[0][0])

    workers = [threading.Thread(target=record) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(set(backends)) == threads  # none waited for another's connection
    assert pool.idle() == MAX_IDLE
    pool.dispose()
    assert pool.idle() == 0


def test_recording_connections_open_at_most_max_open_and_a_thread_waiting_too_long_gets_a_503(committed, monkeypatch):
    """A worker with many threads (the `all` pool runs 200) must not open a connection per
    thread in a burst: beyond MAX_OPEN in use, a thread waits for one; too long, and the bank
    gets a 503 to retry, as from SQLAlchemy's pool."""
    import threading

    import pytest

    from market_pay.errors import ServiceUnavailable
    from market_pay.payments import recording_engine

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite callbacks use the app's session")
    monkeypatch.setattr(recording_engine, "MAX_OPEN", 2)
    args, kwargs = db.engine.dialect.create_connect_args(db.engine.url)
    pool = recording_engine.RecordingConnections(tuple(args), kwargs)
    together = threading.Barrier(4)
    backends = []

    def record():
        together.wait()
        backends.append(pool.execute("SELECT pg_backend_pid() FROM pg_sleep(0.1)", {})[0][0])

    workers = [threading.Thread(target=record) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(backends) == 4 and len(set(backends)) == 2  # two waited, then reused the two open ones

    monkeypatch.setattr(recording_engine, "WAIT_SECONDS", 0.05)
    held = [threading.Event(), threading.Event()]

    def hold(index):
        pool.execute("SELECT pg_sleep(0.5)", {})
        held[index].set()

    holders = [threading.Thread(target=hold, args=(i,)) for i in range(2)]
    for holder in holders:
        holder.start()
    time.sleep(0.2)  # both connections are busy for another 0.3 s
    with pytest.raises(ServiceUnavailable):
        pool.execute("SELECT 1", {})
    for holder in holders:
        holder.join()
    assert all(event.is_set() for event in held)
    pool.dispose()
