"""Payments: dynamic QR requests, bank callbacks, matching to stalls, suspense and the stall feed."""
