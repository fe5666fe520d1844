"""Classify every statement line and every callback of the statement's period (CALLBACKS.md):
matched, missing callback (recovered), callback not on statement, field disagreement, duplicate,
reversal, day cut-off — and lines of an account whose balance chain is broken are left alone.

Lines are read in chunks; each chunk costs two indexed lookups (by the partner's transaction id,
then by account + bank reference for the rest), one UPDATE for the confirmed and one INSERT for
the breaks, so a million-line statement never sits in memory. Everything runs in the caller's
transaction: a run is committed whole or not at all.
"""

import re
from datetime import date, timedelta
from itertools import islice

from sqlalchemy import case, exists, func, select, tuple_, update

from ..common.bulk import in_values
from ..common.types import utcnow
from ..common.upsert import dialect_insert
from ..extensions import db
from ..payments.match_worker import BATCH, match_pending
from ..payments.models import RECOVERED_ID_PREFIX, BankTransaction, InboxEntry, SuspenseItem
from ..vendors.models import ReceivingAccount
from .models import CLASSES, ReconciliationBreak
from .statement_file import StatementCheck, StatementLine, day_bounds, read_lines

CHUNK = 1000
# Matching without the partner's id (MT940, camt, bank exports): a callback booked this close to a
# line's time, with its account, amount and direction, could be that line (docs/STATEMENTS.md).
MATCH_WINDOW = timedelta(minutes=15)
AMBIGUOUS_LISTED = 10  # candidate callbacks named in an "ambiguous" break
_TOKEN = re.compile(r"[A-Z0-9]{4,}")
# Callback columns the classification compares or reports.
_TABLE = BankTransaction.__table__
_TXN = _TABLE.c
# account_bin: the BIN of the account the money was allocated to, which tells a BIN-less callback
# (payOS, SePay without a gateway) of one account from its namesake number under another BIN.
# Looked up only for a BIN-less row (CASE evaluates lazily): most callbacks carry their BIN.
_ACCOUNT_BIN = case(
    (
        _TXN.bin.is_(None),
        select(ReceivingAccount.bin).where(ReceivingAccount.id == _TXN.receiving_account_id).scalar_subquery(),
    ),
    else_=None,
).label("account_bin")
_TXN_COLUMNS = (
    _TXN.id,
    _TXN.partner_txn_id,
    _TXN.bin,
    _TXN.account_number,
    _TXN.bank_reference,
    _TXN.amount,
    _TXN.direction,
    _TXN.booked_at,
    _TXN.confirmation,
    _TXN.reconciliation_run_id,
    _TXN.reverses_txn_id,
    _TXN.statement_txn_id,
    _ACCOUNT_BIN,
)


def _owns(bin_code: str, account_number: str, txn) -> bool:
    """Is the transaction on this (BIN, account)? Matching never crosses accounts (issue 17): a
    number alone is not an account — the same digits may be another bank's account elsewhere."""
    if txn.account_number != account_number:
        return False
    if txn.bin is not None:
        return txn.bin == bin_code
    return txn.account_bin is None or txn.account_bin == bin_code


def _owned_condition(bin_code: str, account_number: str):
    """_owns() as a WHERE condition on bank_transaction."""
    foreign_account = exists(
        select(ReceivingAccount.id).where(
            ReceivingAccount.id == _TXN.receiving_account_id, ReceivingAccount.bin != bin_code
        )
    )
    return (_TXN.account_number == account_number) & ((_TXN.bin == bin_code) | (_TXN.bin.is_(None) & ~foreign_account))


def _chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


class Classifier:
    def __init__(self, run, check: StatementCheck, zone):
        self.run, self.check, self.zone = run, check, zone
        self.partner = run.partner
        self.totals = {name: {"lines": 0, "callbacks": 0, "amount_in": 0, "amount_out": 0} for name in CLASSES}
        self.break_count = 0
        self._breaks: list[dict] = []
        self._confirm: list[int] = []
        self._claimed: set[int] = set()  # callbacks claimed by a line of the current chunk
        # Without ids: lines the money key did not settle wait for a second pass (by time window),
        # once every line that names a callback's reference has claimed it; callbacks claimed in the
        # first pass that this run does not mark (confirmed by an earlier run) are remembered here.
        self._deferred: set = set()
        self._run_claimed: set = set()
        self._ambiguous: set = set()
        self._second_pass = False
        assert check.statement_date is not None  # a checked statement without errors has its day
        self.statement_date: date = check.statement_date
        self._day_start = day_bounds(self.statement_date, zone)[0].timestamp()

    # -- bookkeeping -------------------------------------------------------------------------
    def _count(self, name, direction, amount, lines=1, callbacks=0):
        total = self.totals[name]
        total["lines"] += lines
        total["callbacks"] += callbacks
        total["amount_in" if direction == "in" else "amount_out"] += amount

    def _break(self, kind, line: StatementLine | None = None, txn=None, **detail):
        source = line if line is not None else txn
        self._breaks.append(
            {
                "run_id": self.run.id,
                "kind": kind,
                "row_number": line.row if line is not None else None,
                "bin": source.bin,
                "account_number": source.account_number,
                # A recovered transaction's id is the statement's, not our placeholder.
                "bank_txn_id": (line.transaction_id or None)
                if line is not None
                else (txn.statement_txn_id or txn.partner_txn_id),
                "bank_reference": source.bank_reference,
                "booked_at": source.booked_at,
                "direction": source.direction,
                "amount": source.amount,
                "transaction_id": txn.id if txn is not None else None,
                "detail": detail,
            }
        )
        self.break_count += 1

    def _flush(self):
        if self._confirm:
            db.session.execute(
                update(_TABLE)
                .where(in_values(_TXN.id, self._confirm))
                .values(confirmation="confirmed", reconciliation_run_id=self.run.id)
            )
            self._confirm = []
        if self._breaks:
            db.session.execute(ReconciliationBreak.__table__.insert(), self._breaks)
            self._breaks = []
        self._claimed = set()

    # -- lines ---------------------------------------------------------------------------------
    def classify_statement(self, path):
        broken = {key for key, account in self.check.accounts.items() if account.broken}
        for chunk in _chunks(read_lines(path, self.zone, self.check), CHUNK):
            lookups = self._lookups([line for line in chunk if line.account not in broken])
            for line in chunk:
                if line.account in broken:
                    self._count("broken_chain", line.direction, line.amount)
                else:
                    self._classify_line(line, *lookups)
            self._flush()
        if self._deferred:
            self._classify_by_window(path, broken)
        for key in sorted(broken):
            account = self.check.accounts[key]
            self._breaks.append(
                {
                    "run_id": self.run.id,
                    "kind": "broken_chain",
                    "row_number": account.broken["row"],
                    "bin": account.bin,
                    "account_number": account.account_number,
                    "bank_txn_id": None,
                    "bank_reference": None,
                    "booked_at": None,
                    "direction": None,
                    "amount": None,
                    "transaction_id": None,
                    "detail": {**account.broken, "lines": account.lines},
                }
            )
            self.break_count += 1
        self._flush()

    def _classify_by_window(self, path, broken):
        """Second pass over the lines no id or bank reference settled: by (BIN, account), amount,
        direction and booking time; one candidate is a match, several an "ambiguous" break."""
        self._second_pass = True
        deferred = (line for line in read_lines(path, self.zone, self.check) if line.row in self._deferred)
        for chunk in _chunks(deferred, CHUNK):
            window = self._window_lookup([line for line in chunk if line.account not in broken])
            for line in chunk:
                if line.account not in broken:
                    self._match_by_window(line, window)
            self._flush()
        self._deferred = set()

    def _window(self, line):
        if line.date_only:  # the bank gave the day only: any time that (local) day
            start = day_bounds(line.booked_at.astimezone(self.zone).date(), self.zone)[0]
            return start, start + timedelta(days=1)
        return line.booked_at - MATCH_WINDOW, line.booked_at + MATCH_WINDOW

    def _window_lookup(self, lines):
        found: dict = {}
        if not lines:
            return found
        bounds = [self._window(line) for line in lines]
        pairs = sorted({(line.account_number, line.amount) for line in lines})
        # The exact (account, amount) pairs, not every account × every amount: a thousand lines on
        # a thousand accounts would fetch nearly all of those accounts' day (most amounts occur on
        # most accounts) — 500,000 rows and 600 MiB for a million-line MT940 (BENCHMARKS.md, issue 24).
        # An expanding IN (one statement per chunk) is fine here: this pass sees the few lines no
        # reference settled.
        rows = db.session.execute(
            select(*_TXN_COLUMNS)
            .where(
                tuple_(_TXN.account_number, _TXN.amount).in_(pairs),
                _TXN.booked_at >= min(start for start, _ in bounds),
                _TXN.booked_at < max(end for _, end in bounds),
            )
            .order_by(_TXN.id)
        )
        for row in rows:
            found.setdefault((row.account_number, row.amount, row.direction), []).append(row)
        return found

    def _match_by_window(self, line, window):
        start, end = self._window(line)
        candidates = [
            row
            for row in window.get((line.account_number, line.amount, line.direction), ())
            if _owns(line.bin, line.account_number, row)
            and start <= row.booked_at < end
            and row.id not in self._claimed
            and row.id not in self._run_claimed
            and row.reconciliation_run_id != self.run.id
            and row.confirmation != "disputed"
        ]
        if not candidates:
            return self._recover(line, retry=False)
        if len(candidates) > 1:
            # Never a guess: the money stays as the callbacks left it, and a person decides.
            self._ambiguous.update(row.id for row in candidates)
            self._count("ambiguous", line.direction, line.amount)
            self._break(
                "ambiguous",
                line,
                candidates=len(candidates),
                transaction_ids=[row.id for row in candidates[:AMBIGUOUS_LISTED]],
            )
            return
        self._claim(line, candidates[0])

    def _claim(self, line, txn):
        self._claimed.add(txn.id)
        if txn.confirmation == "provisional":
            self._confirm.append(txn.id)
        elif not self.check.ids:
            self._run_claimed.add(txn.id)
        self._count(self._matched_class(line, txn), line.direction, line.amount, callbacks=1)

    def _lookups(self, lines) -> tuple[dict, dict, dict]:
        """by_id: the partner's transactions with the lines' ids (callbacks: whichever account they
        are on); by_statement: transactions earlier statements recovered under those ids on the
        lines' own accounts; by_money: for the rest, the lines' own accounts' transactions with
        their bank references."""
        by_id: dict = {}
        by_statement: dict = {}
        by_money: dict = {}
        if not lines:
            return by_id, by_statement, by_money
        ids = {line.transaction_id for line in lines if line.transaction_id}
        for row in db.session.execute(
            select(*_TXN_COLUMNS).where(_TXN.partner == self.partner, in_values(_TXN.partner_txn_id, ids))
        ):
            by_id[row.partner_txn_id] = row
        rest_ids = ids - by_id.keys()
        if rest_ids:
            for row in db.session.execute(
                select(*_TXN_COLUMNS).where(_TXN.partner == self.partner, in_values(_TXN.statement_txn_id, rest_ids))
            ):
                by_statement.setdefault(row.statement_txn_id, []).append(row)
        rest = [
            line
            for line in lines
            if line.transaction_id not in by_id and _own(line, by_statement.get(line.transaction_id, ())) is None
        ]
        if rest:
            # The money key (account, bank reference): another partner may have reported the same
            # money, or the same reference may come back with another amount (a disagreement).
            for row in db.session.execute(
                select(*_TXN_COLUMNS).where(
                    in_values(_TXN.account_number, {line.account_number for line in rest}),
                    in_values(_TXN.bank_reference, {line.bank_reference for line in rest}),
                )
            ):
                by_money.setdefault((row.account_number, row.bank_reference), []).append(row)
        return by_id, by_statement, by_money

    def _classify_line(self, line: StatementLine, by_id, by_statement, by_money, retry=True):
        if line.row in self.check.duplicate_rows:
            self._count("duplicate", line.direction, line.amount)
            self._break("duplicate", line, problem="listed_twice")
            return
        txn = by_id.get(line.transaction_id)
        if txn is not None and not _owns(line.bin, line.account_number, txn):
            # The partner gave this id to money on another account: this line changes nothing there.
            return self._other_account(line, "id")
        if txn is None:
            txn = _own(line, by_statement.get(line.transaction_id, ()))
        if txn is None:
            candidates = _own(line, by_money.get((line.account_number, line.bank_reference), []), every=True)
            exact = [c for c in candidates if c.amount == line.amount and c.direction == line.direction]
            if not exact and candidates:
                return self._disagreement(line, candidates[0])
            txn = exact[0] if exact else None
        if txn is None and not line.transaction_id:
            if self._second_pass:
                return self._recover(line, retry=False)
            self._deferred.add(line.row)  # matched by time window once every reference has claimed its own
            return
        if txn is None:
            return self._recover(line, retry)
        if (line.account_number, line.bank_reference, line.amount, line.direction) != (
            txn.account_number,
            txn.bank_reference,
            txn.amount,
            txn.direction,
        ):
            return self._disagreement(line, txn)
        if txn.id in self._claimed or txn.reconciliation_run_id == self.run.id or txn.id in self._run_claimed:
            # Two lines with different ids but the same money: one transfer, counted once.
            self._count("duplicate", line.direction, line.amount)
            self._break("duplicate", line, txn, problem="same_money")
            return
        self._claim(line, txn)

    def _other_account(self, line, problem: str):
        """A break that names no transaction: the one it collides with is another account's, whose
        stall the run's readers may not see."""
        self._count("other_account", line.direction, line.amount)
        self._break("other_account", line, problem=problem)

    def _matched_class(self, line, txn) -> str:
        if line.direction == "out" and txn.reverses_txn_id:
            return "reversal"
        line_day = self._day_index(line.booked_at)
        if line_day != 0 or self._day_index(txn.booked_at) != line_day:
            return "day_cutoff"
        return "matched"

    def _day_index(self, moment) -> int:
        """Whole local days from the statement's day (0: booked on it). Arithmetic, not astimezone():
        Vietnam has no daylight saving, so a local day is 86,400 s from local midnight."""
        return int((moment.timestamp() - self._day_start) // 86_400)

    def _disagreement(self, line, txn, differences=None):
        differences = differences or _differences(line, txn)
        self._claimed.add(txn.id)
        # Never overwrite what the callback said: flag it, and leave the money to a person.
        db.session.execute(
            update(BankTransaction)
            .where(BankTransaction.id == txn.id)
            .values(confirmation="disputed", reconciliation_run_id=self.run.id)
            .execution_options(synchronize_session=False)
        )
        self._count("field_disagreement", line.direction, line.amount, callbacks=1)
        self._break("field_disagreement", line, txn, differences=differences)

    def _recover(self, line: StatementLine, retry: bool = True):
        """Create the transaction the callback would have created; the matcher allocates it. Its
        partner_txn_id is ours (RECOVERED_ID_PREFIX): the statement's id is kept in
        statement_txn_id, so the partner's genuine callback with that id is never a duplicate of
        it — it is deduplicated by the money key instead, and confirms it (payments/callbacks.py)."""
        reverses = self._reversed_credit(line) if line.direction == "out" else None
        values = {
            "partner": self.partner,
            "partner_txn_id": f"{RECOVERED_ID_PREFIX}{self.run.id}:{line.row}",
            "statement_txn_id": line.transaction_id or None,
            "bank_reference": line.bank_reference,
            "bin": line.bin,
            "account_number": line.account_number,
            "amount": line.amount,
            "direction": line.direction,
            "description": line.description,
            "booked_at": line.booked_at,
            "received_at": utcnow(),
            "reverses_txn_id": reverses,
            "match_kind": "pending",
            "confirmation": "recovered",
            "reconciliation_run_id": self.run.id,
        }
        table = BankTransaction.__table__
        txn_id = db.session.execute(
            dialect_insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
        ).scalar_one_or_none()
        if txn_id is None:
            holder = db.session.execute(
                select(*_TXN_COLUMNS).where(
                    _TXN.account_number == line.account_number,
                    _TXN.bank_reference == line.bank_reference,
                    _TXN.amount == line.amount,
                    _TXN.direction == line.direction,
                )
            ).first()
            if holder is not None and not _owns(line.bin, line.account_number, holder):
                # The money key is held by the same number under another BIN: not this account's.
                return self._other_account(line, "money")
            if retry or (self._second_pass and holder is not None):
                # A callback for it committed since the lookup: classify against it.
                second, self._second_pass = self._second_pass, False
                try:
                    return self._classify_line(line, *self._lookups([line]), retry=False)
                finally:
                    self._second_pass = second
            return self._other_account(line, "money")
        self._claimed.add(txn_id)
        self._count("missing_callback", line.direction, line.amount)
        self._break("missing_callback", line, _Recovered(txn_id, line), reverses=reverses)

    def _reversed_credit(self, line) -> str | None:
        """The credit an unreported outgoing line gives back: banks name its reference in the
        description ("HOAN TRA GD FT…"). Its partner transaction id, or None (an ordinary debit).
        Only a credit of the line's own (BIN, account) can be given back by it."""
        tokens = set(_TOKEN.findall(line.description.upper()))
        if not tokens:
            return None
        return db.session.scalar(
            select(_TXN.partner_txn_id)
            .where(
                _TXN.partner == self.partner,
                _owned_condition(line.bin, line.account_number),
                _TXN.direction == "in",
                _TXN.bank_reference.in_(tokens),
            )
            .order_by(_TXN.id)
            .limit(1)
        )

    # -- callbacks of the period ------------------------------------------------------------------
    def classify_unlisted_callbacks(self):
        """Callbacks of the statement's day on its (unbroken) accounts that no line confirmed."""
        start, end = day_bounds(self.statement_date, self.zone)
        accounts = sorted(key for key, account in self.check.accounts.items() if not account.broken)
        for chunk in _chunks(accounts, CHUNK):
            bins_of: dict[str, list[str]] = {}
            for bin_code, number in chunk:
                bins_of.setdefault(number, []).append(bin_code)
            rows = db.session.execute(
                select(*_TXN_COLUMNS)
                .where(
                    in_values(_TXN.account_number, {number for _, number in chunk}),
                    _TXN.booked_at >= start,
                    _TXN.booked_at < end,
                    _TXN.confirmation == "provisional",
                )
                .order_by(_TXN.id)
            ).all()
            # A callback without a BIN belongs to the statement account with its number, unless it
            # was allocated to an account of another BIN.
            for txn in rows:
                if txn.id in self._ambiguous:  # counted with the line that could be it
                    self._count("ambiguous", txn.direction, 0, lines=0, callbacks=1)  # the money: the line's
                    continue
                bins = bins_of.get(txn.account_number, ())
                if not any(_owns(bin_code, txn.account_number, txn) for bin_code in bins):
                    continue
                self._count("not_on_statement", txn.direction, txn.amount, lines=0, callbacks=1)
                near_midnight = end - txn.booked_at <= timedelta(minutes=30)
                self._break("not_on_statement", None, txn, near_midnight=near_midnight)
            self._flush()

    def count_duplicate_deliveries(self):
        """Repeated deliveries of the callbacks this run confirmed: recorded once, counted here."""
        inbox, txn = InboxEntry.__table__.c, _TXN
        self.totals["duplicate"]["callbacks"] += (
            db.session.scalar(
                select(func.count(inbox.id))
                .select_from(InboxEntry.__table__.join(BankTransaction.__table__, inbox.transaction_id == txn.id))
                .where(txn.reconciliation_run_id == self.run.id, inbox.outcome == "duplicate")
            )
            or 0
        )

    # -- after matching ------------------------------------------------------------------------------
    def match_recovered(self):
        """Allocate the recovered transactions now, in this transaction, exactly as the matcher
        allocates a callback's (it takes the matcher's lock, so only one allocates at a time)."""
        while match_pending() >= BATCH:
            pass

    def list_suspense(self):
        """Statement money that sits in suspense: explained by the reason, but on no stall yet."""
        suspense = SuspenseItem.__table__.c
        rows = db.session.execute(
            select(*_TXN_COLUMNS, suspense.reason, suspense.detail.label("suspense_detail"))
            .join(SuspenseItem.__table__, suspense.transaction_id == _TXN.id)
            .where(
                _TXN.reconciliation_run_id == self.run.id, suspense.status == "open", _TXN.confirmation != "disputed"
            )
            .order_by(_TXN.id)
        ).all()
        for row in rows:
            self._break("in_suspense", None, row, reason=row.reason, note=row.suspense_detail)
        self._flush()


class _Recovered:
    """The fields of a just-recovered transaction, for its break row."""

    def __init__(self, txn_id, line):
        self.id, self.partner_txn_id, self.statement_txn_id = txn_id, line.transaction_id, line.transaction_id


def _own(line: StatementLine, rows, every=False):
    """The first of `rows` on the line's own (BIN, account) (None), or all of them (`every`)."""
    owned = [row for row in rows if _owns(line.bin, line.account_number, row)]
    return owned if every else (owned[0] if owned else None)


def _differences(line: StatementLine, txn) -> list:
    found = []
    for name in ("account_number", "bank_reference", "amount", "direction"):
        if getattr(line, name) != getattr(txn, name):
            found.append({"field": name, "statement": getattr(line, name), "callback": getattr(txn, name)})
    if txn.bin and txn.bin != line.bin:
        found.append({"field": "bin", "statement": line.bin, "callback": txn.bin})
    return found
