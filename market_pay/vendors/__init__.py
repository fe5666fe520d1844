"""Vendors (stalls) and the bank accounts they receive money on."""
