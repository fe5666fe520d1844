"""/livez against /healthz when the database is down (no `app` fixture: it would lend its session)."""


def test_liveness_answers_without_the_database():
    """/livez is for "restart me if I hang": a database outage must not fail it (that is /healthz's
    job), or an orchestrator would kill every healthy worker while PostgreSQL restarts."""
    from tests.conftest import make_app

    app = make_app("postgresql+psycopg://nobody@127.0.0.1:9/none")  # nothing listens on port 9
    with app.test_client() as down:
        assert down.get("/livez").status_code == 200 and down.get("/livez").get_json() == {"status": "ok"}
        assert down.get("/healthz").status_code == 503
