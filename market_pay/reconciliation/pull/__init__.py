"""Pulling a day's transactions from an aggregator's API (SePay, Casso) into a reconciliation run."""
