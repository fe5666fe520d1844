"""The board's view of the book: this month, quarter, half-year and year so far (from the rollups),
the pace towards the year, and the tax group that pace points to (from the rules file).

The rollups are brought up to date first (reports.adoption.bring_rollups_up_to_date), so these
figures are the book's own to the đồng (tests/revenue/test_outlook.py checks them against it).
"""

import os
import tempfile
from datetime import date, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, func, or_, select, union_all

from ..common.formatting import format_date, format_vnd
from ..common.local_time import local_zone
from ..extensions import db
from ..reports.adoption import bring_rollups_up_to_date
from ..reports.models import StallDayTotal, StallMonthTotal
from ..reports.periods import Period
from ..vendors.models import Vendor
from .periods import current_periods, group_key, group_label, millions_text, year_pace
from .tax_rules import Rules, RulesError, packaged_text, parse_rules, percent_text

DECLARATION_TEXT = {
    "vi": {
        "month": "hằng tháng",
        "quarter": "theo quý",
        "half": "6 tháng một lần",
        "year": "hằng năm",
        None: "theo hướng dẫn của cơ quan thuế",
    },
    "en": {
        "month": "every month",
        "quarter": "every quarter",
        "half": "every six months",
        "year": "every year",
        None: "as the tax office directs",
    },
}


def rules_path() -> Path:
    """Where the operator's rules live (MARKET_PAY_REVENUE_TAX_RULES, else the instance folder);
    until a file is installed there, the packaged table is used."""
    configured = current_app.config.get("REVENUE_TAX_RULES")
    return Path(configured) if configured else Path(current_app.instance_path) / "tax_rules.json"


def active_rules() -> tuple[Rules, str]:
    """(rules, where they come from). An installed file was validated when installed; if it was
    broken by hand since, the error says so rather than silently using the packaged table."""
    path = rules_path()
    if path.exists():
        return parse_rules(path.read_text(encoding="utf-8")), str(path)
    return parse_rules(packaged_text()), "packaged"


def install_rules(text: str) -> Rules:
    """Validate and replace the installed rules in one rename: readers see the old or the new file."""
    rules = parse_rules(text)
    path = rules_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tax_rules.", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, path)
    return rules


def period_totals(vendor_id: int, first: date, last: date) -> tuple[int, int]:
    """(cashless, cash) of a stall from the rollups: whole months from the month rows, the ragged
    ends from the day rows (a year so far is at most 12 + 31 rows)."""
    day, month = StallDayTotal, StallMonthTotal
    whole = Period(first, last).whole_months()
    pieces = [
        select(day.cashless_value, day.cash_value).where(
            day.vendor_id == vendor_id,
            day.day >= first,
            day.day <= last,
            *([] if whole is None else [or_(day.day < whole[0], day.day >= whole[1])]),
        )
    ]
    if whole is not None:
        pieces.append(
            select(month.cashless_value, month.cash_value).where(
                and_(month.vendor_id == vendor_id, month.month >= whole[0], month.month < whole[1])
            )
        )
    rows = union_all(*pieces).subquery()
    cashless, cash = db.session.execute(
        select(func.coalesce(func.sum(rows.c[0]), 0), func.coalesce(func.sum(rows.c[1]), 0))
    ).one()
    return int(cashless), int(cash)


def _rule_view(rules: Rules, year: int, pace: int | None, lang: str) -> dict:
    rule = rules.for_year(year)
    if rule is None:
        return {"missing": True, "year": year}
    view = {
        "missing": False,
        "year": year,
        "source": rule.source,
        "source_date": format_date(rule.source_date),
        "note": rule.note.get(lang, ""),
        "group": None,
    }
    if pace is None:
        return view
    group = rule.group_for(pace)
    line = rules.default_line
    rates = (group.rates or {}).get(line)
    view["group"] = {
        "code": group.code,
        "text": group.text[lang],
        "declaration": DECLARATION_TEXT[lang][group.declaration],
        "line": rules.lines[line][lang],
    }
    if rates:
        basis = rates["vat_bp"] + rates["pit_bp"]
        view["group"]["estimate"] = {
            "rate": percent_text(basis, lang),
            "vat": percent_text(rates["vat_bp"], lang),
            "pit": percent_text(rates["pit_bp"], lang),
            "amount": millions_text(pace * basis // 10_000, lang),
        }
    return view


def joined_on(vendor: Vendor) -> date:
    """The local day the stall was registered: its book starts there."""
    return vendor.created_at.astimezone(local_zone()).date()


def book_outlook(vendor: Vendor, lang: str = "vi", today: date | None = None) -> dict:
    """The page's figures; the caller checked that the actor is the stall's vendor."""
    bring_rollups_up_to_date()
    today = today or datetime.now(local_zone()).date()
    periods: list[dict] = []
    for key, (first, last) in current_periods(today).items():
        cashless, cash = period_totals(vendor.id, first, last)
        period_code = group_key(first, key)
        periods.append(
            {
                "key": key,
                "code": period_code,
                "label": group_label(period_code, key, lang),
                "first": format_date(first),
                "last": format_date(last),
                "cashless_text": format_vnd(cashless, lang),
                "cash_text": format_vnd(cash, lang),
                "total_text": format_vnd(cashless + cash, lang),
                "total": cashless + cash,
            }
        )
    joined = joined_on(vendor)
    pace = year_pace(periods[-1]["total"], today, joined)
    try:
        rules, _ = active_rules()
        rule = _rule_view(rules, today.year, pace, lang)
    except RulesError:
        rule = {"missing": True, "year": today.year}
    return {
        "today": format_date(today),
        "year": today.year,
        "periods": periods,
        "pace": pace,
        "pace_text": millions_text(pace, lang) if pace else None,
        "partial_year": joined > date(today.year, 1, 1),
        "joined": format_date(joined),
        "rule": rule,
    }
