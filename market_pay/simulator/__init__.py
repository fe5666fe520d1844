"""The bank simulator: a market day of payments sent to the running service over real HTTP."""
