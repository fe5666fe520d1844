"""What payments announce to the features that follow its money, so payments need not import
them (reports keeps its rollups this way: reports/rollups.py subscribes)."""

from blinker import Namespace

_signals = Namespace()

# Sent by a matcher (match_worker.drain) with the app as sender, after its batches are committed
# and outside any transaction: a receiver does its own work and commits it (or rolls it back and
# raises, which the matcher logs and retries like a failed batch).
matching_drained = _signals.signal("matching-drained")
