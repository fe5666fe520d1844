"""Demo data: Hà Giang's markets, stalls with Vietnamese names, and one login per role."""
