"""Vietnamese display formats: 1.250.000 ₫, 31/10/2024, times in Asia/Ho_Chi_Minh."""

from datetime import date, datetime

from .local_time import local_zone


def format_vnd(amount: int, lang: str = "vi") -> str:
    """1250000 → '1.250.000 ₫' (dots group thousands in Vietnamese); '1,250,000 ₫' for an
    English page (commas, as English readers group them)."""
    grouped = f"{amount:,}"
    return (grouped if lang == "en" else grouped.replace(",", ".")) + " ₫"


def format_count(count: int, lang: str = "vi") -> str:
    """1234 → '1.234' (Vietnamese), '1,234' (English)."""
    grouped = f"{count:,}"
    return grouped if lang == "en" else grouped.replace(",", ".")


def format_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime) -> str:
    """An instant as people read it here: local time (local_time.py), then the day."""
    return value.astimezone(local_zone()).strftime("%H:%M %d/%m/%Y")


def mask_account(account_number: str) -> str:
    """Show only the last 4 characters: '0011001234567' → '•••• 4567'."""
    return "•••• " + account_number[-4:]
