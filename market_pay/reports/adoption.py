"""The adoption report: per market, per former district and in total, for a region or a market.

Disclosure rule (vendors fear tax visibility; README.md "Adoption reports", docs/SECURITY.md): a
market with fewer than MIN_ACTIVE_STALLS active stalls is not shown on its own; such markets are
pooled into one "other markets" row. District totals add up the markets shown under them, so no
subtraction recovers a pooled market; the grand total covers everything, pooled markets included.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..auth.models import STALL_ROLES
from ..auth.scopes import region_subtree_ids, require_market_read, require_region_read
from ..common.local_time import local_zone
from ..common.schemas import CODE_PATTERN
from ..common.types import utcnow
from ..errors import Forbidden
from ..extensions import db
from ..markets.models import Market
from ..markets.services import find_market
from ..regions.models import MARKET_REGION_KINDS, Region
from ..regions.services import find_region
from . import figure_queries, rollups
from .periods import Period

MIN_ACTIVE_STALLS = 3
CODE = re.compile(CODE_PATTERN)
# A stall's figures added into its market's, in each period.
ADDED = ("cashless_count", "cashless_value", "confirmed_value", "recovered_value", "cash_count", "cash_value")
# The figures the report also shows for the previous period (its exports' "previous_…" columns).
COMPARED = (
    "stalls_registered",
    "stalls_with_qr",
    "active_stalls",
    "cashless_count",
    "cashless_value",
    "confirmed_value",
    "cash_count",
    "cash_value",
    "share_by_count",
    "share_by_value",
)


@dataclass
class PeriodFigures:
    """A row's figures over one period (the report's, or the one before it); shares are None
    where the markets behind them recorded no cash in it."""

    stalls_registered: int = 0
    stalls_with_qr: int = 0
    active_stalls: int = 0
    cashless_count: int = 0
    cashless_value: int = 0
    confirmed_value: int = 0
    # Of the confirmed value: booked from a statement alone, no bank callback (for review).
    recovered_value: int = 0
    cash_count: int = 0
    cash_value: int = 0
    # The part of the cashless figures from markets that recorded cash: what the shares are taken over.
    cash_recorded_cashless_count: int = 0
    cash_recorded_cashless_value: int = 0
    markets_with_cash: int = 0

    @property
    def provisional_value(self) -> int:
        return self.cashless_value - self.confirmed_value

    @property
    def share_by_count(self):
        return _share(self.cash_recorded_cashless_count, self.cash_count, self.markets_with_cash)

    @property
    def share_by_value(self):
        return _share(self.cash_recorded_cashless_value, self.cash_value, self.markets_with_cash)

    def add(self, other: "PeriodFigures"):
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Figures:
    """One row's figures: `markets` markets, this period and the previous one."""

    markets: int = 0
    current: PeriodFigures = field(default_factory=PeriodFigures)
    previous: PeriodFigures = field(default_factory=PeriodFigures)

    def add(self, other: "Figures"):
        self.markets += other.markets
        self.current.add(other.current)
        self.previous.add(other.previous)


def _share(cashless, cash, any_cash):
    """Cashless share in [0, 1], or None where no cash is recorded (never a misleading 100 %)."""
    if not any_cash or cashless + cash == 0:
        return None
    return cashless / (cashless + cash)


@dataclass
class Row:
    kind: str  # market | other_markets | district_total | total
    figures: Figures
    market_code: str = ""
    market_name: str = ""
    commune_code: str = ""
    commune_name: str = ""
    district_code: str = ""
    district_name: str = ""


@dataclass
class AdoptionReport:
    scope_code: str
    scope_name: str
    scope_kind: str
    period: Period
    previous_period: Period
    active_min: int
    produced_at: datetime
    rows: list  # per former district its markets then its subtotal; other markets; the total
    weekly: list


def _scope_markets(actor, region_code, market_code):
    """(scope label, markets) the actor may report on; 403 outside their scope. actor None: the
    operator's command line."""
    if actor is not None and actor.role in STALL_ROLES:
        raise Forbidden("Reports are for market and region staff.")
    if market_code:
        market = find_market(market_code)
        if actor is not None:
            require_market_read(actor, market)
        return (market.code, market.name, "market"), [market]
    if actor is not None and actor.role == "market_manager":
        raise Forbidden("A market manager reports on their own market (market=CODE).")
    region = find_region(region_code)
    if actor is not None:
        require_region_read(actor, region)
    markets = db.session.scalars(
        select(Market)
        .options(joinedload(Market.region))
        .where(Market.region_id.in_(region_subtree_ids(region)))
        .order_by(Market.code)
    ).all()
    return (region.code, region.name, region.kind), markets


def require_report_scope(actor, region_code=None, market_code=None) -> None:
    """403 (or 404) unless `actor` may report on that region or market: checked before any work
    on the caller's behalf (a rollup refresh), so a forbidden caller costs a lookup, nothing more."""
    _scope_markets(actor, region_code, market_code)


def require_asked_scope(actor, asked: Mapping[str, str]) -> None:
    """Scope before the query: the region and market a request names in its raw query (`asked`)
    are checked against `actor` before anything else in it is validated, so a caller outside
    them is refused (403; 404 for no such place) and told nothing of the rest of the query. A
    code that is not even shaped like one names nothing: the query's validation refuses it (422)."""
    if actor.role in STALL_ROLES:
        raise Forbidden("Reports are for market and region staff.")
    for key in ("market", "region"):
        code = (asked.get(key) or "").strip()
        if CODE.match(code):
            _scope_markets(actor, code if key == "region" else None, code if key == "market" else None)


def _places(markets):
    """{market_id: (commune region, former district region or None)}."""
    codes = {code for market in markets for code in market.region.path.split("/") if code}
    regions = {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(codes)))}
    places = {}
    for market in markets:
        chain = [regions[code] for code in market.region.path.split("/") if code]
        district = next((r for r in reversed(chain) if r.kind == "former_district"), None)
        places[market.id] = (market.region, district)
    return places


def _market_ids(markets):
    """The markets' ids, or None when they are every market (a province report reads no id list)."""
    if markets and db.session.scalar(select(db.func.count()).select_from(Market)) == len(markets):
        return None
    return [market.id for market in markets]


def _market_figures(markets, ids, period, previous, active_min, stall_figures):
    by_market = {market.id: Figures(markets=1) for market in markets}
    for which, span in (("current", period), ("previous", previous)):
        of = lambda market_id, which=which: getattr(by_market[market_id], which)  # noqa: E731
        for market_id, (count, value) in figure_queries.survey_cash(ids, span).items():
            if market_id in by_market:
                _add_stall(of(market_id), {"cash_count": count, "cash_value": value}, active_min)
        for market_id, values in stall_figures(ids, span).values():
            if market_id in by_market:
                _add_stall(of(market_id), values, active_min)
        for market_id, (registered, with_qr) in figure_queries.registry(ids, span).items():
            if market_id in by_market:
                of(market_id).stalls_registered, of(market_id).stalls_with_qr = registered, with_qr
    for row in by_market.values():
        for figures in (row.current, row.previous):
            if figures.cash_count > 0:
                figures.markets_with_cash = 1
                figures.cash_recorded_cashless_count = figures.cashless_count
                figures.cash_recorded_cashless_value = figures.cashless_value
    return by_market


def _add_stall(figures: PeriodFigures, values: dict, active_min: int):
    for name in ADDED:
        setattr(figures, name, getattr(figures, name) + values.get(name, 0))
    figures.active_stalls += values.get("cashless_count", 0) >= active_min and values.get("cashless_count", 0) > 0


def bring_rollups_up_to_date():
    """Recompute the stall-days changed since the last refresh, so a report includes every
    committed change; flushes. Off on a read replica (MARKET_PAY_REPORT_REFRESH=0), where the
    primary's matchers keep the rollups."""
    if current_app.config.get("REPORT_REFRESH", True):
        rollups.refresh()


def adoption_report(
    actor, *, region_code=None, market_code=None, first, last, active_min=1, stall_figures=None
) -> AdoptionReport:
    """The report for a region (any kind of node) or one market over [first, last] (local dates),
    read from the rollups — the caller brings them up to date first (bring_rollups_up_to_date).

    `stall_figures(market_ids, period)` replaces the rollups' figure_queries.stall_figures: the
    tests and the benchmark pass one that adds up the base tables (tests/reports/base_figures.py),
    to check the rollups against; such a report has no weekly trend (it reads the rollups)."""
    (scope_code, scope_name, scope_kind), markets = _scope_markets(actor, region_code, market_code)
    period = Period(first, last)
    previous = period.previous()
    ids = _market_ids(markets)
    by_market = _market_figures(
        markets, ids, period, previous, active_min, stall_figures or figure_queries.stall_figures
    )
    places = _places(markets)

    rows, other, total, districts = [], Figures(), Figures(), {}
    listed: dict[str, list] = {}
    ordered = sorted(
        markets, key=lambda m: (places[m.id][1].code if places[m.id][1] else "", places[m.id][0].code, m.code)
    )
    for market in ordered:
        commune, district = places[market.id]
        row_figures = by_market[market.id]
        total.add(row_figures)
        if row_figures.current.active_stalls < MIN_ACTIVE_STALLS:
            other.add(row_figures)
            continue
        district_key = district.code if district else ""
        if district_key not in districts:
            districts[district_key] = Row(
                "district_total", Figures(), district_code=district_key, district_name=district.name if district else ""
            )
        districts[district_key].figures.add(row_figures)
        listed.setdefault(district_key, []).append(
            Row(
                "market",
                row_figures,
                market.code,
                market.name,
                commune.code,
                commune.name,
                district_key,
                district.name if district else "",
            )
        )
    # Each former district's markets, then its subtotal right under them (else one district at most).
    with_subtotals = scope_kind not in ("market", *MARKET_REGION_KINDS, "former_district")
    for key in sorted(listed):
        rows.extend(listed[key])
        if with_subtotals and key:
            rows.append(districts[key])
    if other.markets:
        rows.append(Row("other_markets", other))
    rows.append(
        Row(
            "total",
            total,
            district_code=scope_code if scope_kind == "former_district" else "",
            district_name=scope_name if scope_kind == "former_district" else "",
        )
    )
    # The weekly share is taken over the same markets as the total's: those that record cash.
    cash_ids = [market_id for market_id, row in by_market.items() if row.current.markets_with_cash]
    weekly = (
        figure_queries.weekly_trend(ids, period, cash_ids, utcnow().astimezone(local_zone()).date())
        if stall_figures is None
        else []
    )
    return AdoptionReport(scope_code, scope_name, scope_kind, period, previous, active_min, utcnow(), rows, weekly)
