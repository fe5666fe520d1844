"""gunicorn settings hooks for `market-pay serve` (loaded as `-c python:market_pay.serving.gunicorn_conf`).

Workers, threads and the bind address come from the command line `serve` builds; this module only
holds what must run in gunicorn's master: the Prometheus multi-process bookkeeping.
"""

import os
import shutil


def on_starting(server):
    # The per-worker metric files of a previous run would be added to this run's figures.
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker):
    # A worker that died (or was recycled) leaves its counters counted; its live gauges go.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
