"""Printable vendor kits: stall cards with the static VietQR, as a print-ready PDF."""
