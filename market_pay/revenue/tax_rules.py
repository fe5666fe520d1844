"""Tax periods, thresholds and revenue rates as data (tax_rules.json): read, validated, looked up. Pure.

The rules change by decree; the service only shows which group a stall's year points to and an
estimate "theo tỷ lệ … trên doanh thu", with the rule's source and date. A malformed file is
refused whole with a message naming the place, so an update can never half-apply.
"""

import json
from dataclasses import dataclass
from datetime import date
from importlib import resources

DECLARATIONS = ("month", "quarter", "half", "year")
LANGS = ("vi", "en")


class RulesError(ValueError):
    """The rules file is not valid (the message says where)."""


@dataclass(frozen=True)
class Group:
    code: str
    up_to: int | None  # inclusive upper bound of a year's revenue; None for the last group
    declaration: str | None
    text: dict
    rates: dict | None  # {line: {"vat_bp": int, "pit_bp": int}} in basis points of revenue


@dataclass(frozen=True)
class YearRule:
    year: int
    source: str
    source_date: date
    note: dict
    groups: tuple

    def group_for(self, revenue: int) -> Group:
        return next(group for group in self.groups if group.up_to is None or revenue <= group.up_to)


@dataclass(frozen=True)
class Rules:
    updated: date
    default_line: str
    lines: dict
    years: dict

    def for_year(self, year: int) -> YearRule | None:
        return self.years.get(year)


def packaged_text() -> str:
    return resources.files("market_pay.revenue").joinpath("tax_rules.json").read_text(encoding="utf-8")


def _texts(where: str, value) -> dict:
    if not isinstance(value, dict) or any(
        not isinstance(value.get(lang), str) or not value[lang].strip() for lang in LANGS
    ):
        raise RulesError(f'{where}: give the text in Vietnamese and English ({{"vi": …, "en": …}})')
    return {lang: value[lang] for lang in LANGS}


def _date(where: str, value) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise RulesError(f"{where}: a date as YYYY-MM-DD") from None


def _whole(where: str, value, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise RulesError(f"{where}: a whole number from {low} to {high}")
    return value


def _rates(where: str, value, lines: dict) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not value:
        raise RulesError(f"{where}: rates per business line, or null")
    rates = {}
    for line, pair in value.items():
        if line not in lines:
            raise RulesError(f"{where}: unknown business line {line!r}")
        if not isinstance(pair, dict) or set(pair) != {"vat_bp", "pit_bp"}:
            raise RulesError(f"{where}.{line}: give vat_bp and pit_bp (basis points of revenue: 100 = 1 %)")
        rates[line] = {key: _whole(f"{where}.{line}.{key}", pair[key], 0, 10_000) for key in ("vat_bp", "pit_bp")}
    return rates


def _groups(where: str, value, lines: dict) -> tuple:
    if not isinstance(value, list) or not value:
        raise RulesError(f"{where}: a list of groups, smallest revenue first")
    groups, previous = [], -1
    for index, raw in enumerate(value):
        here = f"{where}[{index}]"
        if not isinstance(raw, dict):
            raise RulesError(f"{here}: an object")
        last = index == len(value) - 1
        up_to = raw.get("up_to")
        if last and up_to is not None:
            raise RulesError(f"{here}: the last group has no upper bound (up_to: null)")
        if not last:
            up_to = _whole(f"{here}.up_to", up_to, 0, 10**15)
            if up_to <= previous:
                raise RulesError(f"{here}.up_to: bounds must rise from group to group")
            previous = up_to
        declaration = raw.get("declaration")
        if declaration is not None and declaration not in DECLARATIONS:
            raise RulesError(f"{here}.declaration: one of {', '.join(DECLARATIONS)}, or null")
        code = raw.get("code")
        if not isinstance(code, str) or not code:
            raise RulesError(f"{here}.code: a short name")
        groups.append(
            Group(
                code,
                up_to,
                declaration,
                _texts(here, {lang: raw.get(lang) for lang in LANGS}),
                _rates(f"{here}.rates", raw.get("rates"), lines),
            )
        )
    return tuple(groups)


def parse_rules(text: str) -> Rules:
    """The rules from a JSON document; RulesError naming the first problem."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise RulesError(f"not JSON: {error}") from None
    if not isinstance(data, dict) or data.get("schema") != 1:
        raise RulesError('the top level is an object with "schema": 1')
    lines = data.get("lines")
    if not isinstance(lines, dict) or not lines:
        raise RulesError("lines: business lines by code")
    lines = {code: _texts(f"lines.{code}", names) for code, names in lines.items()}
    if data.get("default_line") not in lines:
        raise RulesError("default_line: one of the lines")
    years = data.get("years")
    if not isinstance(years, dict):
        raise RulesError('years: rules by year ("2026": {…})')
    rules = {}
    for key, raw in years.items():
        if not (isinstance(key, str) and key.isascii() and key.isdigit() and len(key) == 4):
            raise RulesError(f"years: {key!r} is not a year")
        where = f"years.{key}"
        if not isinstance(raw, dict) or not isinstance(raw.get("source"), str) or not raw["source"].strip():
            raise RulesError(f"{where}.source: the legal text(s) the rule comes from")
        rules[int(key)] = YearRule(
            int(key),
            raw["source"],
            _date(f"{where}.source_date", raw.get("source_date")),
            _texts(f"{where}.note", raw["note"]) if raw.get("note") is not None else {},
            _groups(f"{where}.groups", raw.get("groups"), lines),
        )
    return Rules(_date("updated", data.get("updated")), data["default_line"], lines, rules)


def percent_text(basis_points: int, lang: str = "vi") -> str:
    """150 → '1,5 %' (Vietnamese decimal comma) or '1.5 %'."""
    whole, rest = divmod(basis_points, 100)
    text = str(whole) if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")
    return (text.replace(".", ",") if lang == "vi" else text) + " %"
