"""Rate limits that hold across every worker and app server (counters live in the database)."""
