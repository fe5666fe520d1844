"""The daily pull an operator enables with MARKET_PAY_STATEMENT_PULL=sepay,casso: once the
Vietnam-time hour MARKET_PAY_STATEMENT_PULL_HOUR (default 6) has come, yesterday is pulled for each
partner listed — by whichever process runs the matcher (`market-pay matcher run`, or the web
workers' matcher thread), which announces every drain (payments/signals.py) and so gives this a
heartbeat without a scheduler of its own.

Any number of processes is safe: a (partner, day) makes at most one run (StatementPull's unique
key, under the reconciliation lock), and a process that finds the day pulled does nothing. Each
process looks at most every CHECK_SECONDS, pulls in a thread of its own (matching never waits for
a partner's API), and a failed pull is logged and tried again at the next look. The same is
available to cron: `market-pay statements pull-due` (docs/STATEMENTS.md).
"""

import logging
import threading
import time
from contextlib import nullcontext
from datetime import date, datetime, timedelta

from flask import has_app_context

from ...common.local_time import VIETNAM
from ...payments.signals import matching_drained
from .client import PullFailed

log = logging.getLogger(__name__)
CHECK_SECONDS = 300
STATE_KEY = "market_pay.statement_pull"


def due_days(partners, hour: int, now: datetime, done=()) -> list[tuple[str, date]]:
    """(partner, day) pulls due at `now`: yesterday (Vietnam time) for each partner once the hour
    has come, except those in `done`. Pure: the schedule's whole rule."""
    local = now.astimezone(VIETNAM)
    if local.hour < hour:
        return []
    yesterday = local.date() - timedelta(days=1)
    return [(partner, yesterday) for partner in partners if (partner, yesterday) not in done]


def run_due_pulls(app, now: datetime | None = None) -> list[str]:
    """Pull what is due now (in `app`'s context); one line per pull, for the log or the command."""
    from ...extensions import db
    from .runs import existing_pull, pull_day

    state = app.extensions.setdefault(STATE_KEY, {"empty": set(), "next_check": 0.0, "thread": None})
    lines = []
    # A thread needs a context of its own (its session is removed with it); a command has one.
    with nullcontext() if has_app_context() else app.app_context():
        due = due_days(
            app.config["STATEMENT_PULL"],
            app.config["STATEMENT_PULL_HOUR"],
            now or datetime.now(VIETNAM),
            state["empty"],
        )
        for partner, day in due:
            if existing_pull(partner, day) is not None:
                continue
            db.session.commit()  # (a read: ends it before the pull's own transactions)
            try:
                outcome = pull_day(partner, day)
            except PullFailed as failed:
                log.warning("daily statement pull %s %s failed: %s", partner, day, failed.message)
                lines.append(f"{partner} {day}: failed: {failed.message}")
                continue
            if outcome.status == "empty":
                state["empty"].add((partner, day))  # nothing listed: not asked again by this process today
            lines.append(f"{partner} {day}: {outcome.status}" + (f", run {outcome.run.id}" if outcome.run else ""))
    return lines


@matching_drained.connect
def _pull_when_due(app, **_):
    """The matcher's heartbeat: look at most every CHECK_SECONDS, pull in a thread of its own."""
    if not app.config.get("STATEMENT_PULL"):
        return
    state = app.extensions.setdefault(STATE_KEY, {"empty": set(), "next_check": 0.0, "thread": None})
    now = time.monotonic()
    if now < state["next_check"] or (state["thread"] is not None and state["thread"].is_alive()):
        return
    state["next_check"] = now + CHECK_SECONDS

    def pull():
        try:
            for line in run_due_pulls(app):
                log.info("daily statement pull: %s", line)
        except Exception:  # a database outage: logged, looked at again at the next check
            log.exception("daily statement pull failed")

    state["thread"] = threading.Thread(target=pull, name="statement-pull", daemon=True)
    state["thread"].start()
