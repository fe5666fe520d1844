"""The local time zone: where markets trade, banks book, and people read times and dates.

`local_zone()` is the app's (config TIMEZONE, Asia/Ho_Chi_Minh unless set), for showing and
grouping times; `VIETNAM` is the banks' own zone, for reading the local times partners send
(pure modules use it: this module imports Flask only when local_zone() is called)."""

from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def local_zone() -> ZoneInfo:
    """The app's local zone (ZoneInfo keeps one instance per name, so this is cheap)."""
    from flask import current_app

    return ZoneInfo(current_app.config["TIMEZONE"])
