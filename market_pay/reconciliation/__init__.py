"""End-of-day reconciliation (đối soát): the bank's statement against the callbacks we recorded."""
