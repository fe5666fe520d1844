"""The worker model per pool (docs/DEPLOY.md explains the numbers). Pure."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Pool:
    workers: int
    threads: int
    timeout: int
    graceful_timeout: int
    purpose: str


POOLS = {
    # Callbacks, the API, the pages: short requests. gthread keeps a bank's connection alive;
    # a few threads per worker overlap database waits without contending for the GIL.
    "api": Pool(
        workers=4,
        threads=4,
        timeout=30,
        graceful_timeout=20,
        purpose="callbacks, API and pages (route /stall/events to the streams pool)",
    ),
    # Stall boards' event streams: each open page holds one sleeping thread and no database
    # connection; they reconnect by themselves, so a restart need not wait for them.
    "streams": Pool(
        workers=2, threads=600, timeout=60, graceful_timeout=5, purpose="the stall boards' /stall/events streams"
    ),
    # One small machine serving everything.
    "all": Pool(workers=3, threads=200, timeout=60, graceful_timeout=5, purpose="everything on one machine"),
}


def gunicorn_arguments(pool: Pool, bind: str, workers: int | None = None, threads: int | None = None) -> list[str]:
    return [
        "--config",
        "python:market_pay.serving.gunicorn_conf",
        "--bind",
        bind,
        "--workers",
        str(workers or pool.workers),
        "--threads",
        str(threads or pool.threads),
        "--worker-class",
        "gthread",
        "--timeout",
        str(pool.timeout),
        "--graceful-timeout",
        str(pool.graceful_timeout),
        "--keep-alive",
        "15",
        # A request line or header beyond these is refused by gunicorn before the app sees it.
        "--limit-request-line",
        "8190",
        "--limit-request-fields",
        "60",
        "--limit-request-field_size",
        "8190",
        # The app writes its own access line (with the request id); gunicorn's would repeat it.
        "market_pay:create_app()",
    ]
