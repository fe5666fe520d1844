"""The vendor's revenue book: every đồng a stall took, cashless and cash, by day, month, quarter, half-year and year."""
