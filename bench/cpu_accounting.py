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
    totals = {"service": 0.0, "postgres": 0.0, "matcher": 0.0}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as handle:
                stat = handle.read()
        except OSError:  # gone between listing and reading
            continue
        command = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        seconds = (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime
        pid = int(name)
        if command == "postgres":
            totals["postgres"] += seconds
        elif pid in workers:
            totals["service"] += seconds
        elif pid == matcher_pid:
            totals["matcher"] += seconds
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    totals["load generator"] = usage.ru_utime + usage.ru_stime  # wrk, once it has exited
    return totals


def per_request_us(before: dict, after: dict, requests: int) -> dict:
    return {part: round((after[part] - before[part]) / max(requests, 1) * 1e6) for part in before}
