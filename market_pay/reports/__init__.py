"""Adoption reports: the cashless share per market, from stall-day rollups kept exact by triggers."""
