"""The roles a user can have: one enum, and the groups of roles the rules are written with. A
role is stored and sent as its plain string value ("market_manager"); Role members compare equal
to those strings."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    REGION_STAFF = "region_staff"
    MARKET_MANAGER = "market_manager"
    VENDOR = "vendor"
    VENDOR_ASSISTANT = "vendor_assistant"


ROLES = tuple(Role)
# A stall's own people (the board, a PIN); everybody else is staff (a password, the dashboard).
STALL_ROLES = (Role.VENDOR, Role.VENDOR_ASSISTANT)
STAFF_ROLES = (Role.ADMIN, Role.REGION_STAFF, Role.MARKET_MANAGER)
