"""The audit log: who changed what, for registry, money and users."""
