"""CPU seconds spent by each part of the stack during a benchmark run, read from /proc.

On a 2-core machine every part (load generator, gunicorn workers, PostgreSQL, matcher) competes
for the same cores, so "where did the CPU go, per request" says more than requests per second
alone: it separates the service's own cost from the machine's noise."""

import os
import resource

_TICK = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> set[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return {int(child) for child in handle.read().split()}
    except OSError:
        return set()


def snapshot(server_pid: int, matcher_pid: int | None = None) -> dict:
    """CPU seconds so far of: the gunicorn master and workers, every postgres process, the
    matcher, and this process's finished children (wrk)."""
    workers = _children(server_pid) | {server_pid}
    totals = {"service": {}, "postgres": {}, "matcher": {}}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as handle:
                stat = handle.read()
        except OSError:  # gone between listing and reading
            continue
        command = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime
        pid = int(name)
        if command == "postgres":
            totals["postgres"][pid] = seconds
        elif pid in workers:
            totals["service"][pid] = seconds
        elif pid == matcher_pid:
            totals["matcher"][pid] = seconds
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    totals["load generator"] = {0: usage.ru_utime + usage.ru_stime}  # wrk, once it has exited
    return totals


def per_request_us(before: dict, after: dict, requests: int) -> dict:
    """Per process, so that one ending in between (a PostgreSQL backend whose client closed)
    does not make a part's figure negative; the CPU such a process spent in the run is missed,
    so a figure can be a little low, never less than zero."""
    return {
        part: round(
            sum(seconds - before[part].get(pid, 0.0) for pid, seconds in after[part].items()) / max(requests, 1) * 1e6
        )
        for part in before
    }
